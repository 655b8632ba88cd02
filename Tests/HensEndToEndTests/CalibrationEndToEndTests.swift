import Foundation
import HensTestSupport
import XCTest

/// `hens calibrate`, a forecast with its model-error forcing, and `hens report --compare`, as
/// users run them, on the pipeline fixture.
final class CalibrationEndToEndTests: XCTestCase {
    func testCalibrateForecastAndCompareInTheReport() throws {
        let fixture = try PipelineFixture.folder()
        let work = try temporaryFolder("hens-calibration-e2e")
        defer { try? FileManager.default.removeItem(atPath: work) }

        let calibrate = try HensProcess.run(["calibrate", "--checkpoints", fixture + "/ckpt", "--dataset", fixture + "/dataset",
                                             "--samples", "3", "--out", work + "/model-error.json"])
        XCTAssertEqual(calibrate.status, 0, calibrate.stderr)
        XCTAssertTrue(calibrate.stderr.contains("valid initial states, forcing σ: geopotential"), calibrate.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/model-error.json"))) as? [String: Any]
        XCTAssertEqual(json?["split"] as? String, "valid")
        XCTAssertEqual(json?["format"] as? String, "hens-model-error")

        let config = try String(contentsOfFile: fixture + "/forecast.yaml", encoding: .utf8)
            .replacingOccurrences(of: "checkpoints: [ckpt]", with: "checkpoints: [\(fixture)/ckpt]")
            .replacingOccurrences(of: "dataset: dataset", with: "dataset: \(fixture)/dataset")
            .replacingOccurrences(of: "skill: skill.json", with: "skill: \(fixture)/skill.json")
            + "model_error: model-error.json\nmodel_error_scale: 1.5\n"
        try config.write(toFile: work + "/forecast.yaml", atomically: true, encoding: .utf8)
        let forecast = try HensProcess.run(["forecast", "--config", work + "/forecast.yaml", "--out", work + "/forecast", "--quiet"])
        XCTAssertEqual(forecast.status, 0, forecast.stderr)
        let summaries = try FileManager.default.subpathsOfDirectory(atPath: work + "/forecast").filter { $0.hasSuffix("/summary.nc") }
        XCTAssertEqual(summaries.count, 1)
        let header = try HensProcess.run(["-h", work + "/forecast/" + summaries[0]], executable: "/usr/bin/ncdump")
        XCTAssertTrue(header.stdout.contains("model_error_split = \"valid\""), "the forcing is recorded in the run's metadata")
        XCTAssertTrue(header.stdout.contains("model_error_scale = \"1.5\""))

        let report = try HensProcess.run(["report", fixture, "--scores", fixture + "/scores", "--compare", "twin=\(fixture)/scores",
                                          "--name", "fixture", "--out", work + "/report", "--quiet"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let html = try String(contentsOfFile: work + "/report/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("Methods compared"))
        XCTAssertTrue(html.contains("fig-compare-ssr-geopotential"))
        XCTAssertTrue(html.contains("fewer than 2 common initial times"), "one initial time: no paired test, said so")
    }
}
