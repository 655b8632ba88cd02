import Foundation
import HensCore
import XCTest
@testable import Scores

/// Sorted-pass CRPS, moments, quantiles and tail-weighted CRPS against hand cases, brute force,
/// closed forms and scoringrules golden values.
final class CRPSTests: XCTestCase {
    func summary(_ x: [Double], _ y: Double, floor: Double = -.infinity) -> SortedEnsembleStatistics {
        let s = x.sorted()
        return s.withUnsafeBufferPointer { SortedCRPS.summary(sorted: $0, truth: y, floor: floor) }
    }

    func testHandCases() {
        // m = 2, truth between the members: fair CRPS is exactly 0 however wide the pair.
        XCTAssertEqual(summary([-3, 5], 1).crpsFair, 0, accuracy: 1e-15)
        XCTAssertEqual(summary([-3, 5], 1).crps, 2, accuracy: 1e-15)        // A = 4, D/(2m²) = 16/8
        // All members equal: CRPS = |x − y| for both estimators.
        let equal = summary([2.5, 2.5, 2.5, 2.5], -1)
        XCTAssertEqual(equal.crps, 3.5, accuracy: 1e-14)
        XCTAssertEqual(equal.crpsFair, 3.5, accuracy: 1e-14)
        XCTAssertEqual(equal.variance, 0)
        // m = 1: standard |x − y|, fair NaN, variance 0.
        let one = summary([4], 1.5)
        XCTAssertEqual(one.crps, 2.5)
        XCTAssertTrue(one.crpsFair.isNaN)
        XCTAssertEqual(one.variance, 0)
        // Ties with the truth: [0, 1, 1, 2], y = 1 → A = 0.5, D = 2·(−3·0 − 1·1 + 1·1 + 3·2) = 12.
        let tied = summary([1, 0, 2, 1], 1)
        XCTAssertEqual(tied.crps, 0.5 - 12.0 / 32, accuracy: 1e-15)
        XCTAssertEqual(tied.crpsFair, 0.5 - 12.0 / 24, accuracy: 1e-15)
        XCTAssertEqual(tied.mean, 1)
        XCTAssertEqual(tied.variance, 2.0 / 3, accuracy: 1e-15)
        // NaN truth → NaN scores, moments still defined.
        XCTAssertTrue(summary([1, 2], .nan).crps.isNaN)
        XCTAssertEqual(summary([1, 2], .nan).mean, 1.5)
    }

    func testParityWithBruteForce() {
        var g = SeededGenerator(seed: 11)
        for m in [1, 2, 3, 5, 17, 50, 129, 400] {
            for _ in 0..<20 {
                let offset = g.nextUniform() < 0.5 ? 0 : 280.0   // a Kelvin-like offset tests cancellation
                let x = (0..<m).map { _ in offset + g.nextNormal() * 2 }
                let y = offset + g.nextNormal() * 3
                let s = summary(x, y)
                let b = SortedCRPS.bruteForce(x, truth: y)
                XCTAssertEqual(s.crps, b.crps, accuracy: 1e-10 * max(1e-3, abs(b.crps)) * (offset > 0 ? 100 : 1), "m=\(m)")
                if m > 1 { XCTAssertEqual(s.crpsFair, b.fair, accuracy: 1e-10 * max(1e-3, abs(b.fair)) * (offset > 0 ? 100 : 1)) }
                // Moments, two-pass in Double.
                let mean = x.reduce(0, +) / Double(m)
                let variance = m > 1 ? x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(m - 1) : 0
                XCTAssertEqual(s.mean, mean, accuracy: 1e-12 * max(1, abs(mean)))
                XCTAssertEqual(s.variance, variance, accuracy: 1e-9 * max(1e-6, variance))
            }
        }
    }

    func testParityOnCenteredDataIsTight() {
        var g = SeededGenerator(seed: 3)
        for m in [2, 10, 100, 1000] {
            let x = (0..<m).map { _ in g.nextNormal() }
            let y = g.nextNormal()
            let s = summary(x, y), b = SortedCRPS.bruteForce(x, truth: y)
            XCTAssertEqual(s.crps, b.crps, accuracy: 1e-10 * b.crps)
            XCTAssertEqual(s.crpsFair, b.fair, accuracy: 1e-10 * b.fair)
        }
    }

    /// Hersbach (2000) integral form, walking the sorted members (properscoring's algorithm).
    func hersbach(_ x: [Double], _ y: Double) -> Double {
        let s = x.sorted(), m = Double(x.count)
        var total = 0.0
        if y < s[0] { total += s[0] - y }
        if y > s[s.count - 1] { total += y - s[s.count - 1] }
        for i in 0..<(s.count - 1) {
            let f = Double(i + 1) / m, a = s[i], b = s[i + 1]
            if y <= a { total += (1 - f) * (1 - f) * (b - a) }
            else if y >= b { total += f * f * (b - a) }
            else { total += f * f * (y - a) + (1 - f) * (1 - f) * (b - y) }
        }
        return total
    }

    func testStandardEqualsHersbachIntegral() {
        var g = SeededGenerator(seed: 21)
        for m in [1, 2, 7, 64, 300] {
            for _ in 0..<10 {
                let x = (0..<m).map { _ in (g.nextNormal() * 4).rounded() / 4 }   // with ties
                let y = g.uniformTruth()
                XCTAssertEqual(summary(x, y).crps, hersbach(x, y), accuracy: 1e-12)
            }
        }
    }

