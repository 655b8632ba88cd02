import HensCore
import HensTestSupport
import XCTest
@testable import Report

/// The headline lines `hens scores` prints, read from scores.csv by column name.
final class HeadlineScoresTests: XCTestCase {
    private let header = ["channel", "lead_hours", "band", "crps", "crpss_climatology", "crpss_persistence", "outlier_fraction",
                          "outlier_fraction_expected", "rmse", "spread", "ssr"]

    private func table(_ rows: [[String]], header: [String]? = nil) -> ScoreTable {
        ScoreTable(path: "s/scores.csv", header: header ?? self.header, rows: rows)
    }

    func testOneLinePerChannelAtTheLeadWithNotApplicableScores() throws {
        let t = table([
            ["z", "6", "global", "1.5", "0.25", "0.5", "0.05", "0.0606", "2", "1.8", "0.9"],
            ["z", "6", "tropics", "9", "9", "9", "9", "9", "9", "9", "9"],
            ["wind_speed", "6", "global", "0.125", "nan", "-0.1", "0", "0.0606", "0.2", "0.1", "0.5"],
            ["z", "12", "global", "3", "0.1", "0.2", "0.1", "0.0606", "4", "3", "0.75"],
        ])
        XCTAssertEqual(try HeadlineScores.lines(table: t, lead: 6), [
            "   z           lead 6 h: CRPS 1.5  RMSE 2  spread 1.8  SSR 0.900  CRPSS clim 0.250  CRPSS pers 0.500  outliers 0.050  expected 0.061",
            "   wind_speed  lead 6 h: CRPS 0.125  RMSE 0.2  spread 0.1  SSR 0.500  CRPSS clim n/a  CRPSS pers -0.100  outliers 0.000  expected 0.061",
        ])
        XCTAssertEqual(try HeadlineScores.lines(table: t, lead: nil).count, 3, "every lead after 0, global band only")
    }

    func testLeadZeroIsLeftOutWithoutALead() throws {
        let t = table([["z", "0", "global", "0", "0", "0", "0", "0", "0", "0", "0"], ["z", "6", "global", "1", "1", "1", "1", "1", "1", "1", "1"]])
        XCTAssertEqual(try HeadlineScores.lines(table: t, lead: nil).map { $0.contains("lead 6 h") }, [true])
    }

    func testAMissingColumnOrLeadIsAnErrorNotABlank() throws {
        let renamed = header.map { $0 == "ssr" ? "spread_skill" : $0 }
        let t = table([["z", "6", "global", "1", "1", "1", "1", "1", "1", "1", "1"]], header: renamed)
        assertThrows(try HeadlineScores.lines(table: t, lead: 6), kind: .badInput, mentioning: ["s/scores.csv", "no column 'ssr'"])
        assertThrows(try HeadlineScores.lines(table: table([["z", "6", "global", "1", "1", "1", "1", "1", "1", "1", "1"]]), lead: 24),
                     kind: .badInput, mentioning: ["no global rows at lead 24 h"])
    }
}
