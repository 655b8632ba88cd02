import Foundation
import XCTest
import HensCore
import Spherical
@testable import Regrid

/// Source-grid validation and the cell-edge conventions (CDO's, see `CellEdges`).
final class GridTests: XCTestCase {
    private func assertInvalid(_ latitudes: [Double], _ longitudes: [Double], _ fragment: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SourceGrid(latitudes: latitudes, longitudes: longitudes), file: file, line: line) { error in
            guard let e = error as? HensError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .invalidArgument, file: file, line: line)
            XCTAssertTrue(e.message.hasPrefix("regrid: "), e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), e.message, file: file, line: line)
            XCTAssertFalse(e.message.contains("\n"), file: file, line: line)
        }
    }

    func testSourceGridValidation() throws {
        let lons = (0..<8).map { 45 * Double($0) }
        assertInvalid([10, 20, 30], lons, "not strictly decreasing")
        assertInvalid([10, 10, 0], lons, "not strictly decreasing")
        assertInvalid([91, 0, -90], lons, "within [-90, 90]")
        assertInvalid([90, 0], [0, 45, 100, 135], "not uniformly spaced")
        assertInvalid([90, 0], [-45, 0, 45], "[0, 360)")
        assertInvalid([90, 0], [360, 361], "[0, 360)")
        assertInvalid([90, 0], [0, 60, 120, 180, 240, 300, 359], "not uniformly spaced")
        assertInvalid([90, 0], (0..<9).map { 45 * Double($0) }.map { $0 < 360 ? $0 : 359.9 }, "not uniformly spaced")
        assertInvalid([90, 0], [0, 100, 200, 300], "overlap across 360°")
        assertInvalid([90], lons, "at least 2 latitudes")
        assertInvalid([90, .nan], lons, "finite")

        XCTAssertTrue(try SourceGrid.regular(nlat: 721, nlon: 1440).isGlobalInLongitude)
        XCTAssertTrue(try SourceGrid(latitudes: [60, 30], longitudes: lons).isGlobalInLongitude)
        XCTAssertFalse(try SourceGrid(latitudes: [60, 30], longitudes: [10, 20, 30]).isGlobalInLongitude)
        // Longitudes as a Float32 file stores them (0.25° steps are exact; 1/3° steps are not).
        let third = (0..<1080).map { Double(Float(Double($0) / 3)) }
        let grid = try SourceGrid(latitudes: [45, -45], longitudes: third)
        XCTAssertTrue(grid.isGlobalInLongitude)
        XCTAssertEqual(grid.cellEdges.longitudes.last!, 360 - 1.0 / 6, accuracy: 1e-12) // exact spacing 360/1080
        let era5 = try SourceGrid.regular(nlat: 721, nlon: 1440)
        XCTAssertEqual(era5.latitudes[360], 0)
        XCTAssertEqual(era5.latitudes[720], -90)
        XCTAssertEqual(era5.longitudes[1439], 359.75)
    }

    /// CDO's bounds for regular lon-lat grids (`cdo griddes -setgridtype,curvilinear`): midpoints,
    /// the outermost extrapolated by half a spacing and snapped to ±90° beyond ±88°.
    func testSourceCellEdgesFollowCDO() throws {
        let eq3 = Golden.eq3.cellEdges
        XCTAssertEqual(Array(eq3.latitudes.prefix(3)), [90, 88.5, 85.5])
        XCTAssertEqual(eq3.latitudes.last, -90)
        XCTAssertEqual(eq3.longitudes.first, -1.5)
        XCTAssertEqual(eq3.longitudes.last, 358.5)
        // 5° grid from 85°: extrapolated edge 87.5° stays (CDO: 82.5 … 87.5 for the first row).
        let lons = (0..<72).map { 5 * Double($0) }
        let g85 = try SourceGrid(latitudes: (0..<35).map { 85 - 5 * Double($0) }, longitudes: lons).cellEdges
        XCTAssertEqual(g85.latitudes[0], 87.5)
        XCTAssertEqual(g85.latitudes[1], 82.5)
        XCTAssertEqual(g85.latitudes.last, -87.5)
        // From 86°: 88.5° > 88° snaps to the pole (CDO: 83.5 … 90).
        let g86 = try SourceGrid(latitudes: (0..<35).map { 86 - 5 * Double($0) }, longitudes: lons).cellEdges
        XCTAssertEqual(g86.latitudes[0], 90)
        XCTAssertEqual(g86.latitudes[1], 83.5)
        // F16 as a source: CDO prints 83.01468 … 90 for the first row.
        let f16 = SourceGrid(Golden.f16).cellEdges
        XCTAssertEqual(f16.latitudes[0], 90)
        XCTAssertEqual(f16.latitudes[1], 83.01468, accuracy: 5e-6)
        XCTAssertEqual(f16.latitudes[2], 77.50666, accuracy: 5e-6)
    }

    func testTargetCellEdges() throws {
        // Equiangular: midpoints, half cells at the poles.
        let eq6 = CellEdges(target: Golden.eq6)
        XCTAssertEqual(Array(eq6.latitudes.prefix(3)), [90, 87, 81])
        XCTAssertEqual(eq6.latitudes.last, -90)
        XCTAssertEqual(eq6.longitudes.first, -3)
        XCTAssertEqual(eq6.longitudes.count, 61)
        // Gauss–Legendre: midpoints as CDO, ±90° outside, also where CDO's rule would not snap.
        let f16 = CellEdges(target: Golden.f16)
        XCTAssertEqual(f16.latitudes[1], 83.01468, accuracy: 5e-6)
        let coarse = try SphericalGrid(.legendreGauss, nlat: 8, nlon: 16)
        let edges = CellEdges(target: coarse)
        XCTAssertEqual(edges.latitudes.first, 90)
        XCTAssertEqual(edges.latitudes.last, -90)
        for grid in [Golden.eq6, Golden.f16, coarse, try SphericalGrid(.lobatto, nlat: 20, nlon: 40)] {
            let e = CellEdges(target: grid)
            let lat = grid.latitudesDegrees
            for k in 0..<grid.nlat { XCTAssertTrue(e.latitudes[k] >= lat[k] && lat[k] >= e.latitudes[k + 1], grid.label) }
            XCTAssertEqual(e.rowCellAreas.reduce(0, +) * Double(grid.nlon), 4 * .pi, accuracy: 1e-12, grid.label)
        }
    }
}
