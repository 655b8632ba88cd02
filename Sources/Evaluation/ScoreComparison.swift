import DatasetIO
import Foundation
import HensCore
import Scores

/// `hens compare`: two systems' per-init scores (two `scores.nc` of hens evaluate) paired on
/// the initial times both have, and for each channel and lead a paired test of A − B.
public struct ScoreComparison {
    /// One channel and lead: the paired test of the score's per-init differences.
    public struct Row {
        /// The channel scored.
        public let channel: String
        /// The lead, hours.
        public let leadHours: Double
        /// The paired test of A − B over the common initial times.
        public let test: PairedComparison
    }

    /// The rows, channel-major, in file A's order; pairs with a non-finite score are left out.
    public let rows: [Row]

    /// Reads both files and runs the tests.
    /// - Throws: `.invalidArgument` naming `--replicates`, `--score` or `--band`; `.badInput`
    ///   for a file that is not a scores.nc or shares fewer than two initial times.
    public init(a: String, b: String, score: String, band: String, replicates: Int, seed: UInt64) throws {
        guard (2...1_000_000).contains(replicates) else { throw HensError.invalid("--replicates", "2…1000000, got \(replicates)") }
        let sa = try Series(path: a, score: score), sb = try Series(path: b, score: score)
        let inits = sa.inits.filter { sb.inits.contains($0) }
        guard inits.count >= 2 else {
            throw HensError(.badInput, "\(a), \(b): \(inits.count) common initial time(s); a paired test needs at least 2")
        }
        guard let bandA = sa.bands.firstIndex(of: band), let bandB = sb.bands.firstIndex(of: band) else {
            throw HensError.invalid("--band", "a band of both files (\(sa.bands.joined(separator: ", "))), got '\(band)'")
        }
        var rows: [Row] = []
        for channel in sa.channels where sb.channels.contains(channel) {
            for lead in sa.leads where sb.leads.contains(lead) {
                let x = sa.values(inits, channel: channel, lead: lead, band: bandA)
                let y = sb.values(inits, channel: channel, lead: lead, band: bandB)
                guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { continue }
                rows.append(Row(channel: channel, leadHours: lead, test: PairedComparison(a: x, b: y, replicates: replicates, seed: seed)))
            }
        }
        self.rows = rows
    }

    /// One file's per-init score over (init, lead, channel, band).
    struct Series {
        let inits: [String], leads: [Double], channels: [String], bands: [String], values: [Double]

        init(path: String, score: String) throws {
            let file = try LabelledArrays.read(path: path)
            guard let i = file.axis("init")?.labels, let l = file.axis("lead")?.values, let c = file.axis("channel")?.labels,
                  let b = file.axis("band")?.labels else {
                throw HensError(.badInput, "\(path): not a scores.nc of hens evaluate (axes init, lead, channel, band)")
            }
            guard let v = file.variable(score), v.dimensions == ["init", "lead", "channel", "band"] else {
                let names = file.variables.filter { $0.dimensions.first == "init" && $0.dimensions.count == 4 }.map(\.name)
                throw HensError.invalid("--score", "a per-init score of \(path) (\(names.joined(separator: ", "))), got '\(score)'")
            }
            (inits, leads, channels, bands, values) = (i, l, c, b, v.values)
        }

        /// The score of each of `labels` at one channel, lead and band.
        func values(_ labels: [String], channel: String, lead: Double, band: Int) -> [Double] {
            let l = leads.firstIndex(of: lead)!, c = channels.firstIndex(of: channel)!
            return labels.map { label in
                let i = inits.firstIndex(of: label)!
                return values[((i * leads.count + l) * channels.count + c) * bands.count + band]
            }
        }
    }
}
