import Foundation
import HensCore
import XCTest
import Benchmarks

/// Timing statistics, the timing loop's run counts, option lists and the JSON document.
final class TimingTests: XCTestCase {
    func testStatisticsOfOddAndEvenCounts() {
        let odd = Timing(samples: [0.3, 0.1, 0.2])
        XCTAssertEqual(odd.median, 0.2)
        XCTAssertEqual(odd.min, 0.1)
        XCTAssertEqual(odd.max, 0.3)
        XCTAssertEqual(odd.runs, 3)
        // Of an even count the upper middle sample: a time that was measured, not an average.
        let even = Timing(samples: [4, 1, 3, 2])
        XCTAssertEqual(even.median, 3)
        XCTAssertEqual(even.min, 1)
        XCTAssertEqual(even.max, 4)
        let one = Timing(samples: [0.5])
        XCTAssertEqual([one.median, one.min, one.max], [0.5, 0.5, 0.5])
    }

    func testMeasureWarmsUpThenTimesAtLeastMinRuns() {
        var calls = 0
        let t = Timing.measure(budget: 0, minRuns: 4) { calls += 1 }
        XCTAssertEqual(t.runs, 4)
        XCTAssertEqual(calls, 5)   // one warm-up call is not timed
        XCTAssertLessThanOrEqual(t.min, t.median)
        XCTAssertLessThanOrEqual(t.median, t.max)
    }

    func testMeasureRunsUntilTheBudgetIsSpent() {
        let t = Timing.measure(budget: 0.05, minRuns: 1) { usleep(2_000) }
        // Runs of ≥ 2 ms until ≥ 50 ms have passed: more than one run, at most 26, and together
        // (bounded by runs × slowest) at least the budget, less the loop's own overhead.
        XCTAssertGreaterThan(t.runs, 1)
        XCTAssertLessThanOrEqual(t.runs, 26)
        XCTAssertGreaterThanOrEqual(t.min, 0.002)
        XCTAssertGreaterThanOrEqual(Double(t.runs) * t.max, 0.045)
    }

    func testThreadSettingIsRestored() {
        let before = Parallel.threadCount
        defer { Parallel.configure(threads: before) }
        Parallel.configure(threads: 2)
        let inside = withParallelThreads(1) { Parallel.threadCount }
        XCTAssertEqual(inside, 1)
        XCTAssertEqual(Parallel.threadCount, 2)
    }

    func testPositiveIntegerLists() throws {
        XCTAssertEqual(try ListOption.positiveIntegers("1,2,16", option: "--batches"), [1, 2, 16])
        XCTAssertEqual(try ListOption.positiveIntegers("", option: "--train-batches"), [])
        for bad in ["1,0", "a", "2,-1", "1.5"] {
            XCTAssertThrowsError(try ListOption.positiveIntegers(bad, option: "--batches"), bad) { error in
                XCTAssertEqual((error as? HensError)?.kind, .invalidArgument)
                XCTAssertTrue("\(error)".hasPrefix("--batches:"), "\(error)")
                XCTAssertTrue("\(error)".contains(bad), "\(error)")
            }
        }
    }

    func testNameLists() throws {
        XCTAssertEqual(try ListOption.names("a,c", allowed: ["a", "b", "c"], option: "--x"), ["a", "c"])
        XCTAssertThrowsError(try ListOption.names("a,d", allowed: ["a", "b"], option: "--x")) { error in
            XCTAssertTrue("\(error)".contains("'d'"), "\(error)")
        }
    }

    func testDocumentKeys() throws {
        let data = try BenchmarkDocument.json(benchmark: "swe", results: [["case": "small", "threads": 1]])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["benchmark", "hens_version", "machine", "results"])
        XCTAssertEqual(object["benchmark"] as? String, "swe")
        XCTAssertEqual((object["results"] as? [[String: Any]])?.first?["case"] as? String, "small")
    }

    func testMissingAnchorRunnerNamesThePath() {
        XCTAssertThrowsError(try AnchorScript.require("/nonexistent/runner.py")) { error in
            XCTAssertTrue("\(error)".hasPrefix("--anchor-script: /nonexistent/runner.py not found"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}
