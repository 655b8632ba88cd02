import XCTest
import DatasetIO
@testable import Ingest
import HensTestSupport

/// Builds a NetCDF file from CDL text with `ncgen` (netcdf-bin, installed by `make deps`), in
/// the per-process test folder (removed when the test bundle finishes).
func netcdf(_ cdl: String, format: String = "nc4", file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let base = SharedTemporaryFolder.unique("ncgen")
    try cdl.write(toFile: base + ".cdl", atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: base + ".cdl") }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/ncgen")
    p.arguments = ["-k", format, "-o", base + ".nc", base + ".cdl"]
    try p.run()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "ncgen failed", file: file, line: line)
    return base + ".nc"
}

/// Writes raw bytes to `path`, failing the test if the file cannot be created.
@discardableResult
func writeFile(_ path: String, _ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot create \(path)", file: file, line: line)
    return path
}

final class DecodingTests: XCTestCase {
    /// A small old-CDS-like file: int16 packing with fill, descending latitude, levels in
    /// millibars, an ensemble dimension.
    let oldCDS = """
    netcdf era5 {
    dimensions: longitude = 4 ; latitude = 3 ; level = 2 ; number = 2 ; time = 2 ;
    variables:
      float longitude(longitude) ; longitude:units = "degrees_east" ;
      float latitude(latitude) ; latitude:units = "degrees_north" ;
      int level(level) ; level:units = "millibars" ;
      int number(number) ; number:long_name = "ensemble_member" ;
      int time(time) ; time:units = "hours since 1900-01-01 00:00:00.0" ; time:calendar = "gregorian" ;
      short z(time, number, level, latitude, longitude) ;
        z:scale_factor = 0.5 ; z:add_offset = 50000. ; z:_FillValue = -32767s ; z:missing_value = -32767s ;
        z:units = "m**2 s**-2" ; z:standard_name = "geopotential" ;
      short t2m(time, latitude, longitude) ; t2m:scale_factor = 0.01 ; t2m:add_offset = 273.15 ; t2m:units = "K" ;
    data:
      longitude = 0, 90, 180, 270 ; latitude = 90, 0, -90 ; level = 500, 850 ; number = 0, 1 ;
      time = 1025616, 1025628 ;
      z = -32767, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 ;
      t2m = 0, 100, -100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 ;
    }
    """

    func testUnpackingMasksInPackedSpace() throws {
        let source = try NetCDFReader(path: try netcdf(oldCDS, format: "64-bit-offset"))
        XCTAssertEqual(source.kind, .netcdf3Offset64)
        let z = try XCTUnwrap(source.variable("z"))
        XCTAssertEqual(z.typeName, "short")
        XCTAssertEqual(z.dimensions, ["time", "number", "level", "latitude", "longitude"])
        let values = Unpacking(z).decode(try source.readDoubles(z, start: [0, 0, 0, 0, 0], count: [1, 1, 1, 1, 4]))
        XCTAssertTrue(values[0].isNaN)
        XCTAssertEqual(values[1], 50_001)
        XCTAssertEqual(values[3], 50_003)
        let t2m = try XCTUnwrap(source.variable("t2m"))
        let t = Unpacking(t2m).decode(try source.readDoubles(t2m, start: [0, 0, 0], count: [1, 1, 3]))
        XCTAssertEqual(t[1], 274.15, accuracy: 1e-4)
        XCTAssertEqual(t[2], 272.15, accuracy: 1e-4)
    }

