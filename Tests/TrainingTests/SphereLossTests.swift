import HensCore
import Spherical
import XCTest
@testable import Training

final class SphereLossTests: XCTestCase {
    let quadrature = GridQuadrature(ringWeights: try! SphericalGrid(.legendreGauss, nlat: 4, nlon: 8).weights, nlon: 8)

    func testQuadratureSumsToOneAndRecognisesGrids() throws {
        for kind in GridKind.allCases {
            let grid = try SphericalGrid(kind, nlat: 9, nlon: 18)
            let q = GridQuadrature.forGrid(latitudes: grid.latitudesDegrees, nlon: 18)
            XCTAssertEqual(q.rule, kind.rawValue)
            XCTAssertEqual(q.pointWeights.reduce(0, +) * 18, 1, accuracy: 1e-12)
        }
        // A regional grid falls back to cell areas, still normalised and largest at the equator.
        let q = GridQuadrature.forGrid(latitudes: [60, 30, 0, -30], nlon: 5)
        XCTAssertEqual(q.rule, "cell-area")
        XCTAssertEqual(q.pointWeights.reduce(0, +) * 5, 1, accuracy: 1e-12)
        XCTAssertGreaterThan(q.pointWeights[2], q.pointWeights[0])
    }

    func testConstantFieldsGiveAreaMeans() {
        let loss = SphereLoss(kind: .absolute, quadrature: quadrature, channelWeights: [0.25, 0.75])
        let n = 2 * 2 * 32
        let zero = [Float](repeating: 0, count: n), one = [Float](repeating: 1, count: n), two = [Float](repeating: 2, count: n)
        // Σ_c w_c · mean(1²) = 1 for every sample.
        XCTAssertEqual(loss.evaluate(prediction: one, target: zero, batch: 2), 1, accuracy: 1e-12)
        let relative = SphereLoss(kind: .relative, quadrature: quadrature, channelWeights: [0.25, 0.75])
        XCTAssertEqual(relative.evaluate(prediction: zero, target: two, batch: 2), 4 / (4 + 1e-6), accuracy: 1e-12)
        XCTAssertEqual(loss.meanSquares(two, minus: nil, batch: 2), [4, 4, 4, 4].map { $0 as Double })
    }

    /// ∂loss/∂prediction against central differences, for both kinds, unequal channel
    /// weights and a gradient scale.
    func testGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 7)
        let batch = 2, channels = 2, n = quadrature.fieldCount
        let count = batch * channels * n
        let target = (0..<count).map { _ in Float(g.nextNormal()) }
        let prediction = (0..<count).map { _ in Float(g.nextNormal()) }
        for kind in LossKind.allCases {
            let loss = SphereLoss(kind: kind, quadrature: quadrature, channelWeights: [0.3, 0.7])
            var gradient = [Float](repeating: 0, count: count)
            _ = gradient.withUnsafeMutableBufferPointer {
                loss.evaluate(prediction: prediction, target: target, batch: batch, gradient: $0.baseAddress!, gradientScale: 0.5)
            }
            for i in stride(from: 0, to: count, by: 7) {
                var plus = prediction, minus = prediction
                plus[i] += 1e-2
                minus[i] -= 1e-2
                let step = Double(plus[i]) - Double(minus[i])
                let numeric = 0.5 * (loss.evaluate(prediction: plus, target: target, batch: batch)
                    - loss.evaluate(prediction: minus, target: target, batch: batch)) / step
                XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-6 * max(1, abs(numeric)) + 1e-9, "\(kind) element \(i)")
            }
        }
    }

    func testAutoChannelWeights() throws {
        // The SWE channels all fall to makani's default 0.01: equal after normalisation.
        let swe = try ChannelWeighting.auto.weights(channels: ["geopotential", "vorticity", "divergence"])
        for w in swe { XCTAssertEqual(w, 1.0 / 3, accuracy: 1e-15) }
        // makani's table: z500 → 0.5, t2m → 1, u10m → 0.1, anything else → 0.01.
        let era = try ChannelWeighting.auto.weights(channels: ["z500", "t2m", "u10m", "other"])
        let raw = [0.5, 1, 0.1, 0.01], total = raw.reduce(0, +)
        for (w, r) in zip(era, raw) { XCTAssertEqual(w, r / total, accuracy: 1e-15) }
        XCTAssertEqual(ChannelWeighting.autoWeight("u"), 0.01)
        XCTAssertEqual(ChannelWeighting.autoWeight("t850"), 0.85, accuracy: 1e-15)

        XCTAssertEqual(try ChannelWeighting.explicit([1, 3]).weights(channels: ["a", "b"]), [0.25, 0.75])
        XCTAssertThrowsError(try ChannelWeighting.explicit([1]).weights(channels: ["a", "b"])) { error in
            XCTAssertTrue("\(error)".contains("channel_weights"), "\(error)")
        }
    }
}
