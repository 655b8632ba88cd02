import XCTest
@testable import Scores
import HensCore

final class BootstrapTests: XCTestCase {
    private func ar1(_ n: Int, phi: Double, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var x = [Double](), previous = 0.0
        for _ in 0..<(n + 100) {
            previous = phi * previous + rng.nextNormal()
            x.append(previous)
        }
        return Array(x.suffix(n))
    }

    func testReproducibleWithASeed() {
        let series = ar1(60, phi: 0.5, seed: 1)
        let a = StationaryBootstrap(meanBlockLength: 4, replicates: 300, seed: 9)
        XCTAssertEqual(a.replicateMeans(series), a.replicateMeans(series))
        XCTAssertEqual(a.indices(count: 60), StationaryBootstrap(meanBlockLength: 4, replicates: 300, seed: 9).indices(count: 60))
        XCTAssertNotEqual(a.replicateMeans(series), StationaryBootstrap(meanBlockLength: 4, replicates: 300, seed: 10).replicateMeans(series))
        let p1 = PairedComparison(a: series, b: series.map { $0 * 0.9 }, seed: 3)
        let p2 = PairedComparison(a: series, b: series.map { $0 * 0.9 }, seed: 3)
        XCTAssertEqual(p1, p2)
        XCTAssertEqual(StationaryBootstrap.automatic(for: series).replicates, 2000)
    }

    func testBlocksHaveTheRequestedMeanLength() {
        let b = StationaryBootstrap(meanBlockLength: 5, replicates: 200, seed: 2)
        var breaks = 0, steps = 0
        for sample in b.indices(count: 100) {
            XCTAssertTrue(sample.allSatisfy { (0..<100).contains($0) })
            for t in 1..<100 {
                steps += 1
                if sample[t] != (sample[t - 1] + 1) % 100 { breaks += 1 }
            }
        }
        // Restarts happen with probability 1/5 (a restart onto the next index is invisible: ≈ 1 %).
        XCTAssertEqual(Double(breaks) / Double(steps), 0.2 * 0.99, accuracy: 0.01)
        XCTAssertEqual(Set(StationaryBootstrap(meanBlockLength: 1, replicates: 1, seed: 0).indices(count: 50)[0]).count > 20, true)
    }

    func testIntervalCoversTheTrueMeanAtRoughlyTheNominalRate() {
        var rng = SeededGenerator(seed: 77)
        var covered = 0
        let trials = 200
        for trial in 0..<trials {
            let series = (0..<50).map { _ in 1.5 + rng.nextNormal() }
            let ci = StationaryBootstrap.automatic(for: series, replicates: 500, seed: UInt64(trial)).meanInterval(series)
            XCTAssertEqual(ci.level, 0.95)
            if ci.contains(1.5) { covered += 1 }
        }
        let rate = Double(covered) / Double(trials)
        XCTAssertGreaterThan(rate, 0.85)
        XCTAssertLessThan(rate, 0.995)
    }

    func testPolitisWhiteBlockLength() {
        let white = politisWhiteBlockLength(ar1(500, phi: 0, seed: 5))
        let red = politisWhiteBlockLength(ar1(500, phi: 0.8, seed: 5))
        XCTAssertLessThan(white, 3)
        XCTAssertGreaterThan(red, 6)
        XCTAssertGreaterThan(red, 2 * white)
        XCTAssertLessThanOrEqual(red, (3 * 500.0.squareRoot()).rounded(.up))
        // Short or constant series fall back to 1.
        XCTAssertEqual(politisWhiteBlockLength([1, 2, 3, 4, 5, 6, 7]), 1)
        XCTAssertEqual(politisWhiteBlockLength([Double](repeating: 2, count: 40)), 1)
        XCTAssertGreaterThanOrEqual(politisWhiteBlockLength(ar1(8, phi: 0.3, seed: 1)), 1)
    }

