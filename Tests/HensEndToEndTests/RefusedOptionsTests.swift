import Foundation
import HensTestSupport
import XCTest

/// Contradictory or meaningless options, refused before any work with hens' own one line that
/// names the option and what it accepts, the documented exit code, and nothing written.
final class RefusedOptionsTests: XCTestCase {
    /// One refused command line: `OUT` in the arguments stands for a fresh output path.
    struct Case {
        let arguments: [String]
        let status: Int32
        let mentions: [String]
        /// Run from a folder outside the checkout (default configurations not found).
        var outsideCheckout = false
    }

    static let cases: [Case] = [
        Case(arguments: ["generate", "swe", "--config", "configs/swe-small.yaml", "--out", "OUT", "--threads", "0"],
             status: 2, mentions: ["--threads: at least 1", "got 0"]),
        Case(arguments: ["generate", "swe", "--config", "configs/swe-small.yaml", "--out", "OUT", "--trajectory-length", "0h"],
             status: 2, mentions: ["trajectory_length", "positive multiple"]),
        Case(arguments: ["forecast", "--out", "OUT", "--batch-size", "8", "--memory", "1GiB"],
             status: 2, mentions: ["--batch-size", "--memory", "not both"]),
        Case(arguments: ["train", "--dataset", "OUT", "--out", "OUT", "--seeds", "1,2", "--checkpoints", "2"],
             status: 2, mentions: ["--seeds", "--checkpoints", "not both"]),
        Case(arguments: ["ingest", "--config", "configs/era5-sample.yaml", "--out", "OUT", "--valid", "2017-01-01..2017-01-02"],
             status: 2, mentions: ["--valid: dates that no other split has", "overlaps train 2017-01-01"]),
        Case(arguments: ["train", "--dataset", "OUT", "--out", "OUT"],
             status: 3, mentions: ["configs/model-swe-small.yaml: cannot read the model configuration (--model)"], outsideCheckout: true),
    ]

    override func setUpWithError() throws { try HensProcess.requireExecutable() }

    func testEveryCaseIsOneLineWithItsExitCodeAndWritesNothing() throws {
        for c in Self.cases {
            let folder = try temporaryFolder("hens-e2e-refused")
            let out = folder + "/out"
            let r = try HensProcess.run(c.arguments.map { $0 == "OUT" ? out : $0 }, in: c.outsideCheckout ? folder : HensProcess.packageRoot)
            let label = c.arguments.joined(separator: " ")
            XCTAssertEqual(r.status, c.status, "\(label): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(label): one line, got \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("hens: error: "), "\(label): \(r.stderr)")
            for word in c.mentions { XCTAssertTrue(r.stderr.contains(word), "\(label): '\(r.stderr)' should mention \(word)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(label): wrote \(out)")
        }
    }
}
