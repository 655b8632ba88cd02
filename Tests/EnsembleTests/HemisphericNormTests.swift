import XCTest
import HensCore
import Spherical
@testable import Ensemble

final class HemisphericNormTests: XCTestCase {
    /// 5° equiangular grid: rows at exactly ±20°.
    private func grid() throws -> SphericalGrid { try SphericalGrid(.equiangular, nlat: 37, nlon: 72) }

    /// A field with a given value per latitude and a ± checkerboard in longitude.
    private func field(_ grid: SphericalGrid, _ value: (Double) -> Double) -> [Float] {
        var out: [Float] = []
        for lat in grid.latitudesDegrees {
            for j in 0..<grid.nlon { out.append(Float(value(lat) * (j % 2 == 0 ? 1 : -1))) }
        }
        return out
    }

    func testRescalingHitsTargetsInBothBands() throws {
        let g = try grid()
        let norm = try HemisphericNorm(grid: g, targets: [1, 39.28], bandLatitude: 20)
        // Channel 0: amplitude growing polewards, different per hemisphere; channel 1: SH only strong.
        var state = field(g) { lat in lat >= 0 ? 2 + lat / 30 : 0.5 } + field(g) { lat in lat > 0 ? 0.1 : 7 * cos(lat * .pi / 180) }
        state.withUnsafeMutableBufferPointer { norm.rescale($0.baseAddress!) }
        state.withUnsafeBufferPointer { s in
            for (c, tau) in [1.0, 39.28].enumerated() {
                let (north, south) = norm.bandRMS(s.baseAddress! + c * norm.points)
                XCTAssertEqual(north, tau, accuracy: 1e-5 * tau)
                XCTAssertEqual(south, tau, accuracy: 1e-5 * tau)
            }
        }
    }

    func testTropicsInterpolateTheNormaliserLinearly() throws {
        let g = try grid()
        let norm = try HemisphericNorm(grid: g, targets: [1], bandLatitude: 20)
        // NH RMS 2, SH RMS 0.5, tropics 3: at latitude φ the normaliser is 0.5 + 1.5 (φ + 20)/40.
        var state = field(g) { lat in lat >= 20 - 1e-6 ? 2 : lat <= -20 + 1e-6 ? 0.5 : 3 }
        state.withUnsafeMutableBufferPointer { norm.rescale($0.baseAddress!) }
        for (row, lat) in g.latitudesDegrees.enumerated() {
            let expected = abs(lat) >= 20 - 1e-6 ? 1 : 3 / (0.5 + 1.5 * (lat + 20) / 40)
            XCTAssertEqual(Double(abs(state[row * g.nlon])), expected, accuracy: 1e-5, "row \(row) at \(lat)°")
        }
    }

    func testZeroNormGuardLeavesZeroBandsZero() throws {
        let g = try grid()
        let norm = try HemisphericNorm(grid: g, targets: [2], bandLatitude: 20)
        var state = field(g) { lat in lat >= 20 - 1e-6 ? 4 : 0 }
        state.withUnsafeMutableBufferPointer { norm.rescale($0.baseAddress!) }
        XCTAssertTrue(state.allSatisfy(\.isFinite))
        let (north, south) = state.withUnsafeBufferPointer { norm.bandRMS($0.baseAddress!) }
        XCTAssertEqual(north, 2, accuracy: 1e-5)
        XCTAssertEqual(south, 0)
    }

    func testReferenceAveragingMatchesHENSFormula() throws {
        let g = try grid()
        let area = try HemisphericNorm(grid: g, targets: [1])
        let reference = try HemisphericNorm(grid: g, targets: [1], averaging: .reference)
        let ones = [Float](repeating: 1, count: g.nlat * g.nlon)
        let a = ones.withUnsafeBufferPointer { area.bandRMS($0.baseAddress!) }
        let r = ones.withUnsafeBufferPointer { reference.bandRMS($0.baseAddress!) }
        XCTAssertEqual(a.north, 1, accuracy: 1e-12)
        XCTAssertEqual(a.south, 1, accuracy: 1e-12)
        // hens.md §2.3: weights normalised to mean 1 over the globe, plain mean over the band.
        let w = g.cellAreas, mean = w.reduce(0, +) / Double(g.nlat)
        let band = g.latitudesDegrees.indices.filter { g.latitudesDegrees[$0] >= 20 - 1e-6 }
        let expected = (band.reduce(0.0) { $0 + w[$1] / mean } / Double(band.count)).squareRoot()
        XCTAssertEqual(r.north, expected, accuracy: 1e-12)
        XCTAssertEqual(r.south, expected, accuracy: 1e-12)
        XCTAssertLessThan(expected, 0.97, "the reference RMS of a constant field is below 1")
    }

    func testInvalidConfiguration() throws {
        let g = try grid()
        XCTAssertThrowsError(try HemisphericNorm(grid: g, targets: []))
        XCTAssertThrowsError(try HemisphericNorm(grid: g, targets: [-1]))
        XCTAssertThrowsError(try HemisphericNorm(grid: g, targets: [1], bandLatitude: 90))
    }
}