    /// Anchors from `arch.bootstrap.optimal_block_length(x)["stationary"]` (arch 8.0.0, run on
    /// the same series written out from `ar1`), which WeatherBench-X uses.
    func testPolitisWhiteMatchesArch() {
        let anchors: [(n: Int, phi: Double, seed: UInt64, b: Double)] = [
            (500, 0.8, 5, 14.30654489406231), (500, 0.0, 5, 1.9287874747241658),
            (120, 0.6, 12, 6.167472493814515), (40, 0.3, 3, 1.587609327480829),
        ]
        for a in anchors {
            XCTAssertEqual(politisWhiteBlockLength(ar1(a.n, phi: a.phi, seed: a.seed)), a.b, accuracy: 1e-12 * a.b)
        }
    }

    func testPercentileInterval() {
        let ci = percentileInterval((0...100).map(Double.init).shuffled())
        XCTAssertEqual(ci.lower, 2.5, accuracy: 1e-12)
        XCTAssertEqual(ci.upper, 97.5, accuracy: 1e-12)
        let narrow = percentileInterval([3, 1, 2, 4], level: 0.5) // quantiles 0.25, 0.75 of 1…4
        XCTAssertEqual(narrow.lower, 1.75, accuracy: 1e-12)
        XCTAssertEqual(narrow.upper, 3.25, accuracy: 1e-12)
        XCTAssertTrue(percentileInterval([]).lower.isNaN)
    }

    func testDieboldMariano() {
        let a = ar1(100, phi: 0.4, seed: 8).map { $0 + 10 }
        let same = DieboldMariano(differences: zip(a, a).map { $0 - $1 })
        XCTAssertEqual(same.statistic, 0)
        XCTAssertEqual(same.pValue, 1)
        // Lag 0: the plain t-like statistic d̄ / √(γ₀/n).
        let d = [1.0, -0.5, 2, 0.5, 1.5]
        let mean = d.reduce(0, +) / 5
        let gamma0 = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5
        let plain = DieboldMariano(differences: d, lags: 0)
        XCTAssertEqual(plain.statistic, mean / (gamma0 / 5).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(plain.pValue, erfc(abs(plain.statistic) / 2.0.squareRoot()), accuracy: 1e-15)
        // Bartlett HAC with lag 1 by hand.
        let gamma1 = (0..<4).map { (d[$0] - mean) * (d[$0 + 1] - mean) }.reduce(0, +) / 5
        let hac = DieboldMariano(differences: d, lags: 1)
        XCTAssertEqual(hac.longRunVariance, gamma0 + gamma1, accuracy: 1e-12)
        XCTAssertEqual(DieboldMariano.defaultLags(count: 100), 4)
        XCTAssertEqual(DieboldMariano(differences: [1, 1, 1]).statistic, .infinity)
    }

    func testPairedComparison() {
        let noise = ar1(120, phi: 0.6, seed: 12)
        let b = noise.map { 1 + 0.1 * $0 }
        let identical = PairedComparison(a: b, b: b, replicates: 500)
        XCTAssertEqual(identical.meanDifference, 0)
        XCTAssertEqual(identical.pValue, 1)
        XCTAssertEqual(identical.interval.lower, 0)
        XCTAssertEqual(identical.interval.upper, 0)
        XCTAssertEqual(identical.dieboldMariano.statistic, 0)
        XCTAssertEqual(identical.bootstrap.meanBlockLength, 1)

        // System A is clearly better (lower score) but with serially correlated noise.
        var rng = SeededGenerator(seed: 99)
        let a = b.map { $0 - 0.05 + 0.05 * rng.nextNormal() }
        let better = PairedComparison(a: a, b: b, replicates: 2000, seed: 4)
        XCTAssertLessThan(better.meanDifference, 0)
        XCTAssertLessThan(better.interval.upper, 0)
        XCTAssertTrue(better.interval.contains(better.meanDifference))
        XCTAssertLessThan(better.pValue, 0.01)
        XCTAssertLessThan(better.dieboldMariano.statistic, -3)
        XCTAssertLessThan(better.dieboldMariano.pValue, 0.01)
        XCTAssertEqual(better.count, 120)

        // No real difference: the test should not reject at 1 %.
        let c = b.map { $0 + 0.05 * rng.nextNormal() }
        let null = PairedComparison(a: c, b: b, replicates: 2000, seed: 4)
        XCTAssertGreaterThan(null.pValue, 0.01)
        XCTAssertTrue(null.interval.contains(0))
    }
}
