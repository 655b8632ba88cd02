import XCTest
import DatasetIO
import HensCore
@testable import Ingest

/// ERA5/ERA5T mixes (`expver`), on fixtures that copy the real layouts (no package on Debian or
/// PyPI ships such a file; see data-samples/PROVENANCE.md, "Fixtures built by the tests").
final class ExpverTests: IngestTestCase {
    /// Old-CDS (`grib_to_netcdf`) layout of a request straddling the ERA5 → ERA5T boundary, as in
    /// the `ncdump -h` that ECMWF publishes ("ERA5 CDS requests which return a mixture of ERA5 and
    /// ERA5T data"): a 4-D `short t2m(time, expver, latitude, longitude)`, `int expver(expver)`
    /// listed as 5, 1 (ERA5T first), each time valid in one version only and −32767 (fill) in the
    /// other. Here ERA5 (1) holds 2019-11-30 and ERA5T (5) 2019-12-01, six-hourly. Two points
    /// test the rules beyond that: one missing in both versions (stays missing) and one present
    /// in both (final ERA5 wins).
    static let oldCDSMix: String = {
        let missingBoth = (time: 2, point: 5), inBoth = (time: 6, point: 7)
        var values: [String] = []
        for t in 0..<8 {
            for slot in 0..<2 {           // slot 0: expver 5 (ERA5T), slot 1: expver 1 (ERA5)
                let holds = t < 4 ? slot == 1 : slot == 0
                for i in 0..<12 {
                    let packed = 1000 * t + 100 * i - 5000
                    if (t, i) == missingBoth { values.append("-32767"); continue }
                    if (t, i) == inBoth { values.append(String(slot == 1 ? packed + 1 : packed)); continue }
                    values.append(holds ? String(packed) : "-32767")
                }
            }
        }
        return """
        netcdf era5t_mix {
        dimensions: longitude = 4 ; latitude = 3 ; expver = 2 ; time = 8 ;
        variables:
          float longitude(longitude) ; longitude:units = "degrees_east" ; longitude:long_name = "longitude" ;
          float latitude(latitude) ; latitude:units = "degrees_north" ; latitude:long_name = "latitude" ;
          int expver(expver) ; expver:long_name = "expver" ;
          int time(time) ; time:units = "hours since 1900-01-01 00:00:00.0" ; time:long_name = "time" ; time:calendar = "gregorian" ;
          short t2m(time, expver, latitude, longitude) ;
            t2m:scale_factor = 0.002 ; t2m:add_offset = 260. ; t2m:_FillValue = -32767s ; t2m:missing_value = -32767s ;
            t2m:units = "K" ; t2m:long_name = "2 metre temperature" ;
        :Conventions = "CF-1.6" ;
        data:
          longitude = 0, 90, 180, 270 ; latitude = 90, 0, -90 ; expver = 5, 1 ;
          time = \((0..<8).map { String(1_051_128 + 6 * $0) }.joined(separator: ", ")) ;
          t2m = \(values.joined(separator: ", ")) ;
        }
        """
    }()

    func testOldCDSExpverDimensionCollapses() throws {
        let path = try netcdf(Self.oldCDSMix, format: "64-bit-offset")
        let dataset = try ingest([path]) { $0.trajectoryLength = 8 }
        let reader = try DatasetSplitReader(path: DatasetLayout.splitPath(dataset, "train"))
        XCTAssertEqual(reader.trajectoryCount, 1, "Nov 30 (ERA5) and Dec 1 (ERA5T) join into one run")
        XCTAssertEqual(reader.attributes["trajectory_starts"], "2019-11-30T00:00:00")
        let t2m = try read(dataset, "t2m")
        XCTAssertEqual(t2m.count, 8 * 12)
        for t in 0..<8 {
            for i in 0..<12 {
                let value = t2m[t * 12 + i]
                if (t, i) == (2, 5) { XCTAssertTrue(value.isNaN, "missing in both versions stays missing"); continue }
                let packed = 1000 * t + 100 * i - 5000 + ((t, i) == (6, 7) ? 1 : 0)  // ERA5 (expver 1) wins
                XCTAssertEqual(value, Float(Double(packed) * 0.002 + 260), "time \(t) point \(i)")
            }
        }
        let report = try Inspection(path: path).text
        XCTAssertTrue(report.contains("expver: dimension expver = [5, 1]"), report)
        XCTAssertTrue(report.contains("t2m(time, expver, latitude, longitude) short"), report)
        XCTAssertTrue(report.contains("→ t2m [K]"), report)
    }

    /// New-CDS layout of the same situation: no dimension, a `string expver(valid_time)` that
    /// says which version each time came from (data.md §3b); nothing to collapse.
    func testNewCDSExpverStringIsReportedAndIgnored() throws {
        let path = try netcdf("""
        netcdf newcds_mix {
        dimensions: valid_time = 4 ; latitude = 3 ; longitude = 4 ;
        variables:
          int64 valid_time(valid_time) ; valid_time:units = "seconds since 1970-01-01" ;
            valid_time:calendar = "proleptic_gregorian" ; valid_time:standard_name = "time" ;
          double latitude(latitude) ; latitude:_FillValue = NaN ; latitude:units = "degrees_north" ;
          double longitude(longitude) ; longitude:_FillValue = NaN ; longitude:units = "degrees_east" ;
          string expver(valid_time) ;
          float t2m(valid_time, latitude, longitude) ; t2m:_FillValue = NaNf ; t2m:units = "K" ;
            t2m:standard_name = "unknown" ; t2m:GRIB_shortName = "2t" ;
            t2m:coordinates = "number valid_time latitude longitude expver" ;
        data:
          valid_time = 1575072000, 1575093600, 1575115200, 1575136800 ;
          latitude = 90, 0, -90 ; longitude = 0, 90, 180, 270 ; expver = "0001", "0001", "0005", "0005" ;
          t2m = \((0..<48).map { String(250 + $0) }.joined(separator: ", ")) ;
        }
        """)
        let dataset = try ingest([path])
        XCTAssertEqual(try read(dataset, "t2m"), (0..<48).map { Float(250 + $0) })
        let report = try Inspection(path: path).text
        XCTAssertTrue(report.contains("expver: per time (valid_time): 0001 ×2, 0005 ×2"), report)
    }
}
