import HensCore
import Spherical
import XCTest
@testable import SFNO

/// Test case that runs hens' threading set-up first, as the CLI does: OpenBLAS pinned to one
/// thread inside hens' own loops, all cores for those loops.
class SFNOTestCase: XCTestCase {
    /// The thread count before the class's tests, put back after them (it is process-wide).
    nonisolated(unsafe) private static var previousThreads = Parallel.threadCount

    override class func setUp() {
        super.setUp()
        previousThreads = Parallel.threadCount
        Parallel.configure(threads: nil)
    }

    override class func tearDown() {
        Parallel.configure(threads: previousThreads)
        super.tearDown()
    }
}

/// Seeded standard-normal values.
func randomValues<T: SHTScalar>(_ count: Int, seed: UInt64, scale: Double = 1) -> [T] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in T(scale * g.nextNormal()) }
}

/// Σ a·b in Float64.
func dot<T: SHTScalar>(_ a: [T], _ b: [T]) -> Double {
    precondition(a.count == b.count)
    var s = 0.0
    for i in a.indices { s += a[i].double * b[i].double }
    return s
}

/// `count` distinct indices in 0..<n (all of them when n ≤ count), seeded.
func sampleIndices(_ n: Int, count: Int, seed: UInt64) -> [Int] {
    guard n > count else { return Array(0..<n) }
    var g = SeededGenerator(seed: seed)
    var chosen = Set<Int>()
    while chosen.count < count { chosen.insert(Int(g.next() % UInt64(n))) }
    return chosen.sorted()
}

/// Outcome of a finite-difference check.
struct GradientCheck {
    /// Largest |fd − analytic| / max(|fd|, |analytic|) over entries above the noise floor.
    var maxRelative = 0.0
    /// Largest |fd − analytic| relative to the largest analytic entry (covers the tiny entries).
    var maxScaled = 0.0
    var checked = 0
}

/// Central differences of `loss(i, δ)` (the loss with coordinate i moved by δ) against
/// `analytic[i]` for the given indices.
func finiteDifferenceCheck(indices: [Int], analytic: (Int) -> Double, h: Double = 1e-5,
                           loss: (Int, Double) -> Double) -> GradientCheck {
    var fd = [Double](), an = [Double]()
    for i in indices {
        fd.append((loss(i, h) - loss(i, -h)) / (2 * h))
        an.append(analytic(i))
    }
    let scale = max(an.map(abs).max() ?? 0, 1e-300)
    var result = GradientCheck()
    for k in fd.indices {
        let diff = abs(fd[k] - an[k])
        result.maxScaled = max(result.maxScaled, diff / scale)
        let size = max(abs(fd[k]), abs(an[k]))
        if size > 1e-4 * scale {
            result.maxRelative = max(result.maxRelative, diff / size)
            result.checked += 1
        }
    }
    return result
}

/// Asserts a gradient check passed at the brief's tolerance (relative error ≤ 1e-6).
func assertGradient(_ check: GradientCheck, _ what: String, tolerance: Double = 1e-6,
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertGreaterThan(check.checked, 0, "\(what): nothing was checked", file: file, line: line)
    XCTAssertLessThanOrEqual(check.maxRelative, tolerance, "\(what): relative error \(check.maxRelative)", file: file, line: line)
    XCTAssertLessThanOrEqual(check.maxScaled, tolerance, "\(what): scaled error \(check.maxScaled)", file: file, line: line)
}

/// Mutable array access through a pointer (for kernels that take pointers).
extension Array {
    mutating func withPointer<R>(_ body: (UnsafeMutablePointer<Element>) throws -> R) rethrows -> R {
        try withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}

/// Tiny configurations for the gradient checks.
enum TinyConfigs {
    /// th-example on 9×16 equiangular, sf 2 → internal 5×8 LG, K = 4; three blocks so the
    /// middle one keeps its grid; learned position embedding.
    static func thExample(layers: Int = 3, posEmbed: SFNOPositionEmbedding = .direct,
                          normalization: SFNONormalization = .instance) -> SFNOConfig {
        SFNOConfig(variant: .thExample, grid: .equiangular, nlat: 9, nlon: 16, inChannels: 3, outChannels: 2,
                   scaleFactor: 2, embedDim: 4, layers: layers, mlpRatio: 2, residualPrediction: true,
                   posEmbed: posEmbed, normalization: normalization)
    }

    /// makani on 8×16 equiangular, sf 2 → internal 4×8 LG, lmax = mmax = 4.
    static func makani(layers: Int = 3, posEmbed: SFNOPositionEmbedding = .direct,
                       normalization: SFNONormalization = .instance, bigSkip: Bool = true) -> SFNOConfig {
        SFNOConfig(variant: .makani, grid: .equiangular, nlat: 8, nlon: 16, inChannels: 3, outChannels: 2,
                   scaleFactor: 2, embedDim: 4, layers: layers, mlpRatio: 2, encoderRatio: 1.5, decoderRatio: 1,
                   bigSkip: bigSkip, posEmbed: posEmbed, normalization: normalization)
    }
}

/// Moves every parameter of a model away from its initial value (norm scales from 1, biases
/// and position embeddings from 0), so forward-only comparisons and gradients exercise them.
func perturbParameters<T: SHTScalar>(_ model: SFNOModel<T>, seed: UInt64, scale: Double = 0.1) {
    var g = SeededGenerator(seed: seed)
    model.withParameters { p in
        for i in p.indices { p[i] += T(scale * g.nextNormal()) }
    }
}
