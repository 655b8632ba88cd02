import CFFTW
import Foundation
import HensCore

/// How FFTW chooses an algorithm for a plan.
public enum FFTPlanning: Sendable {
    /// Heuristic plans (FFTW_ESTIMATE): made instantly, and the same plan in every process on a
    /// machine, so results are reproducible. Everything whose result is written or compared uses it.
    case estimate
    /// Timed plans (FFTW_MEASURE): FFTW runs candidates and keeps the fastest, so the plan — and
    /// with it the rounding of results — can change from one process to the next, e.g. under load.
    /// Benchmarks only.
    case measure

    var flags: UInt32 { self == .measure ? UInt32(FFTW_MEASURE) : UInt32(FFTW_ESTIMATE) }
}

/// The alignment a plan is made for.
public enum FFTAlignment: Sendable {
    /// Arrays of any alignment (FFTW_UNALIGNED): no SIMD codelets that need aligned loads.
    case any
    /// Arrays with the planning arrays' SIMD alignment only; check with `RealFFTPlan.isSIMDAligned`.
    case simd
}

/// One loop of a batched ("guru") FFT: `count` transforms, each starting `inputStride` and
/// `outputStride` elements after the previous one (reals on the real side, complex numbers on
/// the complex side).
public struct FFTLoop: Sendable, Equatable {
    public var count: Int
    public var inputStride: Int
    public var outputStride: Int

    /// A loop of `count` transforms with the given strides.
    public init(count: Int, inputStride: Int, outputStride: Int) {
        self.count = count
        self.inputStride = inputStride
        self.outputStride = outputStride
    }

    var fftw: fftw_iodim64 { fftw_iodim64(n: count, is: inputStride, os: outputStride) }
}

/// FFTW has one planner per process, and it is not thread-safe: every plan of hens is created and
/// destroyed under this one lock, whichever module asks (execution needs no lock).
enum FFTWPlanner {
    private static let lock = NSLock()

    static func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// A plan for a batch of one-dimensional real FFTs of one length, in either direction:
/// forward real → complex (unnormalised e^{−ikx} sums, length/2 + 1 complex outputs) or inverse
/// complex → real (no 1/n factor; destroys its input). Complex numbers are (re, im) pairs of `T`.
///
/// Plans are made once and executed on new arrays of the same layout from any thread.
public final class RealFFTPlan<T: BackendScalar>: @unchecked Sendable { // immutable after init; FFTW executes plans thread-safely
    /// Direction of a plan.
    public enum Direction: Sendable { case forward, inverse }

    /// The direction this plan runs.
    public let direction: Direction
    @usableFromInline let plan: OpaquePointer

    /// Plans `loops` of transforms of `length` points, element strides `inputStride` and
    /// `outputStride` inside one transform. `input` and `output` are planning arrays of the full
    /// layout; `.measure` planning overwrites them.
    /// - Throws: an internal `HensError` when FFTW cannot plan the layout.
    public init(_ direction: Direction, length: Int, inputStride: Int = 1, outputStride: Int = 1, loops: [FFTLoop],
                input: UnsafeMutablePointer<T>, output: UnsafeMutablePointer<T>,
                planning: FFTPlanning = .estimate, alignment: FFTAlignment = .any) throws {
        var dim = fftw_iodim64(n: length, is: inputStride, os: outputStride)
        var loops = loops.map(\.fftw)
        let rank = Int32(loops.count)
        let flags = planning.flags | (alignment == .any ? UInt32(FFTW_UNALIGNED) : 0)
        let made: OpaquePointer? = FFTWPlanner.withLock {
            if T.self == Float.self {
                let real = UnsafeMutableRawPointer(direction == .forward ? input : output).assumingMemoryBound(to: Float.self)
                let complex = UnsafeMutableRawPointer(direction == .forward ? output : input).assumingMemoryBound(to: fftwf_complex.self)
                return direction == .forward
                    ? fftwf_plan_guru64_dft_r2c(1, &dim, rank, &loops, real, complex, flags)
                    : fftwf_plan_guru64_dft_c2r(1, &dim, rank, &loops, complex, real, flags)
            } else {
                let real = UnsafeMutableRawPointer(direction == .forward ? input : output).assumingMemoryBound(to: Double.self)
                let complex = UnsafeMutableRawPointer(direction == .forward ? output : input).assumingMemoryBound(to: fftw_complex.self)
                return direction == .forward
                    ? fftw_plan_guru64_dft_r2c(1, &dim, rank, &loops, real, complex, flags)
                    : fftw_plan_guru64_dft_c2r(1, &dim, rank, &loops, complex, real, flags)
            }
        }
        guard let made else { throw HensError(.internal, "FFTW could not plan length-\(length) real transforms") }
        self.direction = direction
        plan = made
    }

    deinit {
        let plan = self.plan
        FFTWPlanner.withLock {
            if T.self == Float.self { fftwf_destroy_plan(plan) } else { fftw_destroy_plan(plan) }
        }
    }

    /// Runs the plan on new arrays laid out like the planning arrays (forward: reals → complex;
    /// inverse: complex → reals, destroying the input).
    @inlinable @inline(__always)
    public func execute(_ input: UnsafeMutablePointer<T>, _ output: UnsafeMutablePointer<T>) {
        let inRaw = UnsafeMutableRawPointer(input), outRaw = UnsafeMutableRawPointer(output)
        if T.self == Float.self {
            if direction == .forward {
                fftwf_execute_dft_r2c(plan, inRaw.assumingMemoryBound(to: Float.self), outRaw.assumingMemoryBound(to: fftwf_complex.self))
            } else {
                fftwf_execute_dft_c2r(plan, inRaw.assumingMemoryBound(to: fftwf_complex.self), outRaw.assumingMemoryBound(to: Float.self))
            }
        } else {
            if direction == .forward {
                fftw_execute_dft_r2c(plan, inRaw.assumingMemoryBound(to: Double.self), outRaw.assumingMemoryBound(to: fftw_complex.self))
            } else {
                fftw_execute_dft_c2r(plan, inRaw.assumingMemoryBound(to: fftw_complex.self), outRaw.assumingMemoryBound(to: Double.self))
            }
        }
    }

    /// Whether both arrays have the SIMD alignment FFTW plans `.simd` plans for
    /// (`fftw_alignment_of` is 0: the condition for executing such a plan on new arrays).
    @inlinable @inline(__always)
    public static func isSIMDAligned(_ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>) -> Bool {
        if T.self == Float.self {
            return fftwf_alignment_of(UnsafeMutableRawPointer(a).assumingMemoryBound(to: Float.self)) == 0
                && fftwf_alignment_of(UnsafeMutableRawPointer(b).assumingMemoryBound(to: Float.self)) == 0
        }
        return fftw_alignment_of(UnsafeMutableRawPointer(a).assumingMemoryBound(to: Double.self)) == 0
            && fftw_alignment_of(UnsafeMutableRawPointer(b).assumingMemoryBound(to: Double.self)) == 0
    }
}
