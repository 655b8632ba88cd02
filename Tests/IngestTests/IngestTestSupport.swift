import XCTest
import DatasetIO
import HensCore
@testable import Ingest
import HensTestSupport

/// The repository's data-samples folder (real files with provenance).
let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data-samples").path

/// A scratch folder per test and helpers to ingest into it, read datasets back and build small
/// NetCDF inputs from CDL.
class IngestTestCase: XCTestCase {
    var scratch = ""

    override func setUpWithError() throws {
        scratch = SharedTemporaryFolder.unique("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: scratch) }

    func ingest(_ files: [String], out name: String = "ds", configure: (inout IngestRequest) throws -> Void = { _ in }) throws -> String {
        var r = IngestRequest(files: files, output: scratch + "/" + name)
        try configure(&r)
        var i = DatasetIngest(r)
        try i.run()
        return r.output
    }

    func read(_ dataset: String, _ channel: String, split: String = "train") throws -> [Float] {
        let r = try DatasetSplitReader(path: DatasetLayout.splitPath(dataset, split))
        let c = try XCTUnwrap(r.channelIndex(named: channel))
        var all: [Float] = []
        for k in 0..<r.trajectoryCount { for t in 0..<r.timeCount { all += try r.read(channel: c, trajectory: k, timeIndex: t) } }
        return all
    }

    /// Asserts that ingesting fails with one line containing `fragment`, a non-zero exit kind and no output.
    func assertRefused(_ files: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                       configure: (inout IngestRequest) throws -> Void = { _ in }) {
        XCTAssertThrowsError(try ingest(files, out: "bad", configure: configure), file: file, line: line) { error in
            guard let e = error as? HensError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(e.message.contains(fragment), "‘\(e.message)’ lacks ‘\(fragment)’", file: file, line: line)
            XCTAssertFalse(e.message.contains("\n"), file: file, line: line)
            XCTAssertNotEqual(e.exitCode, 0, file: file, line: line)
        }
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).filter { $0.hasPrefix("bad") }
        XCTAssertEqual(leftovers, [], "no output left behind", file: file, line: line)
    }

    func write(_ name: String, _ bytes: [UInt8]) -> String { writeFile(scratch + "/" + name, bytes) }

    /// A tiny global 3-time temperature file; `lat`, `time`, `units`, `data` vary per case.
    func cdl(lat: String = "90, 0, -90", time: String = "0, 6, 12", units: String = "K",
             timeUnits: String = "hours since 2000-01-01", data: String? = nil) -> String {
        """
        netcdf c { dimensions: lat = 3 ; lon = 4 ; time = 3 ;
        variables: double lat(lat) ; lat:units = "degrees_north" ; double lon(lon) ; lon:units = "degrees_east" ;
          double time(time) ; time:units = "\(timeUnits)" ;
          float t2m(time, lat, lon) ; t2m:units = "\(units)" ; t2m:_FillValue = NaNf ;
        data: lat = \(lat) ; lon = 0, 90, 180, 270 ; time = \(time) ;
          t2m = \(data ?? (0..<36).map { String(250 + $0) }.joined(separator: ", ")) ; }
        """
    }

    /// A global 30° file (7 × `nlon`, lat 90 → −90) of `variables` (t2m in K, msl in Pa) at
    /// `hours` since 2000-01-01; smooth values that differ per variable and time, NaN where
    /// `missing(variable, hour)`.
    func series(_ hours: [Double], variables: [String] = ["t2m"], nlon: Int = 12,
                missing: (String, Double) -> Bool = { _, _ in false }) throws -> String {
        let lats = (0..<7).map { 90 - 30 * Double($0) }, lons = (0..<nlon).map { 360 * Double($0) / Double(nlon) }
        var declarations = "", data = ""
        for (j, name) in variables.enumerated() {
            let (units, base) = name == "msl" ? ("Pa", 101_000.0) : ("K", 270.0)
            declarations += "float \(name)(time, lat, lon) ; \(name):units = \"\(units)\" ; \(name):_FillValue = NaNf ;\n"
            let values = hours.flatMap { h in lats.flatMap { la in lons.map { lo -> String in
                if missing(name, h) { return "NaN" }
                let x = base + 10 * cos(la * .pi / 180) + 3 * sin(lo * .pi / 180 + h / 24) + 0.01 * h + Double(j)
                return String(format: "%.4f", x)
            } } }
            data += "\(name) = \(values.joined(separator: ", ")) ;\n"
        }
        return try netcdf("""
        netcdf s { dimensions: lat = 7 ; lon = \(nlon) ; time = \(hours.count) ;
        variables: double lat(lat) ; lat:units = "degrees_north" ; double lon(lon) ; lon:units = "degrees_east" ;
          double time(time) ; time:units = "hours since 2000-01-01" ;
        \(declarations)
        data: lat = \(lats.map { String($0) }.joined(separator: ", ")) ; lon = \(lons.map { String($0) }.joined(separator: ", ")) ;
          time = \(hours.map { String($0) }.joined(separator: ", ")) ;
        \(data) }
        """)
    }

    /// Every file of a folder with its bytes (to prove a refused or failed run changed nothing).
    func snapshot(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return out
    }
}
