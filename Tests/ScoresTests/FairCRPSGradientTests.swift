import XCTest
import HensCore
@testable import Scores

/// `SortedCRPS.fairGradient` against central differences of `SortedCRPS.summary`'s fair CRPS,
/// and against the pairwise definition's derivative.
final class FairCRPSGradientTests: XCTestCase {
    /// The fair CRPS by its pairwise definition (O(m²), independent of the sorted-pass formula).
    private func pairwiseFair(_ x: [Double], _ y: Double) -> Double {
        let m = Double(x.count)
        let a = x.reduce(0) { $0 + abs($1 - y) } / m
        var d = 0.0
        for u in x { for v in x { d += abs(u - v) } }
        return a - d / (2 * m * (m - 1))
    }

    func testGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 17)
        for m in [2, 3, 4, 7, 16] {
            for _ in 0..<20 {
                let y = rng.nextNormal()
                // Members well apart from each other and from y, so a step of h crosses no kink.
                var x = (0..<m).map { Double($0) * 0.37 + 0.05 * rng.nextNormal() - 0.2 * Double(m) + y + 0.011 }
                x.shuffle(using: &rng)
                x.sort()
                var gradient = [Double](repeating: .nan, count: m)
                x.withUnsafeBufferPointer { SortedCRPS.fairGradient(sorted: $0, truth: y, into: &gradient) }
                let h = 1e-4
                for i in 0..<m {
                    var plus = x, minus = x
                    plus[i] += h
                    minus[i] -= h
                    let numeric = (pairwiseFair(plus, y) - pairwiseFair(minus, y)) / (2 * h)
                    XCTAssertEqual(gradient[i], numeric, accuracy: 1e-9, "m \(m), rank \(i)")
                    // The value the gradient belongs to is summary's fair CRPS.
                    let fair = x.withUnsafeBufferPointer { SortedCRPS.summary(sorted: $0, truth: y).crpsFair }
                    XCTAssertEqual(fair, pairwiseFair(x, y), accuracy: 1e-12)
                }
            }
        }
    }

    func testGradientOfTwoMembersByHand() {
        // m = 2, x = (0, 1), y = 0.25: fair CRPS = (0.25 + 0.75)/2 − |0 − 1|/2 = 0;
        // ∂/∂x₁ = −1/2 + 1/2 = 0, ∂/∂x₂ = +1/2 − 1/2 = 0: with y between them, moving either
        // member changes its distance to y and the spread term by the same amount.
        // y = 2 above both: CRPS = (2 + 1)/2 − 1/2 = 1; raising x₁ shortens its distance to y and
        // the spread alike (0), raising x₂ shortens its distance and widens nothing (−1).
        var g = [Double](repeating: .nan, count: 2)
        [0.0, 1.0].withUnsafeBufferPointer { SortedCRPS.fairGradient(sorted: $0, truth: 0.25, into: &g) }
        XCTAssertEqual(g, [0, 0])
        [0.0, 1.0].withUnsafeBufferPointer { SortedCRPS.fairGradient(sorted: $0, truth: 2, into: &g) }
        XCTAssertEqual(g, [0, -1])
    }
}
