import XCTest
@testable import Scores
import HensCore

final class DispersionTests: XCTestCase {
    /// One valid time of a perfect ensemble: μ per point, members and truth μ + N(0, 1).
    private func perfectTime(m: Int, points: Int, rng: inout SeededGenerator) -> (mean: [Double], variance: [Double], truth: [Float], ranks: [Int32]) {
        var mean = [Double](), variance = [Double](), truth = [Float](), ranks = [Int32]()
        var x = [Double](repeating: 0, count: m)
        for _ in 0..<points {
            let mu = 3 * rng.nextNormal()
            for i in 0..<m { x[i] = mu + rng.nextNormal() }
            let y = Float(mu + rng.nextNormal())
            let xm = x.reduce(0, +) / Double(m)
            mean.append(xm)
            variance.append(x.map { ($0 - xm) * ($0 - xm) }.reduce(0, +) / Double(m - 1))
            truth.append(y)
            ranks.append(Int32(x.filter { $0 < Double(y) }.count))
        }
        return (mean, variance, truth, ranks)
    }

    func testSpreadSkillRatioOfAPerfectEnsemble() {
        var rng = SeededGenerator(seed: 42)
        let expectedRaw: [Int: Double] = [5: 0.9129, 10: 0.9535, 50: 0.9901]
        for m in [5, 10, 50] {
            var scores = DispersionScores(memberCount: m)
            for _ in 0..<10 {
                let t = perfectTime(m: m, points: 20_000, rng: &rng)
                var sums = DispersionSums()
                sums.add(mean: t.mean, variance: t.variance, truth: t.truth)
                scores.add(sums)
            }
            XCTAssertEqual(scores.times, 10)
            XCTAssertEqual((Double(m) / Double(m + 1)).squareRoot(), expectedRaw[m]!, accuracy: 1e-4)
            XCTAssertEqual(scores.rawSpreadSkillRatio, expectedRaw[m]!, accuracy: 0.006, "m = \(m)")
            XCTAssertEqual(scores.spreadSkillRatio, 1, accuracy: 0.006, "m = \(m)")
            XCTAssertEqual(scores.unbiasedSpreadSkillRatio, 1, accuracy: 0.008, "m = \(m)")
            XCTAssertEqual(scores.spread, 1, accuracy: 0.005)
            XCTAssertEqual(scores.debiasedMeanSquaredError, 1, accuracy: 0.01)
            XCTAssertEqual(scores.bias, 0, accuracy: 0.01)
        }
    }

    func testDispersionSumsByHand() {
        var sums = DispersionSums()
        // Two rows of one point, weights 1 and 3; a third row masked out (NaNs must not leak).
        sums.add(mean: [1, 3, .nan], variance: [1, 4, .nan], truth: [0, 5, .nan], weights: .rows([1, 3, 0], nlon: 1))
        XCTAssertEqual(sums.weight, 4)
        XCTAssertEqual(sums.meanSquaredError, (1 + 3 * 4) / 4.0, accuracy: 1e-15)
        XCTAssertEqual(sums.bias, (1 - 6) / 4.0, accuracy: 1e-15)
        XCTAssertEqual(sums.meanAbsoluteError, (1 + 6) / 4.0, accuracy: 1e-15)
        XCTAssertEqual(sums.meanVariance, (1 + 12) / 4.0, accuracy: 1e-15)
        // Tiles merge into the same sums.
        var a = DispersionSums(), b = DispersionSums()
        a.add(mean: [1], variance: [1], truth: [0], weights: .rows([1, 3, 0], nlon: 1))
        b.add(mean: [3, .nan], variance: [4, .nan], truth: [5, .nan], weights: .rows([1, 3, 0], nlon: 1, firstPoint: 1))
        a.merge(b)
        XCTAssertEqual(a, sums)
    }

