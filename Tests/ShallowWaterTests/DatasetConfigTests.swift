import XCTest
import Config
import HensCore
@testable import ShallowWater

final class DatasetConfigTests: XCTestCase {
    let base = """
    grid: legendre-gauss
    nlat: 16
    nlon: 32
    dt: 600s
    dt_out: 1h
    spinup: 2h
    trajectory_length: 3h
    seed: 7
    splits: {train: 2, valid: 1}
    """

    func config(_ yaml: String) throws -> SWEDatasetConfig {
        var doc = try ConfigDocument(yaml: yaml, source: "test.yaml")
        return try SWEDatasetConfig(&doc)
    }

    func assertError(_ yaml: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try config(yaml).makeSolver(), file: file, line: line) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains(fragment), "‘\(message)’ lacks ‘\(fragment)’", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line", file: file, line: line)
        }
    }

    func testDerivedCounts() throws {
        let c = try config(base)
        XCTAssertEqual(c.lmax, 6) // ceil(16/3)
        XCTAssertEqual(c.stepsPerOutput, 6)
        XCTAssertEqual(c.spinupSteps, 12)
        XCTAssertEqual(c.outputsPerTrajectory, 4)
        XCTAssertEqual(c.stepsPerTrajectory, 30)
        XCTAssertEqual(c.splits.map(\.trajectories), [2, 1, 0, 0])
        XCTAssertEqual(c.channels, [.geopotential, .vorticity, .divergence])
        // Independent seeds per split and trajectory, stable across calls.
        let seeds = Set([c.trajectorySeed(split: "train", index: 0), c.trajectorySeed(split: "train", index: 1),
                         c.trajectorySeed(split: "valid", index: 0), c.trajectorySeed(split: "test", index: 0)])
        XCTAssertEqual(seeds.count, 4)
        XCTAssertEqual(c.trajectorySeed(split: "test", index: 3), try config(base).trajectorySeed(split: "test", index: 3))
    }

    func testBadConfigurationsAreClearOneLineErrors() {
        assertError(base.replacingOccurrences(of: "dt: 600s", with: "dt: -5"), contains: "dt")
        assertError(base.replacingOccurrences(of: "dt: 600s", with: "dt: 7min"), contains: "dt_out")
        assertError(base.replacingOccurrences(of: "nlat: 16", with: "nlat: 4"), contains: "nlat")
        assertError(base.replacingOccurrences(of: "grid: legendre-gauss", with: "grid: hexagonal"), contains: "grid")
        assertError(base + "\ncolour: blue", contains: "unknown key 'colour'")
        assertError(base.replacingOccurrences(of: "dt: 600s", with: "dt: 1h"), contains: "Courant")
        assertError(base + "\nchannels: [vorticity, pressure]", contains: "pressure")
        assertError(base.replacingOccurrences(of: "splits: {train: 2, valid: 1}", with: "splits: {training: 2}"), contains: "splits.training")
        assertError("nlat: [1, 2]", contains: "nlat")
        assertError("- just\n- a list", contains: "mapping")
    }

    func testDurations() {
        XCTAssertEqual(DurationText.seconds("300s"), 300)
        XCTAssertEqual(DurationText.seconds("30min"), 1800)
        XCTAssertEqual(DurationText.seconds("1.5h"), 5400)
        XCTAssertEqual(DurationText.seconds("5d"), 432_000)
        XCTAssertEqual(DurationText.seconds("42"), 42)
        XCTAssertNil(DurationText.seconds("soon"))
    }
}
