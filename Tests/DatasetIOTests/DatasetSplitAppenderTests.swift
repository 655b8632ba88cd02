import CNetCDF
import Foundation
import HensCore
import XCTest
@testable import DatasetIO

/// Appending trajectories to a split file on a working copy, and the synthetic ERA5-like file.
final class DatasetSplitAppenderTests: TemporaryDirectoryTestCase {
    let channels = [ChannelInfo(name: "a", units: "1"), ChannelInfo(name: "b", units: "K")]

    func field(_ c: Int, _ k: Int, _ t: Int) -> [Float] { (0..<6).map { Float(c * 1000 + k * 100 + t * 10 + $0) } }

    /// A finished split with `trajectories` trajectories of 2 times on a 2×3 grid.
    func makeSplit(_ path: String, trajectories: Int) throws {
        let writer = try DatasetSplitWriter(path: path, channels: channels, latitudes: [45, -45], longitudes: [0, 120, 240],
                                            times: [0, 6], timeUnits: "hours since 2000-01-01 00:00:00", trajectories: trajectories,
                                            attributes: ["trajectory_starts": "s0"])
        for c in 0..<2 { for k in 0..<trajectories { for t in 0..<2 { try writer.write(channel: c, trajectory: k, timeIndex: t, field: field(c, k, t)) } } }
        try writer.finish()
    }

    func testAppendAddsTrajectoriesOnlyAtCommit() throws {
        let path = DatasetLayout.splitPath(dir, "test")
        try makeSplit(path, trajectories: 2)
        if let header = try ncdump(["-h", path]) {
            XCTAssertTrue(header.contains("trajectory = UNLIMITED ; // (2 currently)"), header)
        }
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let appender = try DatasetSplitAppender(path: path, newTrajectories: 1, attributes: ["trajectory_starts": "s0 s1"])
        XCTAssertEqual(appender.existingTrajectories, 2)
        for c in 0..<2 { for t in 0..<2 { try appender.write(channel: c, trajectory: 0, timeIndex: t, field: field(c, 2, t)) } }
        let staged = try appender.stage()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), original, "untouched until the commit")
        XCTAssertEqual(try DatasetSplitReader(path: staged.stagedPath).trajectoryCount, 3)
        try staged.commit()
        XCTAssertEqual(try entries(), ["test.nc"])
        let reader = try DatasetSplitReader(path: path)
        XCTAssertEqual(reader.trajectoryCount, 3)
        XCTAssertEqual(reader.attributes["trajectory_starts"], "s0 s1")
        for c in 0..<2 { for k in 0..<3 { for t in 0..<2 {
            XCTAssertEqual(try reader.read(channel: c, trajectory: k, timeIndex: t), field(c, k, t))
        } } }
    }

    func testIncompleteOrAbortedAppendLeavesTheFile() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        try makeSplit(path, trajectories: 1)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let appender = try DatasetSplitAppender(path: path, newTrajectories: 2)
        try appender.write(channel: 0, trajectory: 1, timeIndex: 0, field: field(0, 2, 0))
        XCTAssertThrowsError(try appender.stage()) { XCTAssertTrue("\($0)".contains("7 of 8 fields were never written (first: channel 'a', trajectory 1, time 0)"), "\($0)") }
        XCTAssertEqual(try entries(), ["train.nc"])
        let dropped = try DatasetSplitAppender(path: path, newTrajectories: 1)
        XCTAssertEqual(try entries().count, 2, "the working copy exists while appending")
        dropped.abort()
        XCTAssertEqual(try entries(), ["train.nc"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), original)
    }

    /// Files whose `trajectory` dimension has a fixed length cannot grow.
    func testFixedTrajectoryDimensionIsRefused() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        let nc = try NetCDFFile.create(path: path, displayName: path)
        var dims: [String: Int32] = [:]
        for (name, length) in zip(DatasetLayout.splitDimensions, [1, 1, 2, 2]) { dims[name] = try nc.defineDimension(name, length: length) }
        for name in ["lat", "lon", "time"] {
            let v = try nc.defineVariable(name, type: NC_DOUBLE, dimensions: [dims[name]!])
            if name == "time" { try nc.putAttribute("units", text: "hours since 2000-01-01", variable: v) }
        }
        let v = try nc.defineVariable("a", type: NC_FLOAT, dimensions: DatasetLayout.splitDimensions.map { dims[$0]! })
        try nc.putAttribute("units", text: "1", variable: v)
        try nc.endDefinitions()
        try nc.putDoubles(variable: nc.variableID("lat")!, [45, -45])
        try nc.putDoubles(variable: nc.variableID("lon")!, [0, 180])
        try nc.putDoubles(variable: nc.variableID("time")!, [0])
        try nc.close()
        XCTAssertThrowsError(try DatasetSplitAppender(path: path, newTrajectories: 1)) {
            XCTAssertTrue("\($0)".contains("trajectory dimension has a fixed length"), "\($0)")
        }
        XCTAssertEqual(try entries(), ["train.nc"])
    }

    /// The benchmark's input: old-CDS layout, int16 packed over the full range, fill −32767.
    func testERA5LikeFileHasTheLegacyLayout() throws {
        let path = dir + "/era5like.nc"
        try ERA5LikeFile.write(path: path, nlat: 7, nlon: 12, hours: [1_051_896, 1_051_902])
        let source = try NetCDFReader(path: path)
        XCTAssertEqual(source.kind, .netcdf3Offset64)
        XCTAssertEqual(source.dimensions.map(\.name), ["longitude", "latitude", "time"])
        XCTAssertEqual(try source.readDoubles(source.variable("latitude")!), [90, 60, 30, 0, -30, -60, -90])
        XCTAssertEqual(try source.readDoubles(source.variable("longitude")!).last, 330)
        XCTAssertEqual(source.variable("time")?.attributes["units"]?.text, "hours since 1900-01-01 00:00:00.0")
        for v in ERA5LikeFile.singleLevel {
            let variable = try XCTUnwrap(source.variable(v.name))
            XCTAssertEqual(variable.typeName, "short")
            XCTAssertEqual(variable.dimensions, ["time", "latitude", "longitude"])
            XCTAssertEqual(variable.attributes["_FillValue"], .numbers([-32767]))
            XCTAssertEqual(variable.attributes["units"]?.text, v.units)
            let raw = try source.readDoubles(variable)
            XCTAssertEqual(raw.max(), 32767, v.name)
            XCTAssertEqual(raw.min(), -32766, v.name)
            let scale = try XCTUnwrap(variable.attributes["scale_factor"]?.number), offset = try XCTUnwrap(variable.attributes["add_offset"]?.number)
            let decoded = raw.map { $0 * scale + offset }
            XCTAssertGreaterThanOrEqual(decoded.min()!, v.range.lowerBound - scale, v.name)
            XCTAssertLessThanOrEqual(decoded.max()!, v.range.upperBound + scale, v.name)
        }
    }
}
