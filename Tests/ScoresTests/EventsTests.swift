import XCTest
@testable import Scores
import HensCore

final class EventsTests: XCTestCase {
    func testBrierFairAndLogScoreByHand() {
        var s = BinaryEventScores(memberCount: 4)
        s.add(exceedances: [0, 2, 4, 1], outcomes: [false, true, true, false])
        // p = 0, 0.5, 1, 0.25.
        XCTAssertEqual(s.brierScore, (0 + 0.25 + 0 + 0.0625) / 4, accuracy: 1e-15)
        let fair = (0.3125 - (0.25 + 0.1875) / 3) / 4
        XCTAssertEqual(s.fairBrierScore, fair, accuracy: 1e-15)
        let log = -(log(1 + 1e-9) + log(0.5 + 1e-9) + log(1 + 1e-9) + log(0.75 + 1e-9)) / 4
        XCTAssertEqual(s.logScore, log, accuracy: 1e-12)
        XCTAssertEqual(s.baseRate, 0.5)
        XCTAssertEqual(s.totalWeight, 4)
        // Ferro's e(m − e)/(m²(m − 1)) form is the same correction.
        let e = 1.0, m = 4.0
        XCTAssertEqual(e * (m - e) / (m * m * (m - 1)), 0.25 * 0.75 / 3, accuracy: 1e-15)
    }

    func testWeightsAndMerge() {
        let e: [Int32] = [0, 1, 2, 3, 3, 2]
        let o = [false, false, true, true, false, true]
        var whole = BinaryEventScores(memberCount: 3)
        whole.add(exceedances: e, outcomes: o, weights: .rows([1, 2, 0], nlon: 2))
        var a = BinaryEventScores(memberCount: 3), b = BinaryEventScores(memberCount: 3)
        a.add(exceedances: Array(e[0..<3]), outcomes: Array(o[0..<3]), weights: .rows([1, 2, 0], nlon: 2))
        b.add(exceedances: Array(e[3...]), outcomes: Array(o[3...]), weights: .rows([1, 2, 0], nlon: 2, firstPoint: 3))
        a.merge(b)
        XCTAssertEqual(a, whole)
        XCTAssertEqual(whole.totalWeight, 1 + 1 + 2 + 2)
        // Points 4, 5 have weight 0: BS = [1·0 + 1·(1/3)² + 2·(1/3)² + 2·0] / 6.
        XCTAssertEqual(whole.brierScore, 3.0 / 9 / 6, accuracy: 1e-15)
    }

    /// A perfect ensemble: members and truth are independent draws of the same Bernoulli(q).
    private func perfectEnsemble(m: Int, cases: Int, seed: UInt64) -> (e: [Int32], o: [Bool]) {
        var rng = SeededGenerator(seed: seed)
        var e = [Int32](), o = [Bool]()
        for _ in 0..<cases {
            let q = rng.nextUniform()
            var k: Int32 = 0
            for _ in 0..<m where rng.nextUniform() < q { k += 1 }
            e.append(k)
            o.append(rng.nextUniform() < q)
        }
        return (e, o)
    }

    func testFairBrierIsUnbiasedForAPerfectEnsemble() {
        let m = 5
        let (e, o) = perfectEnsemble(m: m, cases: 200_000, seed: 7)
        var s = BinaryEventScores(memberCount: m)
        s.add(exceedances: e, outcomes: o)
        // The infinite ensemble forecasts q: E(q − o)² = E q(1 − q) = 1/6 for q ~ U(0, 1).
        XCTAssertEqual(s.fairBrierScore, 1.0 / 6, accuracy: 0.003)
        // The raw score is biased by E p(1 − p)/m-ish: 1/6 · (1 + 1/m).
        XCTAssertEqual(s.brierScore, 1.0 / 6 * (1 + 1.0 / Double(m)), accuracy: 0.003)
    }

