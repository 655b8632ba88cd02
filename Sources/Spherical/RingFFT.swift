import CFFTW
import Foundation
import HensCore

/// How hard FFTW searches for a fast plan (FFTW_ESTIMATE or FFTW_MEASURE).
public enum FFTPlanning: Sendable {
    /// Heuristic plans, created instantly.
    case estimate
    /// Timed plans: slower to create (once per shape), faster to run.
    case measure

    var flags: UInt32 {
        let base = UInt32(FFTW_UNALIGNED) // executed on sub-arrays of any alignment
        return self == .measure ? base | UInt32(FFTW_MEASURE) : base | UInt32(FFTW_ESTIMATE)
    }
}

/// FFTW's planner is not thread-safe; plan creation and destruction go through this lock.
private let plannerLock = NSLock()

/// Real FFTs along longitude for a batch of fields, between the grid layout
/// `[b][k][j]` (batch, row, column) and the "Fourier-major" layout `[m][k][b]` of complex
/// numbers (order, row, batch) that the Legendre stage reads one order at a time.
///
/// Rows are split into one chunk per worker; each chunk executes a cached plan on its
/// sub-arrays. Plans are made once per (batch, chunk rows) and reused; execution is thread-safe.
final class RingFFT<T: SHTScalar>: @unchecked Sendable {
    let nlat: Int
    let nlon: Int
    /// Number of complex Fourier coefficients per ring: nlon/2 + 1.
    let frequencies: Int
    let planning: FFTPlanning
    private var forwardPlans: [Key: OpaquePointer] = [:]
    private var inversePlans: [Key: OpaquePointer] = [:]
    private let cacheLock = NSLock()

    private struct Key: Hashable { let batch: Int; let rows: Int }

    init(nlat: Int, nlon: Int, planning: FFTPlanning) {
        self.nlat = nlat
        self.nlon = nlon
        self.frequencies = nlon / 2 + 1
        self.planning = planning
    }

    deinit {
        plannerLock.lock()
        for plan in forwardPlans.values { T.destroy(plan) }
        for plan in inversePlans.values { T.destroy(plan) }
        plannerLock.unlock()
    }

    /// Real values per batch of fields on the grid.
    func gridCount(batch: Int) -> Int { batch * nlat * nlon }
    /// Reals (re, im interleaved) in the Fourier-major buffer.
    func spectrumCount(batch: Int) -> Int { 2 * frequencies * nlat * batch }

    /// grid `[b][k][j]` → spectrum `[m][k][b]` (unnormalised e^{−imλ} sums).
    func forward(_ grid: UnsafeMutablePointer<T>, _ spectrum: UnsafeMutablePointer<T>, batch: Int) {
        Parallel.forEachChunk(nlat) { rows in
            let plan = self.plan(forward: true, batch: batch, rows: rows.count)
            T.executeForward(plan, grid + rows.lowerBound * self.nlon, spectrum + 2 * rows.lowerBound * batch)
        }
    }

    /// spectrum `[m][k][b]` → grid `[b][k][j]`: gⱼ = X₀ + 2 Re Σₘ Xₘ e^{imλⱼ} (no 1/n).
    /// Destroys the spectrum.
    func inverse(_ spectrum: UnsafeMutablePointer<T>, _ grid: UnsafeMutablePointer<T>, batch: Int) {
        Parallel.forEachChunk(nlat) { rows in
            let plan = self.plan(forward: false, batch: batch, rows: rows.count)
            T.executeInverse(plan, spectrum + 2 * rows.lowerBound * batch, grid + rows.lowerBound * self.nlon)
        }
    }

    private func plan(forward: Bool, batch: Int, rows: Int) -> OpaquePointer {
        let key = Key(batch: batch, rows: rows)
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let p = forward ? forwardPlans[key] : inversePlans[key] { return p }
        let p = makePlan(forward: forward, batch: batch, rows: rows)
        if forward { forwardPlans[key] = p } else { inversePlans[key] = p }
        return p
    }

    private func makePlan(forward: Bool, batch: Int, rows: Int) -> OpaquePointer {
        // Scratch arrays sized for the whole grid: FFTW_MEASURE overwrites them while planning.
        let real = UnsafeMutablePointer<T>.allocate(capacity: gridCount(batch: batch))
        let complex = UnsafeMutablePointer<T>.allocate(capacity: spectrumCount(batch: batch))
        defer { real.deallocate(); complex.deallocate() }
        let spectrumStride = nlat * batch // between orders m, in complex units
        plannerLock.lock()
        defer { plannerLock.unlock() }
        let plan: OpaquePointer?
        if forward {
            let loops = [fftw_iodim64(n: batch, is: nlat * nlon, os: 1), fftw_iodim64(n: rows, is: nlon, os: batch)]
            plan = T.planForward(length: nlon, inputStride: 1, outputStride: spectrumStride, loops: loops,
                                 input: real, output: complex, flags: planning.flags)
        } else {
            let loops = [fftw_iodim64(n: batch, is: 1, os: nlat * nlon), fftw_iodim64(n: rows, is: batch, os: nlon)]
            plan = T.planInverse(length: nlon, inputStride: spectrumStride, outputStride: 1, loops: loops,
                                 input: complex, output: real, flags: planning.flags)
        }
        guard let plan else { fatalError("FFTW could not plan a length-\(nlon) transform") }
        return plan
    }
}
