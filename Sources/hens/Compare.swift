import ArgumentParser
import Evaluation
import Foundation
import HensCore

/// `hens compare`: is forecast system A better than B on the same cases?
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paired test of two systems' per-init scores (stationary bootstrap CI and p-value, Diebold–Mariano).",
        discussion: """
        Reads two scores.nc files of hens evaluate, pairs the initial times both have (by label), \
        and for each channel and lead tests the mean difference A − B of a per-init score \
        (global band by default): 95 % stationary-bootstrap interval (Politis–White block length), \
        two-sided p-value, Diebold–Mariano statistic with a Newey–West variance. Prints a table; \
        --json writes it as JSON.
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "scores.nc of system A.") var a: String
    @Argument(help: "scores.nc of system B.") var b: String
    @Option(help: "Per-init score to compare (crps, crps_fair, mse, mae, …).") var score = "crps"
    @Option(help: "Latitude band.") var band = "global"
    @Option(help: "Bootstrap replicates.") var replicates = 2000
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 0
    @Option(name: .customLong("group-by"), help: "none, or trajectory: average the initial times of one trajectory into one case first (they are not independent).")
    var groupBy = "none"
    @Option(help: "Write the comparison as JSON here.") var json: String?

    func run() throws {
        try global.apply()
        guard let grouping = ScoreComparison.Grouping(rawValue: groupBy) else {
            throw HensError.invalid("--group-by", "none or trajectory, got '\(groupBy)'")
        }
        let comparison = try ScoreComparison(a: a, b: b, score: score, band: band, replicates: replicates, seed: seed, grouping: grouping)
        print("channel        lead_h  n   mean(A−B)      95% CI                    p(boot)  DM stat  p(DM)")
        for row in comparison.rows {
            let test = row.test
            print(String(format: "%-14@ %6.1f %3d %12.5g  [%11.5g, %11.5g]  %7.4f  %7.3f  %6.4f", row.channel as NSString, row.leadHours,
                         test.count, test.meanDifference, test.interval.lower, test.interval.upper, test.pValue,
                         test.dieboldMariano.statistic, test.dieboldMariano.pValue))
        }
        if let json {
            let rows: [[String: Any]] = comparison.rows.map { row in
                let test = row.test
                return ["channel": row.channel, "lead_hours": row.leadHours, "cases": test.count, "mean_difference": test.meanDifference,
                        "ci_low": test.interval.lower, "ci_high": test.interval.upper, "p_bootstrap": test.pValue,
                        "block_length": test.bootstrap.meanBlockLength, "dm_statistic": test.dieboldMariano.statistic, "p_dm": test.dieboldMariano.pValue]
            }
            let object: [String: Any] = ["a": a, "b": b, "score": score, "band": band, "replicates": replicates, "seed": seed,
                                         "group_by": groupBy, "cases": comparison.caseCount, "rows": rows]
            try writeAtomically(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: json)
        }
    }
}