    func testExactDecompositionSumsToBrier() {
        var rng = SeededGenerator(seed: 3)
        for m in [1, 7, 20] {
            var s = BinaryEventScores(memberCount: m)
            let n = 5000
            let e = (0..<n).map { _ in Int32(rng.next() % UInt64(m + 1)) }
            let o = e.map { rng.nextUniform() < 0.2 + 0.6 * Double($0) / Double(m) }
            s.add(exceedances: e, outcomes: o, weights: .rows((0..<50).map { _ in rng.nextUniform() }, nlon: 100))
            let exact = s.exactDecomposition
            XCTAssertEqual(exact.sum, s.brierScore, accuracy: 1e-12)
            XCTAssertEqual(exact.residual, 0, accuracy: 1e-12)
            XCTAssertEqual(exact.uncertainty, s.baseRate * (1 - s.baseRate), accuracy: 1e-15)
            let binned = s.murphyDecomposition()
            XCTAssertEqual(binned.residual, s.brierScore - (binned.reliability - binned.resolution + binned.uncertainty), accuracy: 1e-15)
            if m <= 10 {
                // With at most one probability per bin, the 10-bin decomposition is exact too.
                XCTAssertEqual(binned.residual, 0, accuracy: 1e-12)
            }
        }
    }

    func testReliabilityBinsAndEdges() {
        var s = BinaryEventScores(memberCount: 10)
        s.add(exceedances: [3, 3, 9, 10, 0, 2], outcomes: [true, false, true, true, false, false])
        let bins = s.reliabilityDiagram()
        XCTAssertEqual(bins.count, 10)
        XCTAssertEqual(bins[3].count, 2) // p = 0.3 sits on an edge: upper bin
        XCTAssertEqual(bins[3].meanProbability, 0.3, accuracy: 1e-15)
        XCTAssertEqual(bins[3].observedFrequency, 0.5)
        XCTAssertEqual(bins[9].count, 2) // 0.9 and 1.0 share the closed last bin
        XCTAssertEqual(bins[9].meanProbability, 0.95, accuracy: 1e-15)
        XCTAssertEqual(bins[0].count, 1)
        XCTAssertEqual(bins[2].count, 1)
        XCTAssertTrue(bins[5].meanProbability.isNaN && bins[5].observedFrequency.isNaN && bins[5].count == 0)
        XCTAssertEqual(bins[4].lower, 0.4, accuracy: 1e-15)
        XCTAssertEqual(bins[4].upper, 0.5, accuracy: 1e-15)
        // m = 7: 5/7 = 0.714 → bin 7; 7/7 → bin 9.
        var t = BinaryEventScores(memberCount: 7)
        t.add(exceedances: [5, 7], outcomes: [true, true])
        XCTAssertEqual(t.reliabilityDiagram().map(\.count), [0, 0, 0, 0, 0, 0, 0, 1, 0, 1])
    }

    func testReliabilityIsDiagonalForAReliableForecast() {
        // A perfectly reliable forecast: the outcome is drawn with the forecast probability p = e/m.
        var rng = SeededGenerator(seed: 11)
        let m = 50
        var e = [Int32](), o = [Bool]()
        for _ in 0..<200_000 {
            let k = Int32(rng.next() % UInt64(m + 1))
            e.append(k)
            o.append(rng.nextUniform() < Double(k) / Double(m))
        }
        var s = BinaryEventScores(memberCount: m)
        s.add(exceedances: e, outcomes: o)
        for bin in s.reliabilityDiagram() {
            XCTAssertEqual(bin.observedFrequency, bin.meanProbability, accuracy: 0.015)
        }
        XCTAssertLessThan(s.exactDecomposition.reliability, 1e-3)
        // A perfect ensemble (truth exchangeable with members) is near-diagonal as well:
        // P(o | e) = (e + 1)/(m + 2) under q ~ U(0, 1), within 1/(m + 2) of e/m.
        let (pe, po) = perfectEnsemble(m: m, cases: 100_000, seed: 5)
        var p = BinaryEventScores(memberCount: m)
        p.add(exceedances: pe, outcomes: po)
        for bin in p.reliabilityDiagram() { XCTAssertEqual(bin.observedFrequency, bin.meanProbability, accuracy: 0.035) }
    }

