import DatasetIO
import Foundation
import HensTestSupport
import XCTest

/// `hens import` as users run it: the makani parity fixture's HENS-fork package imported, then
/// ingest → skill → forecast (bred vectors with amplitudes from the skill table, cos-zenith at
/// every valid time) → evaluate on synthetic
/// ERA5-like inputs with the fixture's 8 channels on its 33×64 grid; and the refusals.
final class ImportEndToEndTests: XCTestCase {
    static var package: String { HensProcess.packageRoot + "/Tests/ImportTests/Fixtures/makani/hens-fork" }

    /// Hours since 1900-01-01 of `2023-06-10T00` + `6·k` hours.
    static func hours(_ count: Int) -> [Int32] {
        let start = Int32((Date(timeIntervalSince1970: 1_686_355_200).timeIntervalSince1970 + 2_208_988_800) / 3600)
        return (0..<count).map { start + Int32(6 * $0) }
    }

    func testImportedCheckpointRunsForecastAndEvaluate() throws {
        let work = try temporaryFolder("hens-import-e2e")
        let times = Self.hours(20)  // 2023-06-10T00 … 2023-06-14T18
        try ERA5LikeFile.write(path: work + "/single.nc", nlat: 33, nlon: 64, hours: times,
                               variables: ERA5LikeFile.singleLevel + [ERA5LikeFile.surfacePressure])
        try ERA5LikeFile.write(path: work + "/levels.nc", nlat: 33, nlon: 64, hours: times,
                               variables: ERA5LikeFile.pressureLevel, levels: [500, 850])
        let ingestYAML = """
            inputs: [single.nc, levels.nc]
            channels: [u10m, v10m, t2m, sp, msl, tcwv, z500, t850]
            splits: {train: 2023-06-10..2023-06-11, valid: 2023-06-12, test: 2023-06-13..2023-06-14}
            trajectory_length: 4
            output: dataset

            """
        let forecastYAML = """
            checkpoints: [model.nc]
            dataset: dataset
            init: 2023-06-13T06
            members: 5
            control: once
            perturbation: bred-vector
            breeding_cycles: 1
            steps: 2
            seed: 1
            skill: skill.json
            skill_lead: 12h
            seed_channels: [z500]
            channels: [z500, t850, t2m]
            memory: 1GiB

            """
        let evaluateYAML = """
            bootstrap_sizes: [2]
            bootstrap_replicates: 10
            bootstrap_leads: [1]
            spectrum_members: 4
            climatology_samples: 4
            climatology_members: 4

            """
        for (name, text) in [("ingest.yaml", ingestYAML), ("forecast.yaml", forecastYAML), ("evaluate.yaml", evaluateYAML)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: work + "/" + name))
        }
        let steps: [[String]] = [
            ["ingest", "--config", "ingest.yaml", "--quiet"],
            ["import", Self.package, "--out", "model.nc"],
            ["skill", "--checkpoint", "model.nc", "--dataset", "dataset", "--out", "skill.json", "--quiet"],
            ["forecast", "--config", "forecast.yaml", "--out", "forecast", "--quiet"],
            ["evaluate", "--config", "evaluate.yaml", "--forecast", "forecast", "--dataset", "dataset", "--out", "scores", "--quiet"],
        ]
        for command in steps {
            let r = try HensProcess.run(command, in: work)
            XCTAssertEqual(r.status, 0, "\(command.joined(separator: " ")): \(r.stderr)")
            guard r.status == 0 else { return }
            if command[0] == "import" {
                XCTAssertTrue(r.stderr.contains("8 channels, equiangular 33×64"), r.stderr)
                XCTAssertTrue(r.stderr.contains("spectral layout [in, out, l] (HENS fork)"), r.stderr)
            }
        }
        // Long names: near-surface heights in metres, pressure levels in hPa.
        let header = try HensProcess.run(["-h", work + "/dataset/train.nc"], executable: "/usr/bin/ncdump")
        for name in ["eastward wind at 10 m", "air temperature at 2 m", "air temperature at 850 hPa", "geopotential at 500 hPa"] {
            XCTAssertTrue(header.stdout.contains("\"\(name)\""), name)
        }
        let scores = try FileManager.default.contentsOfDirectory(atPath: work + "/scores")
        XCTAssertTrue(scores.contains("summary.json"), "\(scores)")

        // The same package into a folder without absolute times: the zenith input cannot be made.
        let swe = try HensProcess.run(["forecast", "--config", "forecast.yaml", "--dataset", PipelineFixture.folder() + "/dataset",
                                       "--out", "forecast-swe", "--quiet"], in: work)
        XCTAssertNotEqual(swe.status, 0)
        XCTAssertTrue(swe.stderr.contains("model.nc"), swe.stderr)
    }

    /// Export to safetensors and import back: the same weights, statistics and step inputs.
    func testSafetensorsExportRoundTrip() throws {
        let work = try temporaryFolder("hens-import-roundtrip")
        for command in [["import", Self.package, "--out", "a.nc", "--quiet"],
                        ["import", "a.nc", "--to", "safetensors", "--out", "exported", "--quiet"],
                        ["import", "exported", "--out", "b.nc", "--quiet"]] {
            let r = try HensProcess.run(command, in: work)
            XCTAssertEqual(r.status, 0, "\(command.joined(separator: " ")): \(r.stderr)")
        }
        let a = try Checkpoint.read(from: work + "/a.nc"), b = try Checkpoint.read(from: work + "/b.nc")
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(a.tensors, b.tensors)
        XCTAssertEqual(a.statistics.mean, b.statistics.mean)
        XCTAssertEqual(a.statistics.std, b.statistics.std)
        XCTAssertEqual(a.stepInputs, b.stepInputs)
        XCTAssertEqual(a.grid, b.grid)
    }
}
