import Scores
import ArgumentParser
import DatasetIO
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
    @Option(help: "Write the comparison as JSON here.") var json: String?

    func run() throws {
        try global.apply()
        guard (2...1_000_000).contains(replicates) else { throw HensError.invalid("--replicates", "2…1000000, got \(replicates)") }
        let fileA = try LabelledArrays.read(path: a), fileB = try LabelledArrays.read(path: b)
        func axes(_ f: LabelledArrays, _ path: String) throws -> (inits: [String], leads: [Double], channels: [String], bands: [String], values: [Double]) {
            guard let i = f.axis("init")?.labels, let l = f.axis("lead")?.values, let c = f.axis("channel")?.labels,
                  let bd = f.axis("band")?.labels else {
                throw HensError(.badInput, "\(path): not a scores.nc of hens evaluate (axes init, lead, channel, band)")
            }
            guard let v = f.variable(score), v.dimensions == ["init", "lead", "channel", "band"] else {
                throw HensError.invalid("--score", "a per-init score of \(path) (\(f.variables.filter { $0.dimensions.first == "init" && $0.dimensions.count == 4 }.map(\.name).joined(separator: ", "))), got '\(score)'")
            }
            return (i, l, c, bd, v.values)
        }
        let sa = try axes(fileA, a), sb = try axes(fileB, b)
        let inits = sa.inits.filter { sb.inits.contains($0) }
        guard inits.count >= 2 else {
            throw HensError(.badInput, "\(a), \(b): \(inits.count) common initial time(s); a paired test needs at least 2")
        }
        guard let bandA = sa.bands.firstIndex(of: band), let bandB = sb.bands.firstIndex(of: band) else {
            throw HensError.invalid("--band", "a band of both files (\(sa.bands.joined(separator: ", "))), got '\(band)'")
        }
        var rows: [[String: Any]] = []
        print("channel        lead_h  n   mean(A−B)      95% CI                    p(boot)  DM stat  p(DM)")
        for channel in sa.channels where sb.channels.contains(channel) {
            for lead in sa.leads where sb.leads.contains(lead) {
                func series(_ s: (inits: [String], leads: [Double], channels: [String], bands: [String], values: [Double]), _ band: Int) -> [Double] {
                    let l = s.leads.firstIndex(of: lead)!, c = s.channels.firstIndex(of: channel)!
                    return inits.map { label in
                        let i = s.inits.firstIndex(of: label)!
                        return s.values[((i * s.leads.count + l) * s.channels.count + c) * s.bands.count + band]
                    }
                }
                let x = series(sa, bandA), y = series(sb, bandB)
                guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { continue }
                let test = PairedComparison(a: x, b: y, replicates: replicates, seed: seed)
                print(String(format: "%-14@ %6.1f %3d %12.5g  [%11.5g, %11.5g]  %7.4f  %7.3f  %6.4f", channel as NSString, lead, test.count,
                             test.meanDifference, test.interval.lower, test.interval.upper, test.pValue,
                             test.dieboldMariano.statistic, test.dieboldMariano.pValue))
                rows.append(["channel": channel, "lead_hours": lead, "cases": test.count, "mean_difference": test.meanDifference,
                             "ci_low": test.interval.lower, "ci_high": test.interval.upper, "p_bootstrap": test.pValue,
                             "block_length": test.bootstrap.meanBlockLength, "dm_statistic": test.dieboldMariano.statistic,
                             "p_dm": test.dieboldMariano.pValue])
            }
        }
        if let json {
            let object: [String: Any] = ["a": a, "b": b, "score": score, "band": band, "replicates": replicates, "seed": seed, "rows": rows]
            try writeAtomically(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: json)
        }
    }
}