    func testGaussianClosedForm() {
        // Large N(μ, σ²) sample: CRPS → σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ.
        var g = SeededGenerator(seed: 8)
        let mu = 0.3, sigma = 1.7, m = 200_000
        let x = (0..<m).map { _ in mu + sigma * g.nextNormal() }
        for y in [-2.0, 0.3, 1.1, 4.0] {
            let z = (y - mu) / sigma
            let phi = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
            let exact = sigma * (z * (2 * cdf - 1) + 2 * phi - 1 / Double.pi.squareRoot())
            let s = summary(x, y)
            XCTAssertEqual(s.crps, exact, accuracy: 0.01 * exact, "y=\(y)")
            XCTAssertEqual(s.crpsFair, exact, accuracy: 0.01 * exact)
        }
    }

    func testQuantilesNumPyLinear() {
        let x: [Double] = [1, 2, 4, 8, 16]
        x.withUnsafeBufferPointer { p in
            // np.quantile([1,2,4,8,16], q): h = 4q.
            XCTAssertEqual(SortedCRPS.quantile(sorted: p, level: 0), 1)
            XCTAssertEqual(SortedCRPS.quantile(sorted: p, level: 1), 16)
            XCTAssertEqual(SortedCRPS.quantile(sorted: p, level: 0.5), 4)
            XCTAssertEqual(SortedCRPS.quantile(sorted: p, level: 0.1), 1.4, accuracy: 1e-15)   // h = 0.4
            XCTAssertEqual(SortedCRPS.quantile(sorted: p, level: 0.9), 12.8, accuracy: 1e-14)  // h = 3.6
            XCTAssertEqual(SortedCRPS.quantile(sorted: p, level: 0.625), 6, accuracy: 1e-15)   // h = 2.5
        }
        [Double(7)].withUnsafeBufferPointer { XCTAssertEqual(SortedCRPS.quantile(sorted: $0, level: 0.3), 7) }
        [Double(0), 10].withUnsafeBufferPointer { XCTAssertEqual(SortedCRPS.quantile(sorted: $0, level: 0.25), 2.5) }
    }

    func testCountsByBinarySearch() {
        let x: [Float] = [-1, 0, 0, 0, 2, 3]
        x.withUnsafeBufferPointer { p in
            XCTAssertEqual(SortedCRPS.countBelow(sorted: p, 0), 1)
            XCTAssertEqual(SortedCRPS.countAtOrBelow(sorted: p, 0), 4)
            XCTAssertEqual(SortedCRPS.countAbove(sorted: p, 0), 2)
            XCTAssertEqual(SortedCRPS.countAbove(sorted: p, -5), 6)
            XCTAssertEqual(SortedCRPS.countAbove(sorted: p, 3), 0)
        }
    }

    // MARK: Tail-weighted CRPS

    /// anchor/make_weighted_golden.py: scoringrules 0.10.0, T = 0.4.
    static let twGolden = [0.6115170207619667, 0.7752818009853363, 0.02110997067391872, 0.4015391703657806,
                           0.7450369911789894, 0.8939309427849949]
    static let owGolden = [0.38234520806206596, 0.49071172840339095, Double.nan, 0.22655282868072393,
                           0.3607901821331102, 0.6742279262592394]

    func testWeightedCRPSGolden() {
        let obs = GoldenInputs.values(seed: 4000, count: 6, scale: 1.2, shift: 0.3)
        XCTAssertEqual(obs[0], 1.2370030879974365)   // the same stream as the Python side
        for p in 0..<6 {
            var x = GoldenInputs.values(seed: 3000 + UInt64(p), count: 40, scale: 1, shift: 0)
            FloatSort.sort(&x)
            x.withUnsafeBufferPointer { s in
                let tw = WeightedCRPS.thresholdWeighted(sorted: s, truth: Double(obs[p]), threshold: 0.4)
                XCTAssertEqual(tw, Self.twGolden[p], accuracy: 1e-12, "tw p=\(p)")
                let ow = WeightedCRPS.outcomeWeighted(sorted: s, truth: Double(obs[p]), threshold: 0.4)
                if Self.owGolden[p].isNaN { XCTAssertTrue(ow.isNaN) } else { XCTAssertEqual(ow, Self.owGolden[p], accuracy: 1e-12, "ow p=\(p)") }
            }
        }
    }

    func testWeightedCRPSBruteForce() {
        var g = SeededGenerator(seed: 17)
        for m in [1, 2, 5, 33, 300] {
            for _ in 0..<20 {
                let x = (0..<m).map { _ in g.nextNormal() }
                let y = g.nextNormal(), t = g.nextNormal() * 0.7
                let sorted = x.sorted()
                sorted.withUnsafeBufferPointer { s in
                    let tw = WeightedCRPS.thresholdWeighted(sorted: s, truth: y, threshold: t)
                    XCTAssertEqual(tw, SortedCRPS.bruteForce(x.map { max($0, t) }, truth: max(y, t)).crps, accuracy: 1e-12)
                    let ow = WeightedCRPS.outcomeWeighted(sorted: s, truth: y, threshold: t)
                    let above = x.filter { $0 > t }
                    if y <= t { XCTAssertTrue(ow.isNaN) }
                    else if above.count <= 1 { XCTAssertEqual(ow, abs(sorted.last! - y), accuracy: 1e-15) }
                    else { XCTAssertEqual(ow, SortedCRPS.bruteForce(above, truth: y).crps, accuracy: 1e-12) }
                }
            }
        }
    }
}

private extension SeededGenerator {
    /// A truth that sometimes lands on a member's quarter grid (ties) and sometimes outside the range.
    mutating func uniformTruth() -> Double { (nextNormal() * 8).rounded() / 4 }
}
