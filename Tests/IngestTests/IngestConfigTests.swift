import XCTest
import Config
import DatasetIO
import HensCore
import Spherical
import HensTestSupport
@testable import Ingest

/// `hens ingest --config`: YAML settings with unknown keys refused, options on top.
final class IngestConfigTests: IngestTestCase {
    let configs = URL(fileURLWithPath: samples).deletingLastPathComponent().appendingPathComponent("configs").path

    /// Decodes YAML text as if it were a file in the scratch folder.
    func decode(_ yaml: String) throws -> IngestRequest {
        var doc = try ConfigDocument(yaml: yaml, source: "test.yaml")
        return try IngestOptions.decode(&doc, folder: scratch)
    }

    func assertInvalid(_ yaml: String, _ fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try decode(yaml), line: line) { error in
            let e = error as? HensError
            XCTAssertEqual(e?.kind, .invalidArgument, "\(error)", line: line)
            XCTAssertTrue(e?.message.contains(fragment) == true, "‘\(error)’ lacks ‘\(fragment)’", line: line)
            XCTAssertTrue(e?.message.hasPrefix("test.yaml") == true, "names the file: \(error)", line: line)
        }
    }

    /// The shipped sample configuration ingests the real ERA5 sample onto F16.
    func testSampleConfigIngests() throws {
        var options = IngestOptions()
        options.config = configs + "/era5-sample.yaml"
        options.output = scratch + "/sample"
        let request = try options.request()
        XCTAssertEqual(request.files, [samples + "/era5-eda-oldcds.nc"], "inputs are relative to the configuration's folder")
        var ingest = DatasetIngest(request)
        try ingest.run()
        let train = try DatasetSplitReader(path: DatasetLayout.splitPath(request.output, "train"))
        let valid = try DatasetSplitReader(path: DatasetLayout.splitPath(request.output, "valid"))
        XCTAssertEqual(train.channels.map(\.name), ["z500", "z850", "t500", "t850"])
        XCTAssertEqual(train.latitudes.count, 32)
        XCTAssertEqual(train.longitudes.count, 64)
        XCTAssertEqual(train.attributes["trajectory_starts"], "2017-01-01T00:00:00")
        XCTAssertEqual(valid.attributes["trajectory_starts"], "2017-01-02T00:00:00")
        XCTAssertEqual(train.timeCount, 2)
        XCTAssertEqual(train.attributes["model_grid"], "legendre-gauss:32x64")
        XCTAssertEqual(train.attributes["regrid_method"], "conservative")
        XCTAssertEqual(train.attributes["split_ranges"], "train=2017-01-01; valid=2017-01-02")
        XCTAssertTrue(train.attributes["config"]?.contains("legendre-gauss:32x64") == true)
        let z500 = try train.read(channel: 0, trajectory: 0, timeIndex: 0).map { $0 / 9.80665 }
        XCTAssertGreaterThan(z500.min()!, 4700); XCTAssertLessThan(z500.max()!, 5950)
        XCTAssertEqual(try DatasetStatistics.read(from: DatasetLayout.statsPath(request.output)).channels, ["z500", "z850", "t500", "t850"])
    }

    /// Options replace the keys they name and leave the others.
    func testOptionsOverrideTheConfiguration() throws {
        let path = scratch + "/c.yaml"
        try """
        inputs: [a.nc]
        channels: [z500]
        grid: equiangular:31x60
        splits: {train: 1979..2015, test: 2018..}
        output: out
        """.write(toFile: path, atomically: true, encoding: .utf8)
        var options = IngestOptions()
        options.config = path
        let plain = try options.request()
        XCTAssertEqual(plain.files, [scratch + "/a.nc"])
        XCTAssertEqual(plain.output, scratch + "/out")
        XCTAssertEqual(plain.grid, try SphericalGrid(.equiangular, nlat: 31, nlon: 60))
        options.files = ["x.nc"]
        options.output = "elsewhere"
        options.grid = "native"
        options.splits = [("train", "2000..2010"), ("valid", "2011")]
        options.member = 4
        let r = try options.request()
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(r.files, [cwd + "/x.nc"], "command-line files are relative to the working folder")
        XCTAssertEqual(r.output, cwd + "/elsewhere")
        XCTAssertNil(r.grid)
        XCTAssertEqual(r.channels, ["z500"])
        XCTAssertEqual(r.member, 4)
        XCTAssertEqual(r.splits.map { "\($0.name)=\($0.range.text)" }, ["train=2000..2010", "valid=2011", "test=2018.."],
                       "an option replaces its split, the file's others stay, in split order")
        options.config = nil
        options.files = []
        XCTAssertThrowsError(try options.request()) { XCTAssertTrue("\($0)".contains("FILES"), "\($0)") }
        options.files = ["x.nc"]
        options.output = nil
        XCTAssertThrowsError(try options.request()) { XCTAssertTrue("\($0)".contains("--out"), "\($0)") }
        options.output = "out"
        options.member = -1
        assertThrows(try options.request(), kind: .invalidArgument, mentioning: ["--member must be ≥ 0, got -1"])
        options.member = nil
        options.splits = [("valid", "20x1")]
        assertThrows(try options.request(), mentioning: ["--valid"])
    }

    /// Unquoted YAML dates (which the parser turns into timestamps) are read back as written;
    /// glob patterns expand in sorted order.
    func testDatesAndGlobs() throws {
        for name in ["b-2.nc", "a-1.nc", "c.txt"] { _ = write(name, []) }
        let r = try decode("""
        inputs: ["*.nc", /abs/file.nc]
        splits:
          train: 2017-01-01
          valid: 2017-01-02..2017-02
          test: 2018
        allow_regional: yes
        member: 3
        trajectory_length: 4
        regrid: bilinear
        """)
        XCTAssertEqual(r.files, [scratch + "/a-1.nc", scratch + "/b-2.nc", "/abs/file.nc"])
        XCTAssertEqual(r.splits.map { "\($0.name)=\($0.range.text)" }, ["train=2017-01-01", "valid=2017-01-02..2017-02", "test=2018"])
        XCTAssertTrue(r.allowRegional)
        XCTAssertEqual(r.member, 3)
        XCTAssertEqual(r.trajectoryLength, 4)
        XCTAssertEqual(r.regrid, .bilinear)
        XCTAssertNil(r.grid)
        XCTAssertThrowsError(try decode("inputs: [nothing-*.nc]")) { XCTAssertTrue("\($0)".contains("matches no file"), "\($0)") }
    }

    /// Every bad key or value is one line naming the file and the key.
    func testBadKeysAndValues() {
        assertInvalid("inputs: [a.nc]\nchanels: [z500]", "unknown key 'chanels'")
        assertInvalid("grid: equiangular-121x240", "key 'grid': KIND:NLATxNLON")
        assertInvalid("grid: equiangular:1x240", "key 'grid'")
        assertInvalid("regrid: cubic", "key 'regrid': bilinear, conservative or spectral")
        assertInvalid("splits: {training: 1979..2015}", "splits.training is not a split")
        assertInvalid("splits: {train: 1979..2015, test: 2015..}", "splits.test': dates that no other split has; 2015.. overlaps train 1979..2015")
        XCTAssertNoThrow(try decode("splits: {train: 1979..2015, climate: 1990..2019}"), "the model climate may reuse training years")
        assertInvalid("splits: {train: 19x9}", "key 'splits.train': dates as YYYY")
        assertInvalid("splits: [1979, 2015]", "key 'splits' must be a mapping")
        assertInvalid("trajectory_length: 0", "'trajectory_length' must be ≥ 1")
        assertInvalid("member: -1", "'member' must be ≥ 0")
        assertInvalid("member: first", "'member' must be an integer")
        assertInvalid("allow_regional: maybe", "'allow_regional' must be true or false")
    }
}