    func testTimeAverageWeighsTimesEquallyAndRootsLast() {
        var t1 = DispersionSums(), t2 = DispersionSums()
        t1.add(mean: [2], variance: [1], truth: [0])                 // MSE 4
        t2.add(mean: [0, 0, 0], variance: [9, 9, 9], truth: [0, 0, 0]) // MSE 0, three points
        var scores = DispersionScores(memberCount: 4)
        scores.add(t1)
        scores.add(t2)
        scores.add(DispersionSums()) // empty: ignored
        XCTAssertEqual(scores.times, 2)
        XCTAssertEqual(scores.meanSquaredError, 2, accuracy: 1e-15)
        XCTAssertEqual(scores.rootMeanSquaredError, 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(scores.spread, 5.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(scores.bias, 1, accuracy: 1e-15)
        XCTAssertEqual(scores.spreadSkillRatio, (5.0 / 4).squareRoot() * (5.0 / 2).squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(scores.debiasedMeanSquaredError, 2 - 5.0 / 4, accuracy: 1e-15)
        XCTAssertEqual(scores.unbiasedSpreadSkillRatio, (5 / 0.75).squareRoot(), accuracy: 1e-14)
        var other = DispersionScores(memberCount: 4)
        other.add(t1)
        var merged = DispersionScores(memberCount: 4)
        merged.add(t2)
        merged.merge(other)
        XCTAssertEqual(merged.meanSquaredError, scores.meanSquaredError, accuracy: 1e-15)
    }

    func testACCIsOneForAPerfectForecast() {
        var rng = SeededGenerator(seed: 1)
        let truth = (0..<500).map { _ in Float(rng.nextNormal() + 280) }
        let clim = (0..<500).map { _ in Float(280 + 0.5 * rng.nextNormal()) }
        var sums = AnomalyCorrelationSums()
        sums.add(forecast: truth.map(Double.init), truth: truth, climatology: clim, weights: .rows((0..<10).map { 1 + Double($0) }, nlon: 50))
        XCTAssertEqual(sums.uncentred, 1, accuracy: 1e-12)
        XCTAssertEqual(sums.centred, 1, accuracy: 1e-12)
    }

    func testACCByHand() {
        var sums = AnomalyCorrelationSums()
        // f′ = (1, 2), o′ = (2, 1).
        sums.add(forecast: [11, 12], truth: [12, 11], climatology: [10, 10])
        XCTAssertEqual(sums.uncentred, 4 / 5.0, accuracy: 1e-15)
        XCTAssertEqual(sums.centred, -1, accuracy: 1e-15)
        // Per-time ACCs are averaged over time; undefined times are skipped.
        var other = AnomalyCorrelationSums()
        other.add(forecast: [11, 12], truth: [11, 12], climatology: [10, 10])
        var scores = AnomalyCorrelationScores()
        scores.add(sums)
        scores.add(other)
        scores.add(AnomalyCorrelationSums())
        XCTAssertEqual(scores.uncentredTimes, 2)
        XCTAssertEqual(scores.uncentred, 0.9, accuracy: 1e-15)
        XCTAssertEqual(scores.centred, 0, accuracy: 1e-15)
    }

    func testRankHistogramOfAPerfectEnsemble() {
        var rng = SeededGenerator(seed: 5)
        let m = 10
        var histogram = RankHistogram(memberCount: m)
        let t = perfectTime(m: m, points: 110_000, rng: &rng)
        histogram.add(ranks: t.ranks)
        XCTAssertEqual(histogram.totalWeight, 110_000)
        for f in histogram.frequencies { XCTAssertEqual(f, 1.0 / 11, accuracy: 0.003) }
        XCTAssertEqual(histogram.frequencies.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(histogram.extremeRankFraction, 2.0 / 11, accuracy: 0.005)
        XCTAssertEqual(histogram.expectedOutlierFraction, 2.0 / 11, accuracy: 1e-15)
    }

    func testRankHistogramCountsAndStrictOutliers() {
        var h = RankHistogram(memberCount: 3)
        h.add(ranks: [0, 1, 3, 3, 2], weights: .rows([1, 2, 0], nlon: 2))
        XCTAssertEqual(h.counts, [1, 1, 0, 4]) // points 3, 4 weigh 2; the fifth has weight 0
        XCTAssertEqual(h.extremeRankFraction, 5.0 / 6, accuracy: 1e-15)
        // y equal to the minimum is inside; strictly below or above is an outlier.
        h.addOutliers(truth: [1, 0.5, 5, 3], minimum: [1, 1, 1, 1], maximum: [3, 3, 3, 3])
        XCTAssertEqual(h.outlierFraction, 0.5)
        var other = RankHistogram(memberCount: 3)
        other.add(ranks: [2])
        h.merge(other)
        XCTAssertEqual(h.counts, [1, 1, 1, 4])
        XCTAssertTrue(RankHistogram(memberCount: 3).outlierFraction.isNaN)
    }
}
