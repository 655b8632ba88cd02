import Foundation
import HensTestSupport
import XCTest

/// One rule for what a writer does with an existing output folder (here `hens generate swe`):
/// same inputs and complete → up to date; other inputs → refused unless --overwrite; files that
/// are not this stage's outputs → always refused. Two datasets are never mixed.
final class OutputFolderTests: XCTestCase {
    override func setUpWithError() throws { try HensProcess.requireExecutable() }

    /// A one-trajectory, two-hour dataset: well under a second.
    private func generate(_ out: String, _ extra: [String] = []) throws -> HensProcess.Result {
        try HensProcess.run(["generate", "swe", "--config", "configs/swe-small.yaml", "--out", out, "--quiet",
                             "--splits", "train=1,valid=0,test=0,climate=0", "--trajectory-length", "2h"] + extra)
    }

    private func modified(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    func testSameInputsAreUpToDateAndOtherInputsNeedOverwrite() throws {
        let out = try temporaryFolder("hens-e2e-out") + "/dataset"
        XCTAssertEqual(try generate(out).status, 0)
        let written = try modified(out + "/train.nc")
        let again = try generate(out)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try modified(out + "/train.nc"), written, "an up-to-date dataset is not rewritten")

        let refused = try generate(out, ["--seed", "5"])
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertEqual(refused.stderrLines, ["hens: error: \(out): holds outputs made from other inputs (changed: configuration); "
                                             + "rerun with the same inputs, or pass --overwrite to start again"])
        XCTAssertEqual(try modified(out + "/train.nc"), written, "a refused run leaves the dataset alone")

        let replaced = try generate(out, ["--seed", "5", "--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertEqual(try generate(out, ["--seed", "5"]).status, 0, "the replacement is now up to date")
    }

    func testAFolderOfOtherFilesIsAlwaysRefused() throws {
        let out = try temporaryFolder("hens-e2e-out")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: out + "/thesis.tex"))
        for extra in [[], ["--overwrite"]] {
            let r = try generate(out, extra)
            XCTAssertEqual(r.status, 3, r.stderr)
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("will not remove them"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["thesis.tex"])
    }

    func testADatasetOfAnEarlierHensNeedsOverwrite() throws {
        let source = try temporaryFolder("hens-e2e-out") + "/dataset"
        XCTAssertEqual(try generate(source).status, 0)
        let legacy = try temporaryFolder("hens-e2e-out")
        for name in ["train.nc", "stats.nc"] { try FileManager.default.copyItem(atPath: source + "/" + name, toPath: legacy + "/" + name) }
        let refused = try generate(legacy)
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--overwrite"), refused.stderr)
        XCTAssertEqual(try generate(legacy, ["--overwrite"]).status, 0)
    }

    /// `evaluate --out` and `report --out` pointed at a dataset are refused before any work
    /// (evaluate used to write its score files into any folder).
    func testScoresAndReportsNeverLandInAnotherStagesFolder() throws {
        let dataset = try temporaryFolder("hens-e2e-out") + "/dataset"
        XCTAssertEqual(try generate(dataset).status, 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: dataset).sorted()
        for arguments in [["evaluate", "--forecast", dataset + "/no-forecast", "--out", dataset],
                          ["report", "--scores", dataset + "/no-scores", "--out", dataset]] {
            let r = try HensProcess.run(arguments + ["--quiet"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("\(dataset): exists and is not a hens"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataset).sorted(), before)
    }
}
