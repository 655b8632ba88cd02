import XCTest
import HensCore
import Spherical
@testable import Ensemble

/// A linear(-affine) toy model y = A x + b applied member by member, so its per-member output
/// does not depend on the batch — the property the SFNO's batched inference also has.
private struct ToyModel {
    let n: Int
    let matrix: [Double]   // row-major n × n
    let offset: [Double]

    func step(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ batch: Int) {
        for b in 0..<batch {
            let x = input + b * n, y = output + b * n
            for i in 0..<n {
                var s = offset[i]
                for j in 0..<n { s += matrix[i * n + j] * Double(x[j]) }
                y[i] = Float(s)
            }
        }
    }

    /// A = Q diag(λ) Qᵀ with a random orthogonal Q (Gram–Schmidt) and one dominant eigenvalue;
    /// returns the model and its leading eigenvector.
    static func withLeadingMode(n: Int, leading: Double, seed: UInt64) -> (ToyModel, [Double]) {
        var rng = SeededGenerator(seed: seed)
        var q: [[Double]] = []
        while q.count < n {
            var v = (0..<n).map { _ in rng.nextNormal() }
            for u in q {
                let d = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                v = zip(v, u).map { $0 - d * $1 }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            q.append(v.map { $0 / norm })
        }
        // Other eigenvalues in [−1, 1]: convergence ratio ≤ 1/leading per cycle.
        let lambda = [leading] + (1..<n).map { _ in 2 * rng.nextUniform() - 1 }
        var a = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            for i in 0..<n { for j in 0..<n { a[i * n + j] += q[k][i] * lambda[k] * q[k][j] } }
        }
        let offset = (0..<n).map { _ in rng.nextNormal() }
        return (ToyModel(n: n, matrix: a, offset: offset), q[0])
    }
}

