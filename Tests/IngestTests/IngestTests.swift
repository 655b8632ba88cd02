import XCTest
import DatasetIO
import HensCore
import Spherical
@testable import Ingest

final class IngestTests: IngestTestCase {
    /// Old-CDS (int16 packed, NetCDF-3) and new-CDS (float, NetCDF-4, levels reversed, member
    /// first) ERA5 files of the same fields ingest to the same values within half a packing step.
    func testOldAndNewCDSLayoutsAgree() throws {
        let old = try ingest([samples + "/era5-eda-oldcds.nc"], out: "old") { $0.channels = ["z500", "t850"]; $0.member = 3 }
        let new = try ingest([samples + "/era5-eda-newcds.nc"], out: "new") { $0.channels = ["z500", "t850"]; $0.member = 3 }
        for (channel, halfStep) in [("z500", 0.746342 / 2), ("t850", 0.00124688 / 2)] {
            let a = try read(old, channel), b = try read(new, channel)
            XCTAssertEqual(a.count, 4 * 61 * 120)
            let worst = zip(a, b).map { abs(Double($0) - Double($1)) }.max()!
            XCTAssertLessThanOrEqual(worst, halfStep * 1.05 + Double(a.map(abs).max()!) * 6e-8, channel)
        }
        // Sanity (data.md §6): z500 in 4736–5929 gpm, t850 in 236–306 K.
        let z = try read(old, "z500").map { $0 / 9.80665 }, t = try read(old, "t850")
        XCTAssertGreaterThan(z.min()!, 4700); XCTAssertLessThan(z.max()!, 5950)
        XCTAssertGreaterThan(t.min()!, 230); XCTAssertLessThan(t.max()!, 310)
        let reader = try DatasetSplitReader(path: DatasetLayout.splitPath(old, "train"))
        XCTAssertEqual(reader.latitudes.first, 90); XCTAssertEqual(reader.longitudes.first, 0)
        XCTAssertEqual(reader.times, [0, 12, 24, 36])
        XCTAssertEqual(reader.timeUnits, "hours since 2017-01-01 00:00:00")
        XCTAssertEqual(reader.channels.map(\.units), ["m2 s-2", "K"])
        XCTAssertTrue(reader.attributes["channel_sources"]?.contains("era5-eda-oldcds.nc:z") == true)
        XCTAssertEqual(reader.attributes["ensemble_member"], "3")
        // Members differ.
        let m0 = try read(try ingest([samples + "/era5-eda-oldcds.nc"], out: "m0") { $0.channels = ["z500"] }, "z500")
        XCTAssertNotEqual(m0, try read(old, "z500"))
        XCTAssertNotNil(try DatasetStatistics.read(from: DatasetLayout.statsPath(old)))
    }

    /// NCEP: int16 packing without offset, descending latitudes, regional (needs the flag),
    /// date-range splits, gpm → geopotential and scalar-level coordinates.
    func testNCEPSamplesAndSplits() throws {
        let ds = try ingest([samples + "/ncep-air-small.nc"]) {
            $0.allowRegional = true
            $0.splits = [("train", try DateRange("2014-02-24..2014-02-26", option: "--train")),
                         ("test", try DateRange("2014-02-27..", option: "--test"))]
        }
        let train = try DatasetSplitReader(path: DatasetLayout.splitPath(ds, "train"))
        let test = try DatasetSplitReader(path: DatasetLayout.splitPath(ds, "test"))
        XCTAssertEqual(train.timeCount, 12); XCTAssertEqual(test.timeCount, 8)
        XCTAssertEqual(train.channels.map(\.name), ["t2m"])
        XCTAssertEqual(train.latitudes.first, 75)
        let air = try read(ds, "t2m")
        XCTAssertGreaterThan(air.min()!, 185); XCTAssertLessThan(air.max()!, 323) // actual_range 185.16–322.1 K
        let u = try ingest([samples + "/ncep-uwnd-global.nc"], out: "u") { $0.trajectoryLength = 1 }
        XCTAssertEqual(try DatasetSplitReader(path: DatasetLayout.splitPath(u, "train")).channels.map(\.name), ["u200"])
        let gfs = try ingest([samples + "/gfs-2p5deg.nc"], out: "gfs") { $0.channels = ["z500", "msl"] }
        let z500 = try read(gfs, "z500").map { $0 / 9.80665 }
        XCTAssertGreaterThan(z500.min()!, 4600); XCTAssertLessThan(z500.max()!, 6000) // gpm × g, back in gpm
    }

