import Foundation
import XCTest
import Spherical
@testable import Regrid

/// Comparisons with CDO 2.1.1 (`remapbil`, `remapcon`); the reference values are stored with 10
/// significant digits (golden/README.md), so agreement is measurable down to ~5e-10.
final class CDOGoldenTests: XCTestCase {
    /// The analytic field the tests use is the one CDO computed (full-precision samples).
    func testSourceFieldMatchesCDO() throws {
        let eq3 = Golden.values(on: Golden.eq3)
        let sampleEq3 = try Golden.read("source-eq3-sample.txt")
        let picked = stride(from: 0, to: eq3.count, by: 61).map { eq3[$0] }
        XCTAssertEqual(picked.count, sampleEq3.count)
        XCTAssertLessThan(maxRelativeError(picked, sampleEq3), 1e-13)

        let f16 = Golden.values(on: SourceGrid(Golden.f16))
        let sampleF16 = try Golden.read("source-f16-sample.txt")
        let pickedF16 = stride(from: 0, to: f16.count, by: 61).map { f16[$0] }
        XCTAssertEqual(pickedF16.count, sampleF16.count)
        XCTAssertLessThan(maxRelativeError(pickedF16, sampleF16), 1e-13)
    }

    /// Regrids the analytic field and compares with a golden file, in Float64 (the weights) and
    /// through the Float32 `apply` (what ingest runs).
    private func check(_ golden: String, source: SourceGrid, target: SphericalGrid, method: RegridMethod,
                       masked: Bool = false, tolerance: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try Golden.read(golden, file: file, line: line)
        XCTAssertEqual(expected.count, target.nlat * target.nlon, golden, file: file, line: line)
        let regridder = try Regridder(from: source, to: target, method: method)
        let field = Golden.values(on: source, masked: masked)
        let weights = try XCTUnwrap(regridder.weights, file: file, line: line)
        let double = applyInDouble(weights, field)
        let error = maxRelativeError(double, expected)
        print("golden \(golden): max relative difference to CDO \(error) (Float64 weights)")
        XCTAssertLessThan(error, tolerance, golden, file: file, line: line)

        let single = regridder.apply(field.map(Float.init)).map(Double.init)
        let singleError = maxRelativeError(single, expected)
        print("golden \(golden): max relative difference to CDO \(singleError) (Float32 apply)")
        XCTAssertLessThan(singleError, max(tolerance, 1e-6), golden, file: file, line: line)
    }

    func testBilinearEquiangular3To6MatchesCDO() throws {
        try check("eq3-to-eq6-remapbil.txt", source: Golden.eq3, target: Golden.eq6, method: .bilinear, tolerance: 1e-9)
    }

    func testConservativeEquiangular3To6MatchesCDO() throws {
        try check("eq3-to-eq6-remapcon.txt", source: Golden.eq3, target: Golden.eq6, method: .conservative, tolerance: 1e-9)
    }

    func testBilinearEquiangular3ToGaussianF16MatchesCDO() throws {
        try check("eq3-to-f16-remapbil.txt", source: Golden.eq3, target: Golden.f16, method: .bilinear, tolerance: 1e-9)
    }

    func testConservativeEquiangular3ToGaussianF16MatchesCDO() throws {
        try check("eq3-to-f16-remapcon.txt", source: Golden.eq3, target: Golden.f16, method: .conservative, tolerance: 1e-9)
    }

    /// Missing values: CDO's fracarea renormalisation over the valid part of each target cell.
    func testConservativeWithMissingValuesMatchesCDO() throws {
        try check("eq3miss-to-eq6-remapcon.txt", source: Golden.eq3, target: Golden.eq6, method: .conservative,
                  masked: true, tolerance: 1e-9)
        // The golden has both renormalised cells and cells with nothing valid.
        let expected = try Golden.read("eq3miss-to-eq6-remapcon.txt")
        XCTAssertGreaterThan(expected.filter(\.isNaN).count, 10)
    }

    /// A source without pole rows: target pole rows lie beyond it (CDO's nearest-four fallback).
    func testBilinearGaussianF16To6MatchesCDO() throws {
        try check("f16-to-eq6-remapbil.txt", source: SourceGrid(Golden.f16), target: Golden.eq6, method: .bilinear,
                  tolerance: 1e-9)
    }

    /// A source without pole rows: its outer cells reach the poles (CDO's ±88° rule).
    func testConservativeGaussianF16To6MatchesCDO() throws {
        try check("f16-to-eq6-remapcon.txt", source: SourceGrid(Golden.f16), target: Golden.eq6, method: .conservative,
                  tolerance: 1e-9)
    }
}