    func testUnsignedAndValidRange() throws {
        let path = try netcdf("""
        netcdf u { dimensions: x = 4 ; variables:
          byte b(x) ; b:_Unsigned = "true" ; b:scale_factor = 1. ;
          float f(x) ; f:valid_range = 0.f, 10.f ; f:_FillValue = NaNf ;
        data: b = 1, -1, 127, -128 ; f = -1, 5, 11, NaN ; }
        """, format: "classic")
        let s = try NetCDFReader(path: path)
        let b = try XCTUnwrap(s.variable("b")), f = try XCTUnwrap(s.variable("f"))
        XCTAssertEqual(Unpacking(b).decode(try s.readDoubles(b)), [1, 255, 127, 128])
        let decoded = Unpacking(f).decode(try s.readDoubles(f))
        XCTAssertTrue(decoded[0].isNaN); XCTAssertEqual(decoded[1], 5); XCTAssertTrue(decoded[2].isNaN); XCTAssertTrue(decoded[3].isNaN)
    }

    func testAxisRolesFollowCFThenNames() throws {
        let path = try netcdf("""
        netcdf a { dimensions: latitude = 2 ; lon = 3 ; t = 1 ; p = 1 ; realization = 2 ; FNOCY = 2 ;
        variables:
          double latitude(latitude) ; latitude:units = "degrees" ;
          double lon(lon) ; lon:axis = "X" ;
          double t(t) ; t:units = "days since 2000-01-01" ;
          double p(p) ; p:units = "Pa" ;
          int realization(realization) ; realization:standard_name = "realization" ;
        data: latitude = 1, 2 ; lon = 0, 1, 2 ; t = 0 ; p = 50000 ; realization = 0, 1 ; }
        """)
        let s = try NetCDFReader(path: path)
        let role = { (name: String) in CoordinateAxes.role(of: s.variable(name), name: name) }
        XCTAssertEqual(role("latitude"), .latitude)   // "degrees" is ambiguous: by name
        XCTAssertEqual(role("lon"), .longitude)
        XCTAssertEqual(role("t"), .time)
        XCTAssertEqual(role("p"), .vertical)
        XCTAssertEqual(role("realization"), .member)
        XCTAssertEqual(role("FNOCY"), .latitude)      // no coordinate variable: by name
    }

    func testVariableTableAndUnits() throws {
        let gh = try XCTUnwrap(VariableTable.lookup(name: "gh"))
        XCTAssertEqual(try UnitConversion(from: "gpm", for: gh, variable: "gh").factor, 9.80665)
        XCTAssertEqual(VariableTable.channelName(gh, levelHPa: 500), "z500")
        let slp = try XCTUnwrap(VariableTable.lookup(name: "slp"))
        XCTAssertEqual(try UnitConversion(from: "hPa", for: slp, variable: "slp").factor, 100)
        XCTAssertEqual(VariableTable.channelName(slp, levelHPa: nil), "msl")
        let air = try XCTUnwrap(VariableTable.lookup(name: "AIR"))
        XCTAssertEqual(try UnitConversion(from: "degC", for: air, variable: "AIR").offset, 273.15)
        XCTAssertEqual(try UnitConversion(from: "degK", for: air, variable: "AIR"), .identity)
        // New CDS: surface variables carry standard_name "unknown": found by name or GRIB_shortName.
        XCTAssertEqual(VariableTable.lookup(name: "var167", gribShortName: "2t", standardName: "unknown")?.surfaceChannel, "t2m")
        XCTAssertEqual(VariableTable.lookup(name: "foo", standardName: "geopotential_height")?.isHeight, true)
        XCTAssertNil(VariableTable.lookup(name: "foo", standardName: "unknown"))
        XCTAssertThrowsError(try UnitConversion(from: "furlongs", for: air, variable: "AIR")) { error in
            XCTAssertTrue("\(error)".contains("'AIR'") && "\(error)".contains("furlongs"))
        }
    }