    /// Onto a model grid: conservative regridding keeps the area mean (to ~1e-4 of z500's size).
    func testRegriddedOntoModelGrid() throws {
        let native = try ingest([samples + "/era5-eda-oldcds.nc"], out: "native") { $0.channels = ["z500"] }
        let target = try SphericalGrid(.legendreGauss, nlat: 32, nlon: 64)
        let coarse = try ingest([samples + "/era5-eda-oldcds.nc"], out: "coarse") { $0.channels = ["z500"]; $0.grid = target }
        let reader = try DatasetSplitReader(path: DatasetLayout.splitPath(coarse, "train"))
        XCTAssertEqual(reader.latitudes.count, 32)
        XCTAssertEqual(reader.latitudes[0], target.latitudesDegrees[0], accuracy: 1e-9)
        let a = try read(native, "z500"), b = try read(coarse, "z500")
        func mean(_ v: [Float], _ weights: [Double], _ nlon: Int) -> Double {
            var s = 0.0, w = 0.0
            for (i, x) in v.prefix(weights.count * nlon).enumerated() { s += weights[i / nlon] * Double(x); w += weights[i / nlon] }
            return s / w
        }
        // Native 3° grid with poles: cell areas ∝ sin-latitude differences of the cell edges.
        let lat = (0..<61).map { 90 - 3 * Double($0) }
        let nativeWeights = lat.map { l in sin(min(90, l + 1.5) * .pi / 180) - sin(max(-90, l - 1.5) * .pi / 180) }
        XCTAssertEqual(mean(b, target.weights, 64), mean(a, nativeWeights, 120), accuracy: 1e-4 * 55_000)
    }

    func testMissingValuesBecomeNaN() throws {
        let ds = try ingest([samples + "/missing-values.nc"], out: "mv") { $0.trajectoryLength = 1 }
        let v = try read(ds, "t2m")
        let missing = v.filter(\.isNaN).count
        XCTAssertEqual(missing, 10_808 + 10_891) // the GRIB bitmap's missing points, per PROVENANCE.md
    }

    // MARK: Bad input: each one line naming the file, a non-zero exit kind, nothing written.

    func testBadInputCorpus() throws {
        let good = try netcdf(cdl())
        assertRefused([write("trunc.nc", [0x43, 0x44, 0x46, 0x01, 0, 0, 0, 1])], "trunc.nc")
        assertRefused([write("empty.nc", [])], "empty file")
        assertRefused([write("text.nc", Array("time,t2m\n0,273\n".utf8))], "not a NetCDF file")
        assertRefused([write("cds.nc", [0x50, 0x4B, 0x03, 0x04, 20, 0])], "unzip")
        assertRefused([write("era5.nc", Array("GRIB\u{0}\u{0}\u{1}".utf8))], "grib_to_netcdf")
        assertRefused([try netcdf(cdl(lat: "87.1, 0.5, -87.1"))], "not uniformly spaced")
        assertRefused([good], "channel 'z500' is in none of the inputs (they provide: t2m)") { $0.channels = ["z500"] }
        assertRefused([try netcdf(cdl(units: "furlongs"))], "unknown units 'furlongs'")
        assertRefused([try netcdf(cdl(data: (0..<36).map { $0 < 12 ? "NaN" : "1" }.joined(separator: ", ")))], "missing everywhere")
        assertRefused([try netcdf(cdl(time: "0, 6, 6"))], "duplicate time 2000-01-01T06:00:00")
        assertRefused([try netcdf(cdl(time: "0, 12, 6"))], "not increasing")
        assertRefused([try netcdf(cdl(timeUnits: "months since 2000-01-01"))], "not a fixed length")
        let otherGrid = try netcdf(cdl(lat: "60, 0, -60").replacingOccurrences(of: "time = 0, 6, 12", with: "time = 18, 24, 30"))
        assertRefused([good, otherGrid], "differs from")
        assertRefused([good, good], "is also in")
        assertRefused([try netcdf(cdl(lat: "60, 55, 50"))], "regional grid")
        assertRefused([samples + "/era5-eda-oldcds.nc"], "--member 10") { $0.member = 10 }
        assertRefused([good], "holds no time") { $0.splits = [("train", try DateRange("1999", option: "--train"))] }
        assertRefused([scratch + "/nope.nc"], "no such file")
        // Output problems: a parent path that is a file, and an existing dataset.
        let blocker = write("blocker", Array("x".utf8))
        XCTAssertThrowsError(try { var i = DatasetIngest(IngestRequest(files: [good], output: blocker + "/ds")); try i.run() }()) {
            XCTAssertTrue("\($0)".contains("is a file, not a folder"), "\($0)")
        }
        _ = try ingest([good], out: "existing")
        // The same request again finds its dataset complete (a rerun, e.g. after a kill): nothing to do.
        var again = DatasetIngest(IngestRequest(files: [good], output: scratch + "/existing"))
        try again.run()
        XCTAssertTrue(again.upToDate)
        XCTAssertThrowsError(try ingest([good], out: "existing") { $0.trajectoryLength = 1 }) { XCTAssertTrue("\($0)".contains("--overwrite"), "\($0)") }
        XCTAssertNoThrow(try ingest([good], out: "existing") { $0.overwrite = true })
    }
}