final class BredVectorTests: XCTestCase {
    private func randomStates(_ count: Int, _ n: Int, seed: UInt64, scale: Double = 1) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<n).map { _ in Float(scale * rng.nextNormal()) } }
    }

    func testBreedingConvergesToTheLeadingGrowingMode() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        let n = 32
        let (model, mode) = ToyModel.withLeadingMode(n: n, leading: 1.6, seed: 3)
        let cycles = 40
        let breeder = try BredVectorBreeder(cycles: cycles, rescaler: GlobalNorm(grid: grid, channels: 1, target: 0.5), maxBatch: 2)
        // Analyses vary from cycle to cycle; for a linear model the control difference removes them.
        let analyses = randomStates(cycles + 1, n, seed: 4, scale: 10)
        let seeds = randomStates(3, n, seed: 5).flatMap { $0 }
        let bred = try breeder.breed(analyses: analyses, perturbations: seeds, step: model.step)
        for v in 0..<3 {
            let dx = bred[(v * n)..<((v + 1) * n)].map(Double.init)
            let cosine = zip(dx, mode).reduce(0) { $0 + $1.0 * $1.1 } / dx.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertGreaterThan(abs(cosine), 0.9999, "bred vector \(v) should align with the leading mode")
            let rms = bred[(v * n)..<((v + 1) * n)].withUnsafeBufferPointer { GlobalNorm(grid: grid, channels: 1, target: 0).rms($0.baseAddress!) }
            XCTAssertEqual(rms, 0.5, accuracy: 1e-5)
        }
    }

    func testBredVectorsDoNotDependOnBatchSize() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        let (model, _) = ToyModel.withLeadingMode(n: 32, leading: 1.2, seed: 8)
        let analyses = randomStates(4, 32, seed: 9)
        let seeds = randomStates(5, 32, seed: 10).flatMap { $0 }
        let results = try [1, 2, 16].map { batch in
            try BredVectorBreeder(cycles: 3, rescaler: GlobalNorm(grid: grid, channels: 1, target: 1), maxBatch: batch)
                .breed(analyses: analyses, perturbations: seeds, step: model.step)
        }
        // Determinism contract (A): the batch size and which vectors are regenerated never change
        // a vector's bits.
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
        // Regenerating one vector alone (as `--members` does) gives the same bits.
        let alone = try BredVectorBreeder(cycles: 3, rescaler: GlobalNorm(grid: grid, channels: 1, target: 1), maxBatch: 2)
            .breed(analyses: analyses, perturbations: Array(seeds[(3 * 32)..<(4 * 32)]), step: model.step)
        XCTAssertEqual(alone, Array(results[2][(3 * 32)..<(4 * 32)]))
    }

    func testHemisphericBreedingHitsTargetsInBothBandsAndPairsAreCentred() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 19, nlon: 36)
        let points = grid.nlat * grid.nlon, n = 2 * points
        let targets: [Float] = [39.28, 0.8]
        let norm = try HemisphericNorm(grid: grid, targets: targets, bandLatitude: 20)
        let noise = try SeedNoise(grid: grid, lengthScale: 1.5e6)
        // Toy dynamics: channel 0 grows and drifts east one column; channel 1 is forced by channel 0.
        let step: EnsembleStep = { input, output, batch in
            for b in 0..<batch {
                let x = input + b * n, y = output + b * n
                for i in 0..<points {
                    let east = i - i % grid.nlon + (i % grid.nlon + grid.nlon - 1) % grid.nlon
                    y[i] = 1.1 * x[east] + 3
                    y[points + i] = 0.01 * x[i] + 0.9 * x[points + i]
                }
            }
        }
        let layout = try MemberLayout(totalMembers: 5, checkpoints: 1, control: .once, baseSeed: 2026, initialTime: 1_685_577_600)
        // One seed perturbation per pair, z500-like channel 0 only (HENS seeds z500 alone).
        var perturbations = [Float](repeating: 0, count: layout.perturbationCount * n)
        perturbations.withUnsafeMutableBufferPointer { p in
            for pair in 0..<layout.perturbationCount {
                noise.drawState(seed: layout.seed(pair: pair), amplitudes: [39.28, 0], into: p.baseAddress! + pair * n)
            }
        }
        let analyses = randomStates(4, n, seed: 12, scale: 50)
        let bred = try BredVectorBreeder(cycles: 3, rescaler: norm).breed(analyses: analyses, perturbations: perturbations, step: step)
        bred.withUnsafeBufferPointer { b in
            for pair in 0..<layout.perturbationCount {
                for c in 0..<2 {
                    let (north, south) = norm.bandRMS(b.baseAddress! + pair * n + c * points)
                    XCTAssertEqual(north, Double(targets[c]), accuracy: 1e-4 * Double(targets[c]))
                    XCTAssertEqual(south, Double(targets[c]), accuracy: 1e-4 * Double(targets[c]))
                }
            }
        }
        // Members: A(t) ± dx; the control is A(t) itself.
        let analysis = analyses.last!
        var members = [[Float]](repeating: [Float](repeating: 0, count: n), count: layout.memberCount)
        for k in 0..<layout.memberCount {
            let spec = layout.member(k)
            analysis.withUnsafeBufferPointer { a in
                bred.withUnsafeBufferPointer { b in
                    members[k].withUnsafeMutableBufferPointer { m in
                        BredVectorBreeder.applyPerturbation(analysis: a.baseAddress!, perturbation: b.baseAddress! + (spec.pair ?? 0) * n,
                                                            sign: spec.sign, count: n, into: m.baseAddress!)
                    }
                }
            }
        }
        XCTAssertEqual(members[0], analysis)
        for pair in 0..<2 {
            let plus = members[1 + 2 * pair], minus = members[2 + 2 * pair]
            XCTAssertNotEqual(plus, analysis)
            for i in 0..<n {
                XCTAssertEqual(plus[i] + minus[i], 2 * analysis[i], accuracy: 1e-5 * max(1, abs(analysis[i])))
            }
        }
    }

    func testClippingOfNonNegativeChannels() {
        let analysis: [Float] = [1, -1, 0.25, 0.25], dx: [Float] = [0.5, 3, 0.5, -0.25]
        var member = [Float](repeating: 0, count: 4)
        member.withUnsafeMutableBufferPointer { m in
            BredVectorBreeder.applyPerturbation(analysis: analysis, perturbation: dx, sign: -1, count: 4,
                                                nonNegative: [false, true], into: m.baseAddress!)
        }
        XCTAssertEqual(member, [0.5, -4, 0, 0.5], "only the flagged channel is clipped")
    }

    func testMissingAnalysisIsAClearError() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        let breeder = try BredVectorBreeder(cycles: 3, rescaler: GlobalNorm(grid: grid, channels: 1, target: 1))
        let (model, _) = ToyModel.withLeadingMode(n: 32, leading: 1.2, seed: 1)
        XCTAssertThrowsError(try breeder.breed(analyses: randomStates(3, 32, seed: 1), perturbations: [Float](repeating: 1, count: 32),
                                               step: model.step)) { error in
            XCTAssertEqual((error as? HensError)?.kind, .badInput)
            XCTAssertTrue("\(error)".contains("need 4 analyses"), "\(error)")
        }
        XCTAssertThrowsError(try breeder.breed(analyses: randomStates(4, 31, seed: 1), perturbations: [Float](repeating: 1, count: 32),
                                               step: model.step))
        XCTAssertThrowsError(try BredVectorBreeder(cycles: 0, rescaler: GlobalNorm(grid: grid, channels: 1, target: 1)))
    }
}
