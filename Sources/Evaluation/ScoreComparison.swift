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
        /// B's mean score over the same cases (the scale of the difference).
        public let meanB: Double
    }

    /// How initial times are grouped before the test.
    public enum Grouping: String, CaseIterable, Sendable {
        /// Each initial time is a case (the stationary bootstrap blocks neighbours in label order).
        case none
        /// Initial times of one trajectory (labels `SPLIT-TRAJECTORY-tHHH` of split-drawn initial
        /// times) are averaged into one case first: they share their weather, so they are not
        /// independent, while different trajectories are.
        case trajectory
    }

    /// The rows, channel-major, in file A's order; pairs with a non-finite score are left out.
    public let rows: [Row]
    /// Cases per test: common initial times, or trajectories when grouped.
    public let caseCount: Int
    /// What a case is: "initial times" or "trajectories".
    public var caseName: String { grouping == .none ? "initial times" : "trajectories" }
    /// How initial times were grouped.
    public let grouping: Grouping

    /// Reads both files and runs the tests.
    /// - Throws: `.invalidArgument` naming `--replicates`, `--score`, `--band` or `--group-by`;
    ///   `.badInput` for a file that is not a scores.nc or shares fewer than two cases.
    public init(a: String, b: String, score: String, band: String, replicates: Int, seed: UInt64,
                grouping: Grouping = .none) throws {
        guard (2...1_000_000).contains(replicates) else { throw HensError.invalid("--replicates", "2…1000000, got \(replicates)") }
        let sa = try Series(path: a, score: score), sb = try Series(path: b, score: score)
        let inits = sa.inits.filter { sb.inits.contains($0) }
        let groups = try Self.groups(inits, grouping)
        guard groups.count >= 2 else {
            throw HensError(.badInput, "\(a), \(b): \(groups.count) common \(grouping == .none ? "initial time(s)" : "trajectory(ies)"); "
                + "a paired test needs at least 2")
        }
        caseCount = groups.count
        self.grouping = grouping
        func means(_ values: [Double]) -> [Double] {
            groups.map { members in members.reduce(0.0) { $0 + values[$1] } / Double(members.count) }
        }
        guard let bandA = sa.bands.firstIndex(of: band), let bandB = sb.bands.firstIndex(of: band) else {
            throw HensError.invalid("--band", "a band of both files (\(sa.bands.joined(separator: ", "))), got '\(band)'")
        }
        var rows: [Row] = []
        for channel in sa.channels where sb.channels.contains(channel) {
            for lead in sa.leads where sb.leads.contains(lead) {
                let x = means(sa.values(inits, channel: channel, lead: lead, band: bandA))
                let y = means(sb.values(inits, channel: channel, lead: lead, band: bandB))
                guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { continue }
                rows.append(Row(channel: channel, leadHours: lead, test: PairedComparison(a: x, b: y, replicates: replicates, seed: seed),
                                meanB: y.reduce(0, +) / Double(y.count)))
            }
        }
        self.rows = rows
    }

    /// Indices of `inits` per case, cases in order of first appearance.
    static func groups(_ inits: [String], _ grouping: Grouping) throws -> [[Int]] {
        guard grouping == .trajectory else { return inits.indices.map { [$0] } }
        var keys: [String] = [], members: [String: [Int]] = [:]
        for (i, label) in inits.enumerated() {
            guard let cut = label.range(of: "-t", options: .backwards), label[cut.upperBound...].allSatisfy(\.isNumber),
                  label[..<cut.lowerBound].contains("-") else {
                throw HensError.invalid("--group-by", "none for initial times that are not drawn from a split "
                    + "(labels SPLIT-TRAJECTORY-tHHH), got label '\(label)'")
            }
            let key = String(label[..<cut.lowerBound])
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(i)
        }
        return keys.map { members[$0]! }
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
