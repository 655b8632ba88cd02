import XCTest
import DatasetIO
import HensCore
import Spherical
@testable import Ingest

/// `hens ingest --append`: new times added to an existing dataset, nothing else changed.
final class AppendTests: IngestTestCase {
    let day1 = [0.0, 6, 12, 18], day2 = [24.0, 30, 36, 42]

    func append(_ files: [String], to dataset: String, configure: (inout IngestRequest) throws -> Void = { _ in }) throws -> [String] {
        var r = IngestRequest(files: files, output: dataset)
        r.append = true
        try configure(&r)
        var i = DatasetIngest(r)
        try i.run()
        return i.log
    }

    func statistics(_ dataset: String) throws -> DatasetStatistics {
        try DatasetStatistics.read(from: DatasetLayout.statsPath(dataset))
    }

    /// Ingesting day 1 and appending day 2 gives the same dataset as ingesting both at once:
    /// identical fields (regridded), trajectory starts and statistics, bit for bit.
    func testAppendEqualsOneIngest() throws {
        let a = try series(day1, variables: ["t2m", "msl"]), b = try series(day2, variables: ["t2m", "msl"])
        let grid = try SphericalGrid(.equiangular, nlat: 5, nlon: 8)
        let settings: (inout IngestRequest) throws -> Void = {
            $0.grid = grid
            $0.trajectoryLength = 4
            $0.splits = [("train", try DateRange("2000", option: "--train"))]
        }
        let whole = try ingest([a, b], out: "whole", configure: settings)
        let grown = try ingest([a], out: "grown", configure: settings)
        let before = try DatasetSplitReader(path: DatasetLayout.splitPath(grown, "train"))
        XCTAssertEqual(before.trajectoryCount, 1)
        XCTAssertEqual(before.attributes["model_grid"], "equiangular:5x8")
        XCTAssertEqual(before.attributes["regrid_method"], "conservative")
        before.close()
        let log = try append([b], to: grown)
        XCTAssertTrue(log.contains { $0.contains("stats.nc recomputed") }, "\(log)")

        let x = try DatasetSplitReader(path: DatasetLayout.splitPath(whole, "train"))
        let y = try DatasetSplitReader(path: DatasetLayout.splitPath(grown, "train"))
        XCTAssertEqual(y.trajectoryCount, 2)
        XCTAssertEqual(y.times, x.times)
        XCTAssertEqual(y.attributes["trajectory_starts"], "2000-01-01T00:00:00 2000-01-02T00:00:00")
        XCTAssertEqual(y.attributes["trajectory_starts"], x.attributes["trajectory_starts"])
        XCTAssertTrue(y.attributes["appended_sources"]?.contains(URL(fileURLWithPath: b).lastPathComponent) == true)
        // Determinism contract (A) for a resumed (appended) ingest: the same bits as one ingest.
        for c in 0..<2 { for k in 0..<2 { for t in 0..<4 {
            XCTAssertEqual(try y.read(channel: c, trajectory: k, timeIndex: t).map(\.bitPattern),
                           try x.read(channel: c, trajectory: k, timeIndex: t).map(\.bitPattern), "channel \(c) trajectory \(k) time \(t)")
        } } }
        XCTAssertEqual(try statistics(grown), try statistics(whole))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: grown).sorted(), ["stats.nc", "train.nc"],
                       "no working copies left, nor the first ingest's record (rerunning that ingest is no longer up to date)")
    }

    /// New times go to the split whose recorded dates hold them; a gap starts a new trajectory;
    /// times in no split are skipped; untouched splits and stats.nc stay byte for byte.
    func testTimesGoToTheirSplitAndGapsStartTrajectories() throws {
        let dataset = try ingest([try series(day1 + [48, 54, 60, 66])]) {
            $0.trajectoryLength = 2
            $0.splits = [("train", try DateRange("2000-01-01", option: "--train")),
                         ("test", try DateRange("2000-01-03..", option: "--test"))]
        }
        let before = try snapshot(dataset)
        // Jan 2 (no split), Jan 4 00/06, then a gap, Jan 4 18 + Jan 5 00, and a lone Jan 5 12.
        let log = try append([try series([24, 72, 78, 90, 96, 108])], to: dataset)
        XCTAssertTrue(log.contains { $0.contains("1 time(s) fall in no split") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("test: 2 trajectory(ies) × 2 time(s) every 6 h, 1 time(s) left over") }, "\(log)")
        let after = try snapshot(dataset)
        XCTAssertEqual(after["train.nc"], before["train.nc"], "train.nc untouched")
        XCTAssertEqual(after["stats.nc"], before["stats.nc"], "stats.nc stays the training split's")
        let test = try DatasetSplitReader(path: DatasetLayout.splitPath(dataset, "test"))
        XCTAssertEqual(test.trajectoryCount, 4)
        XCTAssertEqual(test.attributes["trajectory_starts"],
                       "2000-01-03T00:00:00 2000-01-03T12:00:00 2000-01-04T00:00:00 2000-01-04T18:00:00")
        // The last appended trajectory holds Jan 4 18Z and Jan 5 00Z.
        let expected = try DatasetSplitReader(path: DatasetLayout.splitPath(try ingest([try series([90, 96])], out: "check"), "train"))
        XCTAssertEqual(try test.read(channel: 0, trajectory: 3, timeIndex: 1), try expected.read(channel: 0, trajectory: 0, timeIndex: 1))
        // The left-over Jan 5 12Z was not written, so it may come again with the times after it.
        _ = try append([try series([108, 114])], to: dataset)
        XCTAssertEqual(try DatasetSplitReader(path: DatasetLayout.splitPath(dataset, "test")).trajectoryCount, 5)
    }

    /// Every refusal names the problem in one line and leaves the dataset byte for byte as it was.
    func testRefusalsLeaveTheDatasetUntouched() throws {
        let dataset = try ingest([try series(day1)], out: "ds") { $0.trajectoryLength = 4 }
        let before = try snapshot(dataset)
        func refused(_ files: [String], _ fragment: String, line: UInt = #line,
                     configure: (inout IngestRequest) throws -> Void = { _ in }) {
            XCTAssertThrowsError(try append(files, to: dataset, configure: configure), line: line) { error in
                let message = (error as? HensError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains(fragment), "‘\(message)’ lacks ‘\(fragment)’", line: line)
                XCTAssertFalse(message.contains("\n"), line: line)
                XCTAssertNotEqual((error as? HensError)?.exitCode ?? 0, 0, line: line)
            }
            XCTAssertEqual(try snapshot(dataset), before, "dataset unchanged", line: line)
        }
        let next = try series(day2)
        refused([try series(day1)], "time 2000-01-01T00:00:00 is already in the dataset (train.nc)")
        refused([try series([18, 24, 30, 36])], "is already in the dataset")
        refused([try series(day2, nlon: 6)], "differs from the dataset's inputs (7×12")
        refused([try series(day2, variables: ["msl"])], "channel 't2m' is in none of the inputs")
        refused([next], "--append keeps the dataset's channels t2m") { $0.channels = ["msl"] }
        refused([next], "--append keeps the dataset's ensemble member 0") { $0.member = 2 }
        refused([next], "--append keeps the dataset's grid native") { $0.grid = try SphericalGrid(.equiangular, nlat: 5, nlon: 8) }
        refused([next], "--append keeps train.nc's 4 time(s) per trajectory") { $0.trajectoryLength = 2 }
        refused([next], "keeps the split ranges recorded") { $0.splits = [("train", try DateRange("1999..", option: "--train"))] }
        refused([try series([3])], "comes before the end of train.nc (2000-01-01T18:00:00)")
        refused([try series([24, 27, 30, 33])], "time step 3 h differs from train.nc's 6 h")
        refused([try series([24, 30])], "make no complete trajectory in any split; nothing was appended")
        refused([next], "cannot be combined with --overwrite") { $0.overwrite = true }
        XCTAssertThrowsError(try append([next], to: scratch + "/nothing")) {
            XCTAssertTrue("\($0)".contains("holds no dataset to append to"), "\($0)")
        }
        // Without --append, an existing dataset is refused with a hint at both options.
        XCTAssertThrowsError(try ingest([next], out: "ds")) { XCTAssertTrue("\($0)".contains("--append"), "\($0)") }
    }

    /// A failure half-way (a field missing everywhere in the second split's times) discards the
    /// already extended working copy of the first split too: all or nothing.
    func testFailureHalfWayChangesNothing() throws {
        let dataset = try ingest([try series(day1 + [48, 54, 60, 66])]) {
            $0.trajectoryLength = 2
            $0.splits = [("train", try DateRange("..2000-01-02", option: "--train")),
                         ("test", try DateRange("2000-01-03..", option: "--test"))]
        }
        let before = try snapshot(dataset)
        let bad = try series([24, 30, 72, 78]) { _, hour in hour == 78 }
        XCTAssertThrowsError(try append([bad], to: dataset)) { error in
            XCTAssertTrue("\(error)".contains("missing everywhere at 2000-01-04T06:00:00"), "\(error)")
        }
        XCTAssertEqual(try snapshot(dataset), before, "train.nc, test.nc and stats.nc unchanged, no working copies")
    }

    /// Datasets that do not record how they were made (the shallow-water generator's, or
    /// ingests from before --append) are refused rather than guessed at.
    func testDatasetWithoutIngestRecordIsRefused() throws {
        let folder = scratch + "/swe"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let writer = try DatasetSplitWriter(path: DatasetLayout.splitPath(folder, "train"), channels: [ChannelInfo(name: "t2m", units: "K")],
                                            latitudes: [45, -45], longitudes: [0, 180], times: [0], timeUnits: "hours since 2000-01-01",
                                            trajectories: 1)
        try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: [1, 2, 3, 4])
        try writer.finish()
        try DatasetStatistics(channels: ["t2m"], mean: [0], std: [1], tendencyStd: [0]).write(to: DatasetLayout.statsPath(folder))
        XCTAssertThrowsError(try append([try series(day2)], to: folder)) {
            XCTAssertTrue("\($0)".contains("no 'split_ranges' attribute"), "\($0)")
        }
    }
}
