import CNetCDF
import Foundation
import HensCore
import XCTest
@testable import DatasetIO
import HensTestSupport

/// A scratch directory per test, removed afterwards.
class TemporaryDirectoryTestCase: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryFolder("hens-datasetio")
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Every entry of the scratch directory (to catch left-over temporary files).
    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    /// Runs ncdump with the arguments and returns its standard output, or nil when absent.
    func ncdump(_ arguments: [String]) throws -> String? {
        let tool = "/usr/bin/ncdump"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "ncdump \(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }
}

final class DatasetSplitTests: TemporaryDirectoryTestCase {
    let channels = [
        ChannelInfo(name: "vorticity", units: "s-1", longName: "relative vorticity",
                    standardName: "atmosphere_relative_vorticity"),
        ChannelInfo(name: "h", units: "m", longName: "fluid depth", standardName: nil),
    ]
    let latitudes = [67.5, 22.5, -22.5, -67.5]
    let longitudes = (0..<8).map { Double($0) * 45 }
    let times = [0.0, 21_600, 43_200]
    let timeUnits = "seconds since 2000-01-01 00:00:00"

    /// A distinct field per (channel, trajectory, time), including values that a lossy path
    /// (double rounding, fill-value substitution) would change: −0, subnormals, extremes.
    func field(_ c: Int, _ k: Int, _ t: Int) -> [Float] {
        var f = (0..<32).map { i in Float(c * 1000 + k * 100 + t * 10) + Float(i) * 0.1 + 1e-7 * Float(i * i) }
        f[0] = -0.0
        f[1] = .leastNonzeroMagnitude
        f[2] = .greatestFiniteMagnitude
        f[3] = -Float(c + 1) * 3.3e-5
        return f
    }

    func makeWriter(_ path: String, attributes: [String: String] = ["title": "test split", "source": "unit test"]) throws
        -> DatasetSplitWriter {
        try DatasetSplitWriter(path: path, channels: channels, latitudes: latitudes, longitudes: longitudes,
                               times: times, timeUnits: timeUnits, calendar: "proleptic_gregorian",
                               trajectories: 2, attributes: attributes)
    }

    func writeAll(_ writer: DatasetSplitWriter) throws {
        for c in 0..<2 { for k in 0..<2 { for t in 0..<3 {
            try writer.write(channel: c, trajectory: k, timeIndex: t, field: field(c, k, t))
        } } }
    }

    func testRoundTripIsBitExact() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        let writer = try makeWriter(path)
        try writeAll(writer)
        try writer.finish()
        XCTAssertEqual(try entries(), ["train.nc"])

        let reader = try DatasetSplitReader(path: path)
        XCTAssertEqual(reader.channels, channels)
        XCTAssertNil(reader.channels[1].standardName)
        XCTAssertEqual(reader.latitudes, latitudes)
        XCTAssertEqual(reader.longitudes, longitudes)
        XCTAssertEqual(reader.times, times)
        XCTAssertEqual(reader.timeUnits, timeUnits)
        XCTAssertEqual(reader.calendar, "proleptic_gregorian")
        XCTAssertEqual(reader.trajectoryCount, 2)
        XCTAssertEqual(reader.timeCount, 3)
        XCTAssertEqual(reader.fieldCount, 32)
        XCTAssertEqual(reader.attributes["title"], "test split")
        XCTAssertEqual(reader.attributes["source"], "unit test")
        XCTAssertEqual(reader.attributes["Conventions"], "CF-1.8")
        XCTAssertEqual(reader.attributes["hens_version"], HensVersion.string)
        XCTAssertEqual(reader.channelIndex(named: "h"), 1)

