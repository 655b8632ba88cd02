import DatasetIO
import Foundation
import HensCore
import SFNO
import Spherical
import Training
import XCTest
@testable import Ensemble
import HensTestSupport

/// The skill table file, the amplitudes derived from it, and one end-to-end computation with a
/// tiny random-weight SFNO on a tiny data set.
final class SkillTableTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryFolder("hens-skill")
    }

    private func table() -> SkillTable {
        SkillTable(checkpoint: "runs/seed-1/checkpoint.nc", checkpointSHA256: String(repeating: "ab", count: 32),
                   dataset: "dataset", split: "valid", samples: 8, channels: ["z500", "t850"], units: ["m2 s-2", "K"],
                   stepHours: 6, leads: [1, 2, 3], rmse: [[50, 120, 200], [0.5, 1.1, 1.7]],
                   rmseNormalised: [[0.05, 0.12, 0.2], [0.1, 0.22, 0.34]],
                   persistenceRMSE: [[300, 500, 650], [2, 3, 3.5]], climatologyRMSE: [[900, 900, 900], [5, 5, 5]])
    }

    // MARK: File

    func testJSONRoundTrip() throws {
        var original = table()
        original.climatologyRMSE[1][2] = .infinity   // JSON has no infinity: spelled out and read back
        let path = dir + "/skill.json"
        try original.write(to: path)
        let back = try SkillTable.read(path: path)
        XCTAssertEqual(back, original)
        XCTAssertEqual(back.source, path)
        XCTAssertEqual(back.format, "hens-skill")
        XCTAssertEqual(back.version, 1)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in ["\"checkpoint_sha256\"", "\"step_hours\"", "\"rmse_normalised\"", "\"persistence_rmse\"",
                    "\"climatology_rmse\""] {
            XCTAssertTrue(text.contains(key), key)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"), "no temporary file left behind")
    }

    func testBadFilesAreNamed() throws {
        let path = dir + "/bad.json"
        XCTAssertTrue(errorMessage { try SkillTable.read(path: path) }.contains("\(path): cannot read"))
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(errorMessage { try SkillTable.read(path: path) }.contains("\(path): not a JSON object"))
        try #"{"format": "hens-metrics", "version": 1}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(errorMessage { try SkillTable.read(path: path) }.contains("format is 'hens-metrics', expected 'hens-skill'"))
        try #"{"format": "hens-skill", "version": 2}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(errorMessage { try SkillTable.read(path: path) }.contains("version 2 is not supported"))
        try #"{"format": "hens-skill", "version": 1}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(errorMessage { try SkillTable.read(path: path) }.contains("\(path): malformed skill table (missing key"))
        var short = table()
        short.rmse[1].removeLast()
        let encoder = JSONEncoder()
        try encoder.encode(short).write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(errorMessage { try SkillTable.read(path: path) }.contains("'rmse' must be 2 channels × 3 leads"))
    }

    // MARK: Amplitudes

    func testAmplitudesAreFactorTimesRMSE() throws {
        let t = table()
        XCTAssertEqual(try t.amplitudes(channels: ["t850", "z500"], lead: 2, factor: 0.35), [0.35 * 1.1, 0.35 * 120])
        XCTAssertEqual(try t.amplitudes(channels: ["z500"], lead: try t.leadSteps(hours: 18), factor: 1), [200])
        XCTAssertEqual(try t.amplitudes(channels: [], lead: 1, factor: 1), [])
    }

    func testAmplitudeErrors() throws {
        let t = table()
        XCTAssertTrue(errorMessage { try t.amplitudes(channels: ["z500", "q700"], lead: 1, factor: 1) }
            .contains("channels of skill table of runs/seed-1/checkpoint.nc (z500, t850), got 'q700'"))
        XCTAssertTrue(errorMessage { try t.amplitudes(channels: ["z500"], lead: 4, factor: 1) }.contains("steps 1…3, 6 h each), got 4"))
        XCTAssertTrue(errorMessage { try t.amplitudes(channels: ["z500"], lead: 0, factor: 1) }.contains("got 0"))
        XCTAssertTrue(errorMessage { try t.amplitudes(channels: ["z500"], lead: 1, factor: -1) }.contains("non-negative"))
        var diverged = t
        diverged.rmse[0][0] = .nan
        XCTAssertTrue(errorMessage { try diverged.amplitudes(channels: ["z500"], lead: 1, factor: 1) }.contains("RMSE of 'z500' at lead 1 is nan"))
        XCTAssertTrue(errorMessage { try t.leadSteps(hours: 10) }.contains("positive multiple"))
    }

    func testStepHoursFromCFUnits() throws {
        XCTAssertEqual(try SkillTable.stepHours(times: [0, 6, 12], units: "hours since 2000-01-01 00:00:00", source: "x"), 6)
        XCTAssertEqual(try SkillTable.stepHours(times: [1, 1.25], units: "days since 1979-01-01", source: "x"), 6)
        XCTAssertEqual(try SkillTable.stepHours(times: [0, 3600], units: "seconds since 1970-01-01", source: "x"), 1)
        XCTAssertEqual(try SkillTable.stepHours(times: [0, 360], units: "minutes since 1970-01-01", source: "x"), 6)
        XCTAssertTrue(errorMessage { try SkillTable.stepHours(times: [0, 6, 13], units: "hours since 2000-01-01", source: "f.nc") }
            .contains("f.nc: time steps are not uniform"))
        XCTAssertTrue(errorMessage { try SkillTable.stepHours(times: [0, 1], units: "months since 2000-01-01", source: "f.nc") }
            .contains("f.nc: time units 'months since 2000-01-01'"))
        XCTAssertTrue(errorMessage { try SkillTable.stepHours(times: [0], units: "hours since 2000-01-01", source: "f.nc") }
            .contains("at least two times"))
    }

    // MARK: End to end

    func testComputeFromTinyCheckpoint() throws {
        let (grid, statistics) = try ForecastFixture.writeDataset(
            at: dir, splits: [ForecastFixture.Split(name: "valid", trajectories: 2, times: 6)], stepHours: 6, seed: 5)
        // The stored model text omits the channel counts, as `hens train` allows.
        let checkpointPath = dir + "/checkpoint.nc"
        try ForecastFixture.writeCheckpoint(to: checkpointPath, grid: grid, statistics: statistics, seed: 3, embed: 8, layers: 2,
                                            storeChannelCounts: false)

        let table = try SkillTable.compute(checkpointPath: checkpointPath, dataset: dir, samples: 4)
        XCTAssertEqual(table.leads, [1, 2, 3, 4, 5], "48 h at 6 h steps, cut to the trajectories' 6 times")
        XCTAssertEqual(table.stepHours, 6)
        XCTAssertEqual(table.channels, ["geopotential", "vorticity"])
        XCTAssertEqual(table.units, ["m2 s-2", "s-1"])
        XCTAssertEqual(table.checkpointSHA256, try Checkpoint.read(from: checkpointPath).payloadDigest())
        XCTAssertTrue((1...4).contains(table.samples))
        for c in 0..<2 {
            for lead in 0..<5 {
                XCTAssertEqual(table.rmse[c][lead], table.rmseNormalised[c][lead] * statistics.std[c])
                XCTAssertTrue(table.rmse[c][lead].isFinite && table.rmse[c][lead] > 0)
                XCTAssertGreaterThan(table.climatologyRMSE[c][lead], 0)
            }
        }
        // Independent random fields: climatology RMSE is about one std in physical units.
        XCTAssertEqual(table.climatologyRMSE[1][0], statistics.std[1], accuracy: 0.3 * statistics.std[1])
        let path = dir + "/skill.json"
        try table.write(to: path)
        XCTAssertEqual(try SkillTable.read(path: path), table)

        XCTAssertEqual(try SkillTable.compute(checkpointPath: checkpointPath, dataset: dir, leads: 2, samples: 4).leads, [1, 2])
        XCTAssertTrue(errorMessage { try SkillTable.compute(checkpointPath: checkpointPath, dataset: dir, leads: 6) }
            .contains("--leads: at most 5 steps"))
        XCTAssertTrue(errorMessage { try SkillTable.compute(checkpointPath: checkpointPath, dataset: dir, split: "test") }
            .contains("test.nc: missing split file"))
    }
}
