import XCTest
@testable import Ensemble

final class GaussianNoiseTests: XCTestCase {
    private func draw(seed: UInt64, amplitudes: [Float], points: Int) -> [Float] {
        var state = [Float](repeating: 7, count: amplitudes.count * points)
        state.withUnsafeMutableBufferPointer { GaussianNoise.drawState(seed: seed, amplitudes: amplitudes, points: points, into: $0.baseAddress!) }
        return state
    }

    func testAmplitudesReproducibilityAndIndependence() {
        let points = 20_000
        let a = draw(seed: 3, amplitudes: [0, 2.5], points: points)
        XCTAssertTrue(a[0..<points].allSatisfy { $0 == 0 }, "amplitude 0 leaves the channel unperturbed")
        let x = a[points...].map(Double.init)
        let mean = x.reduce(0, +) / Double(points)
        let std = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(points - 1)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.06)
        XCTAssertEqual(std, 2.5, accuracy: 0.05)
        XCTAssertEqual(a, draw(seed: 3, amplitudes: [0, 2.5], points: points))
        XCTAssertEqual(Array(a[points...]), Array(draw(seed: 3, amplitudes: [1, 2.5], points: points)[points...]),
                       "a channel's draw does not depend on the other channels")
        XCTAssertNotEqual(a, draw(seed: 4, amplitudes: [0, 2.5], points: points))
    }
}
