import Foundation
import HensTestSupport
import XCTest

/// What a user sees at the command line: versions, one-line errors with the documented exit
/// codes (README "Exit codes"), and the headline scores.
final class CommandLineTests: XCTestCase {
    override func setUpWithError() throws { try HensProcess.requireExecutable() }

    func testVersionNamesTheBuildLibrariesAndCPU() throws {
        let r = try HensProcess.run(["--version"])
        XCTAssertEqual(r.status, 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, r.stdout)
        XCTAssertTrue(lines[1].hasPrefix("commit "), lines[1])
        XCTAssertTrue(lines.contains { $0.hasPrefix("BLAS: OpenBLAS ") && $0.contains("kernel ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("FFT: fftw-3") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("CPU: ") }, r.stdout)
    }

    func testUsageErrorsExit64() throws {
        let r = try HensProcess.run(["forecast", "--out", "unused", "--no-such-option"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--no-such-option"), r.stderr)
    }

    func testBadValuesAreOneLineNamingTheOptionWithExit2() throws {
        let folder = try temporaryFolder("hens-e2e")
        let r = try HensProcess.run(["evaluate", "--config", "configs/evaluate-swe-small.yaml", "--lat-weights", "sideways", "--out", folder + "/s"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderrLines, ["hens: error: --lat-weights: one of cos, area, gauss, got 'sideways'"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/s"), "no output after a refused option")
    }

    func testAMissingInputFileIsOneLineNamingItWithExit3() throws {
        let missing = try temporaryFolder("hens-e2e") + "/absent.yaml"
        let r = try HensProcess.run(["generate", "swe", "--config", missing, "--out", missing + ".out", "--quiet"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(r.stderrLines, ["hens: error: \(missing): cannot read the configuration file"])
    }

    /// A configuration named by a relative path finds its inputs relative to its own folder
    /// (configs/era5-sample.yaml reads ../data-samples/…), whatever the working directory.
    func testIngestWithARelativeConfigurationPath() throws {
        let folder = try temporaryFolder("hens-e2e")
        let r = try HensProcess.run(["ingest", "--quiet", "--config", "configs/era5-sample.yaml", "--out", folder + "/dataset"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/dataset/stats.nc"))
        let bad = try HensProcess.run(["ingest", "--quiet", "--config", "configs/era5-sample.yaml", "--out", folder + "/d2", "--member=-1"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertEqual(bad.stderrLines, ["hens: error: --member must be ≥ 0, got -1"])
    }

    /// Half a NetCDF-3 file (a partial download) used to ingest as constants with exit 0 and to
    /// inspect as "problems: none found"; both now refuse it naming both sizes.
    func testATruncatedInputIsRefusedByInspectAndIngest() throws {
        let folder = try temporaryFolder("hens-e2e")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: HensProcess.packageRoot + "/data-samples/era5-eda-oldcds.nc"))
        let file = folder + "/data.nc"
        try data.prefix(1_172_314).write(to: URL(fileURLWithPath: file))
        let line = "hens: error: \(file): truncated: the header implies at least 2,344,628 bytes, the file has 1,172,314 (copied or downloaded partly?)"
        let inspect = try HensProcess.run(["inspect", file])
        XCTAssertEqual(inspect.status, 3, inspect.stderr)
        XCTAssertEqual(inspect.stdout, "\(file): NetCDF-3 64-bit offset\nproblems:\n  - truncated: the header implies at least 2,344,628 bytes, the file has 1,172,314 (copied or downloaded partly?)\n")
        XCTAssertEqual(inspect.stderrLines, [line])
        let ingest = try HensProcess.run(["ingest", file, "--out", folder + "/dataset", "--quiet"])
        XCTAssertEqual(ingest.status, 3, ingest.stderr)
        XCTAssertEqual(ingest.stderrLines, [line])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/dataset"))
    }

    func testHeadlineScoresFromAScoresFolder() throws {
        let folder = try temporaryFolder("hens-e2e")
        try """
        channel,lead_hours,band,crps,crpss_climatology,crpss_persistence,outlier_fraction,outlier_fraction_expected,rmse,spread,ssr
        z,0,global,0,nan,nan,0,0.1,0,0,nan
        z,6,global,1.5,0.25,0.5,0.05,0.0606,2,1.8,0.9
        z,6,tropics,9,9,9,9,9,9,9,9

        """.write(toFile: folder + "/scores.csv", atomically: true, encoding: .utf8)
        let r = try HensProcess.run(["scores", folder])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "   z  lead 6 h: CRPS 1.5  RMSE 2  spread 1.8  SSR 0.900  CRPSS clim 0.250  CRPSS pers 0.500  outliers 0.050  expected 0.061\n")
        let missing = try HensProcess.run(["scores", folder + "/nothing"])
        XCTAssertEqual(missing.status, 3, missing.stderr)
        XCTAssertEqual(missing.stderrLines.count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains(folder + "/nothing/scores.csv"), missing.stderr)
    }
}