        for c in 0..<2 { for k in 0..<2 { for t in 0..<3 {
            let back = try reader.read(channel: c, trajectory: k, timeIndex: t)
            XCTAssertEqual(back.map(\.bitPattern), field(c, k, t).map(\.bitPattern), "channel \(c) trajectory \(k) time \(t)")
        } } }
        var buffer = [Float](repeating: 0, count: 32)
        try buffer.withUnsafeMutableBufferPointer { try reader.read(channel: 1, trajectory: 1, timeIndex: 2, into: $0) }
        XCTAssertEqual(buffer.map(\.bitPattern), field(1, 1, 2).map(\.bitPattern))
        XCTAssertThrowsError(try reader.read(channel: 2, trajectory: 0, timeIndex: 0))
    }

    func testHeaderAsSeenByNcdump() throws {
        let path = DatasetLayout.splitPath(dir, "valid")
        let writer = try makeWriter(path)
        try writeAll(writer)
        try writer.finish()
        guard let header = try ncdump(["-hs", path]) else { throw XCTSkip("ncdump not installed") }
        XCTAssertTrue(header.contains("float vorticity(trajectory, time, lat, lon)"), header)
        XCTAssertTrue(header.contains("float h(trajectory, time, lat, lon)"), header)
        XCTAssertTrue(header.contains(":Conventions = \"CF-1.8\""), header)
        XCTAssertTrue(header.contains("vorticity:standard_name = \"atmosphere_relative_vorticity\""), header)
        XCTAssertFalse(header.contains("h:standard_name"), header)
        XCTAssertFalse(header.contains("_FillValue"), header)
        XCTAssertTrue(header.contains("vorticity:_ChunkSizes = 1, 1, 4, 8"), header)
        XCTAssertTrue(header.contains("time:calendar = \"proleptic_gregorian\""), header)
        XCTAssertTrue(header.contains("lat:units = \"degrees_north\""), header)
        XCTAssertTrue(header.contains("int trajectory(trajectory)"), header)
        XCTAssertTrue(header.contains(":_Format = \"netCDF-4\""), header)
    }

    func testAbortLeavesNothing() throws {
        let path = DatasetLayout.splitPath(dir, "test")
        let writer = try makeWriter(path)
        try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: field(0, 0, 0))
        XCTAssertEqual(try entries().count, 1, "the temporary file exists while writing")
        XCTAssertFalse(exists(path), "nothing under the final name before finish()")
        writer.abort()
        XCTAssertEqual(try entries(), [])
        XCTAssertThrowsError(try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: field(0, 0, 0)))
    }

    /// A run killed half-way leaves `<name>.tmp-<pid>`; the next writer of the same target
    /// removes it once that process is gone, and leaves live writers' files alone.
    func testOrphanedTemporaryFilesAreRemoved() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        let orphan = path + ".tmp-2147483646"      // no such process
        let live = path + ".tmp-\(getppid())"       // a process that exists
        for p in [orphan, live] { XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data("partial".utf8))) }
        let writer = try makeWriter(path)
        try writeAll(writer)
        try writer.finish()
        XCTAssertFalse(exists(orphan))
        XCTAssertTrue(exists(live))
        try FileManager.default.removeItem(atPath: live)
    }

    func testDroppingAnUnfinishedWriterAborts() throws {
        let path = DatasetLayout.splitPath(dir, "climate")
        do {
            let writer = try makeWriter(path)
            try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: field(0, 0, 0))
        }
        XCTAssertEqual(try entries(), [])
    }

    func testMissingFieldsRefuseToFinish() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        // Skip one field: finish must fail and publish nothing.
        let partial = try makeWriter(path)
        for c in 0..<2 { for k in 0..<2 { for t in 0..<3 where !(c == 1 && k == 0 && t == 2) {
            try partial.write(channel: c, trajectory: k, timeIndex: t, field: field(c, k, t))
        } } }
        XCTAssertThrowsError(try partial.finish()) { error in
            let message = (error as? HensError)?.message ?? ""
            XCTAssertTrue(message.contains("1 of 12 fields"), message)
            XCTAssertTrue(message.contains("channel 'h', trajectory 0, time 2"), message)
        }
        XCTAssertEqual(try entries(), [])
    }

    func testOverwriteReplacesOnlyAtFinish() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        try "old contents".write(toFile: path, atomically: false, encoding: .utf8)
        let writer = try makeWriter(path, attributes: ["title": "new"])
        try writeAll(writer)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old contents")
        XCTAssertEqual(try entries().count, 2)
        try writer.finish()
        XCTAssertEqual(try entries(), ["train.nc"])
        XCTAssertEqual(try DatasetSplitReader(path: path).attributes["title"], "new")
    }

    func testWriterRejectsBadArguments() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        func make(channels: [ChannelInfo]? = nil, latitudes: [Double]? = nil, longitudes: [Double]? = nil,
                  timeUnits: String? = nil, trajectories: Int = 2) throws {
            _ = try DatasetSplitWriter(path: path, channels: channels ?? self.channels, latitudes: latitudes ?? self.latitudes,
                                       longitudes: longitudes ?? self.longitudes, times: times,
                                       timeUnits: timeUnits ?? self.timeUnits, trajectories: trajectories)
        }
        XCTAssertThrowsError(try make(latitudes: latitudes.reversed()))
        XCTAssertThrowsError(try make(longitudes: longitudes.map { $0 - 180 }))
        XCTAssertThrowsError(try make(channels: [channels[0], channels[0]]))
        XCTAssertThrowsError(try make(channels: [ChannelInfo(name: "lat", units: "1")]))
        XCTAssertThrowsError(try make(timeUnits: "hours"))
        XCTAssertThrowsError(try make(trajectories: 0))
        XCTAssertEqual(try entries(), [])

        let writer = try makeWriter(path)
        XCTAssertThrowsError(try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: [Float](repeating: 0, count: 31)))
        XCTAssertThrowsError(try writer.write(channel: 0, trajectory: 2, timeIndex: 0, field: field(0, 0, 0)))
        writer.abort()
    }

    func testWriterErrorNamesTheFile() throws {
        let path = dir + "/no-such-dir/train.nc"
        XCTAssertThrowsError(try makeWriter(path)) { error in
            let e = error as? HensError
            XCTAssertEqual(e?.kind, .io)
            XCTAssertTrue(e?.message.hasPrefix(path + ": cannot create the file") ?? false, "\(error)")
            XCTAssertFalse(e?.message.contains("\n") ?? true)
        }
    }

    // MARK: Reader errors

    func assertBadInput(_ path: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DatasetSplitReader(path: path), file: file, line: line) { error in
            guard let e = error as? HensError else { return XCTFail("not a HensError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .badInput, file: file, line: line)
            XCTAssertTrue(e.message.contains((path as NSString).lastPathComponent), e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), e.message, file: file, line: line)
            XCTAssertFalse(e.message.contains("\n"), e.message, file: file, line: line)
        }
    }

    func testReaderRejectsMissingFile() {
        assertBadInput(DatasetLayout.splitPath(dir, "missing"), contains: "cannot open")
    }

    func testReaderRejectsNonNetCDFFile() throws {
        let path = DatasetLayout.splitPath(dir, "text")
        try "this is not a NetCDF file\n".write(toFile: path, atomically: false, encoding: .utf8)
        assertBadInput(path, contains: "cannot open")
    }

    /// Writes a file with the canonical dims and coordinates plus one extra variable.
    func writeOddFile(_ path: String, extra name: String, type: nc_type, dims dimNames: [String]) throws {
        let nc = try NetCDFFile.create(path: path, displayName: path)
        var dims: [String: Int32] = [:]
        for (dimName, length) in zip(DatasetLayout.splitDimensions, [2, 3, 4, 8]) {
            dims[dimName] = try nc.defineDimension(dimName, length: length)
        }
        let lat = try nc.defineVariable("lat", type: NC_DOUBLE, dimensions: [dims["lat"]!])
        let lon = try nc.defineVariable("lon", type: NC_DOUBLE, dimensions: [dims["lon"]!])
        let time = try nc.defineVariable("time", type: NC_DOUBLE, dimensions: [dims["time"]!])
        try nc.putAttribute("units", text: timeUnits, variable: time)
        let v = try nc.defineVariable(name, type: type, dimensions: dimNames.map { dims[$0]! })
        try nc.putAttribute("units", text: "s-1", variable: v)
        try nc.endDefinitions()
        try nc.putDoubles(variable: lat, latitudes)
        try nc.putDoubles(variable: lon, longitudes)
        try nc.putDoubles(variable: time, times)
        try nc.close()
    }

    func testReaderRejectsWrongDims() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        try writeOddFile(path, extra: "vorticity", type: NC_FLOAT, dims: ["time", "lat", "lon"])
        assertBadInput(path, contains: "variable 'vorticity' has dims (time, lat, lon), expected (trajectory, time, lat, lon)")
    }

    func testReaderRejectsWrongType() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        try writeOddFile(path, extra: "vorticity", type: NC_DOUBLE, dims: DatasetLayout.splitDimensions)
        assertBadInput(path, contains: "variable 'vorticity' has type double, expected float")
    }

    func testReaderAcceptsHandWrittenCanonicalFile() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        try writeOddFile(path, extra: "vorticity", type: NC_FLOAT, dims: DatasetLayout.splitDimensions)
        let reader = try DatasetSplitReader(path: path)
        XCTAssertEqual(reader.channels, [ChannelInfo(name: "vorticity", units: "s-1")])
        XCTAssertEqual(reader.calendar, "standard")
    }

    func testReaderRejectsMissingDimension() throws {
        let path = DatasetLayout.splitPath(dir, "stats-like")
        try DatasetStatistics(channels: ["a"], mean: [0], std: [1], tendencyStd: [1]).write(to: path)
        assertBadInput(path, contains: "missing dimension 'trajectory'")
    }

    func testLayoutPaths() {
        XCTAssertEqual(DatasetLayout.splitPath("out", "train"), "out/train.nc")
        XCTAssertEqual(DatasetLayout.splitPath("out/", "valid.nc"), "out/valid.nc")
        XCTAssertEqual(DatasetLayout.statsPath("d"), "d/stats.nc")
        XCTAssertEqual(DatasetLayout.splits.map { $0 + ".nc" },
                       [DatasetLayout.train, DatasetLayout.valid, DatasetLayout.test, DatasetLayout.climate])
    }
}