    func testROCPerfectAndRandom() {
        var perfect = BinaryEventScores(memberCount: 10)
        let o = (0..<1000).map { $0 % 3 == 0 }
        perfect.add(exceedances: o.map { $0 ? 10 : 0 }, outcomes: o)
        XCTAssertEqual(perfect.roc.area, 1, accuracy: 1e-15)

        var rng = SeededGenerator(seed: 2)
        var random = BinaryEventScores(memberCount: 10)
        random.add(exceedances: (0..<100_000).map { _ in Int32(rng.next() % 11) },
                   outcomes: (0..<100_000).map { _ in rng.nextUniform() < 0.3 })
        XCTAssertEqual(random.roc.area, 0.5, accuracy: 0.01)

        // All forecasts wrong way round: AUC 0.
        var inverted = BinaryEventScores(memberCount: 10)
        inverted.add(exceedances: o.map { $0 ? 0 : 10 }, outcomes: o)
        XCTAssertEqual(inverted.roc.area, 0, accuracy: 1e-15)
    }

    func testROCMatchesBruteForce() {
        var rng = SeededGenerator(seed: 9)
        let m = 6, n = 400
        let e = (0..<n).map { _ in Int32(rng.next() % UInt64(m + 1)) }
        let o = e.map { rng.nextUniform() < 0.1 + 0.12 * Double($0) }
        var s = BinaryEventScores(memberCount: m)
        s.add(exceedances: e, outcomes: o)
        let roc = s.roc
        var points: [(Double, Double)] = [(1, 1)]
        for k in 0...m {
            let t = Double(k) / Double(m)
            var hits = 0, misses = 0, fa = 0, cn = 0
            for i in 0..<n {
                let yes = Double(e[i]) / Double(m) >= t - 1e-12
                switch (yes, o[i]) {
                case (true, true): hits += 1
                case (false, true): misses += 1
                case (true, false): fa += 1
                case (false, false): cn += 1
                }
            }
            let h = Double(hits) / Double(hits + misses), f = Double(fa) / Double(fa + cn)
            XCTAssertEqual(roc.thresholds[k], t, accuracy: 1e-15)
            XCTAssertEqual(roc.hitRates[k], h, accuracy: 1e-15)
            XCTAssertEqual(roc.falseAlarmRates[k], f, accuracy: 1e-15)
            points.append((f, h))
        }
        points.append((0, 0))
        // Trapezoid over the points sorted by F.
        let sorted = points.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var area = 0.0
        for i in 1..<sorted.count { area += (sorted[i].0 - sorted[i - 1].0) * (sorted[i].1 + sorted[i - 1].1) / 2 }
        XCTAssertEqual(roc.area, area, accuracy: 1e-14)
        XCTAssertEqual(roc.paddedPoints.count, m + 3)
        XCTAssertEqual(roc.hitRates[0], 1)
        XCTAssertEqual(roc.falseAlarmRates[0], 1)
    }

    func testROCWithoutEventsOrNonEvents() {
        var none = BinaryEventScores(memberCount: 4)
        none.add(exceedances: [0, 1, 4], outcomes: [false, false, false])
        XCTAssertEqual(none.roc.hitRates, [0, 0, 0, 0, 0]) // undefined H → 0
        var all = BinaryEventScores(memberCount: 4)
        all.add(exceedances: [0, 1, 4], outcomes: [true, true, true])
        XCTAssertEqual(all.roc.falseAlarmRates, [1, 1, 1, 1, 1]) // undefined F → 1
        XCTAssertTrue((0...1).contains(all.roc.area) && (0...1).contains(none.roc.area))
    }

    func testOutcomesAreStrict() {
        let truth: [Float] = [1, 2, 3, .nan], thresholds: [Float] = [1, 1, 4, 0]
        let o = truth.withUnsafeBufferPointer { t in thresholds.withUnsafeBufferPointer { BinaryEventScores.outcomes(truth: t, thresholds: $0) } }
        XCTAssertEqual(o, [false, true, false, false])
    }
}