    func testInspectionReportsMappingAndProblems() throws {
        let report = try Inspection(path: try netcdf(oldCDS, format: "64-bit-offset"))
        XCTAssertTrue(report.text.contains("NetCDF-3 64-bit offset"), report.text)
        XCTAssertTrue(report.text.contains("missing -32767 → z500, z850 [m2 s-2]"), report.text)
        XCTAssertTrue(report.text.contains("packed ×0.01 +273.15 → t2m [K]"), report.text)
        XCTAssertTrue(report.text.contains("2017-01-01T00:00:00 → 2017-01-01T12:00:00, step 12 h"), report.text)
        XCTAssertTrue(report.text.contains("ensemble dim 'number'"), report.text)
        XCTAssertTrue(report.text.contains("lat 90→-90 (north first)"), report.text)
        XCTAssertTrue(report.problems.isEmpty, "\(report.problems)")

        let regional = try Inspection(path: try netcdf("""
        netcdf r { dimensions: lat = 3 ; lon = 4 ; time = 3 ;
        variables: float lat(lat) ; lat:units = "degrees_north" ; float lon(lon) ; lon:units = "degrees_east" ;
          double time(time) ; time:units = "hours since 1800-01-01" ;
          short air(time, lat, lon) ; air:units = "furlongs" ; air:scale_factor = 0.01f ;
        data: lat = 75, 72.5, 70 ; lon = 200, 202.5, 205, 207.5 ; time = 6, 0, 0 ; }
        """))
        let text = regional.problems.joined(separator: "\n")
        XCTAssertTrue(text.contains("regional"), text)
        XCTAssertTrue(text.contains("furlongs"), text)
        XCTAssertTrue(text.contains("duplicate times"), text)
        XCTAssertTrue(text.contains("not increasing"), text)
    }

    /// A file without a time dimension (cfgrib's GFS forecast: scalar `time`, `step`,
    /// `valid_time`) shows its time values, not "none".
    func testInspectionShowsScalarTimes() throws {
        let gfs = samples + "/gfs-2p5deg.nc"
        let report = try Inspection(path: gfs)
        let line = try XCTUnwrap(report.lines.first { $0.hasPrefix("time:") }, report.text)
        XCTAssertEqual(line, "time: 1 (scalar) — valid_time = 2011-10-11T00:00:00, time (forecast_reference_time) = 2011-10-08T00:00:00, "
                           + "step = 72 hours, proleptic_gregorian calendar [ingest uses valid_time]")
        XCTAssertTrue(report.problems.isEmpty, "\(report.problems)")
        // A file with no time at all still says so.
        let timeless = try Inspection(path: try netcdf("""
        netcdf n { dimensions: lat = 3 ; lon = 4 ;
        variables: double lat(lat) ; lat:units = "degrees_north" ; double lon(lon) ; lon:units = "degrees_east" ;
          float t2m(lat, lon) ; t2m:units = "K" ;
        data: lat = 90, 0, -90 ; lon = 0, 90, 180, 270 ; }
        """))
        XCTAssertTrue(timeless.text.contains("time: none (no time dimension and no scalar time coordinate)"), timeless.text)
    }

    func testNonNetCDFInputsGetAdvice() throws {
        let dir = SharedTemporaryFolder.unique("bad")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, [UInt8], String)] = [
            ("zip.nc", [0x50, 0x4B, 0x03, 0x04, 0, 0], "unzip"),
            ("grib.nc", Array("GRIB\u{0}\u{0}".utf8), "grib_to_netcdf"),
            ("empty.nc", [], "empty"),
            ("text.nc", Array("hello, I am text\n".utf8), "not a NetCDF file"),
            ("truncated.nc", [0x43, 0x44, 0x46, 0x01, 0, 0, 0], "truncated: the header runs past the end of the file"),
        ]
        for (name, bytes, fragment) in cases {
            let path = writeFile(dir + "/" + name, bytes)
            XCTAssertThrowsError(try NetCDFReader(path: path), name) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(path) && message.contains(fragment), "\(name): \(message)")
                XCTAssertFalse(message.contains("\n"))
            }
        }
        XCTAssertThrowsError(try NetCDFReader(path: dir + "/missing.nc")) { XCTAssertTrue("\($0)".contains("no such file")) }
        XCTAssertThrowsError(try NetCDFReader(path: dir)) { XCTAssertTrue("\($0)".contains("folder")) }
    }
}
