import XCTest
@testable import Evaluation

/// How `hens compare --group-by trajectory` forms its cases.
final class ScoreComparisonTests: XCTestCase {
    func testInitialTimesOfOneTrajectoryFormOneCase() throws {
        let labels = ["test-0-t029", "test-0-t082", "test-1-t029", "test-1-t082", "test-12-t005"]
        XCTAssertEqual(try ScoreComparison.groups(labels, .trajectory), [[0, 1], [2, 3], [4]])
        XCTAssertEqual(try ScoreComparison.groups(labels, .none), [[0], [1], [2], [3], [4]])
        // Trajectory numbers are whole tokens: test-1 and test-12 are different trajectories.
        XCTAssertEqual(try ScoreComparison.groups(["test-1-t001", "test-12-t001", "test-1-t050"], .trajectory), [[0, 2], [1]])
    }

    func testDateLabelsCannotBeGroupedByTrajectory() {
        XCTAssertThrowsError(try ScoreComparison.groups(["2017-01-02T00", "2017-01-03T00"], .trajectory)) { error in
            XCTAssertTrue("\(error)".contains("--group-by: none for initial times that are not drawn from a split"), "\(error)")
        }
    }
}
