import Evaluation
import Foundation
import HensCore

/// Another system's scores shown beside the run's in the report (`hens report --compare NAME=SCORES`),
/// e.g. the stochastic SFNO beside bred vectors on the same initial times.
public struct ComparedRun: Equatable, Sendable {
    /// The name in legends and tables.
    public var name: String
    /// Its `hens evaluate` output folder.
    public var scores: String

    /// A compared run.
    public init(name: String, scores: String) {
        self.name = name
        self.scores = scores
    }

    /// Parses `NAME=FOLDER`.
    public static func parse(_ text: String) throws -> ComparedRun {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HensError.invalid("--compare", "NAME=SCORES_FOLDER (e.g. stochastic=runs/demo/scores-crps), got '\(text)'")
        }
        return ComparedRun(name: parts[0], scores: parts[1])
    }
}

/// The "Methods compared" section: SSR, outliers, CRPS against lead, rank histograms and spectra
/// of every method on one chart per channel, and a table of paired CRPS differences with
/// bootstrap intervals (`ScoreComparison`, initial times of one trajectory grouped).
struct ComparisonFigures {
    /// One method's tables.
    struct Method {
        let name: String
        let folder: String
        let members: Int
        let scores: ScoreTable
        let ranks: ScoreTable?
        let spectra: ScoreTable?

        init(name: String, folder: String) throws {
            let summary = try EvaluationSummary(path: folder + "/summary.json")
            self.name = name
            self.folder = folder
            members = summary.memberCount
            scores = try ScoreTable(path: folder + "/scores.csv")
            let table = { (file: String) in FileManager.default.fileExists(atPath: folder + "/" + file) ? try ScoreTable(path: folder + "/" + file) : nil }
            ranks = try table("rank_histogram.csv")
            spectra = try table("spectra.csv").map { try $0.selecting("kind", "angular") }
        }

        func global(_ channel: String) throws -> ScoreTable {
            let t = try scores.selecting("channel", channel)
            return t.has("band") ? try t.selecting("band", "global") : t
        }
    }

    let methods: [Method]
    let channels: [String]
    let headlineLead: Double
    let label: (String, String, Bool) -> String

    /// The run (first) and the compared ones; channels scored by all of them.
    init(run: Method, compared: [ComparedRun], channels: [String], headlineLead: Double,
         label: @escaping (String, String, Bool) -> String) throws {
        let methods = [run] + (try compared.map { try Method(name: $0.name, folder: $0.scores) })
        self.methods = methods
        self.channels = try channels.filter { c in try methods.allSatisfy { try !$0.scores.selecting("channel", c).rows.isEmpty } }
        self.headlineLead = headlineLead
        self.label = label
    }

    private func color(_ k: Int) -> String { GnuplotScript.palette[k % GnuplotScript.palette.count] }

    /// One chart per channel of `column` (or a value derived from a row set) against lead.
    private func leadChart(_ channel: String, id: String, title: String, yLabel: String, caption: String, reference: (String, Double)?,
                           value: (Method, ScoreTable) throws -> [Double]) throws -> [Figure] {
        var series: [Series] = []
        var leads: [Double] = []
        for (k, method) in methods.enumerated() {
            let rows = try method.global(channel)
            leads = try rows.numbers("lead_hours")
            let y = zip(leads, try value(method, rows)).map { $0 > 0 ? $1 : .nan }
            series.append(Series(method.name, x: leads, y: y, style: .linePoints, color: color(k)))
        }
        if let reference, !leads.isEmpty { series.append(Series.reference(reference.0, x: leads, value: reference.1)) }
        var figures: [Figure] = []
        figures.appendChart(id: "compare-\(id)-\(slug(channel))", section: .comparison, title: "\(channel): \(title)", caption: caption,
                            Chart(xLabel: ReportFigures.lead, yLabel: yLabel, series: series), width: 560, height: 360)
        return figures
    }

    func figures() throws -> [Figure] {
        var figures: [Figure] = []
        for channel in channels {
            figures += try leadChart(channel, id: "ssr", title: "spread-skill ratio", yLabel: "spread-skill ratio (1)",
                                     caption: "Spread over the RMSE of the ensemble mean, per method; 1 is a calibrated spread.",
                                     reference: ("ideal (1)", 1)) { _, rows in try rows.numbers("ssr") }
            figures += try leadChart(channel, id: "outliers", title: "outliers against their expected fraction",
                                     yLabel: "outlier fraction ÷ 2/(m+1) (1)",
                                     caption: "Fraction of points with the truth outside every member, divided by a reliable ensemble's 2/(m+1) for each method's m; 1 is reliable.",
                                     reference: ("reliable (1)", 1)) { method, rows in
                try rows.numbers("outlier_fraction").map { $0 * Double(method.members + 1) / 2 }
            }
            figures += try leadChart(channel, id: "crps", title: "CRPS", yLabel: label("CRPS", channel, false),
                                     caption: "Mean CRPS over initial times and the globe; lower is better.", reference: nil) { _, rows in
                try rows.numbers("crps")
            }
            figures += try ranks(channel) + spectrum(channel)
        }
        return figures
    }

    /// Rank histograms at the headline lead on a common axis: rank/(m) and frequency·(m+1).
    private func ranks(_ channel: String) throws -> [Figure] {
        var series: [Series] = []
        for (k, method) in methods.enumerated() {
            guard let table = method.ranks else { continue }
            let rows = try table.selecting("channel", channel).selecting("lead_hours", number: headlineLead)
            let m = Double(method.members)
            let x = try rows.numbers("rank").map { $0 / m }, y = try rows.numbers("frequency").map { $0 * (m + 1) }
            if !x.isEmpty { series.append(Series(method.name, x: x, y: y, style: .line, color: color(k))) }
        }
        guard !series.isEmpty else { return [] }
        series.append(Series.reference("uniform", x: [0, 1], value: 1))
        var figures: [Figure] = []
        figures.appendChart(id: "compare-ranks-\(slug(channel))", section: .comparison,
                            title: "\(channel): rank histograms at lead \(hours(headlineLead))",
                            caption: "Frequency of the truth's rank among the members, scaled so that a flat (reliable) histogram is 1 for any ensemble size; a U shape is under-dispersion.",
                            Chart(xLabel: "rank of the truth ÷ m (1)", yLabel: "frequency × (m+1) (1)", series: series), width: 560, height: 360)
        return figures
    }

    /// Angular power of the truth and of each method's members at the headline lead.
    private func spectrum(_ channel: String) throws -> [Figure] {
        var series: [Series] = []
        for (k, method) in methods.enumerated() {
            guard let table = method.spectra else { continue }
            let rows = try table.selecting("channel", channel).selecting("lead_hours", number: headlineLead)
            let degree = try rows.numbers("index")
            guard !degree.isEmpty else { continue }
            if series.isEmpty { series.append(Series("truth", x: degree, y: try rows.numbers("truth"), style: .line, color: "#000000")) }
            series.append(Series("\(method.name) members", x: degree, y: try rows.numbers("members"), style: .dashed, color: color(k)))
        }
        guard series.count > 1 else { return [] }
        var figures: [Figure] = []
        figures.appendChart(id: "compare-spectrum-\(slug(channel))", section: .comparison,
                            title: "\(channel): angular power at lead \(hours(headlineLead))",
                            caption: "Power per degree of the truth and of single members (averaged over members) of each method: do the members keep the truth's small scales?",
                            Chart(xLabel: "spherical harmonic degree l", yLabel: label("angular power", channel, true), series: series,
                                  logX: true, logY: true), width: 640, height: 420)
        return figures
    }

    /// Paired CRPS differences (compared method − the run) with 95 % intervals, trajectories as
    /// cases when the labels allow it, at the headline and last leads.
    func table(leads: [Double]) throws -> ReportTable {
        let run = methods[0]
        var rows: [[String]] = []
        for method in methods.dropFirst() {
            let a = method.folder + "/scores.nc", b = run.folder + "/scores.nc"
            // Trajectories as cases when the labels name them (initial times of one trajectory share
            // their weather); too few cases, or labels that are dates, fall back to initial times.
            func compare(_ grouping: ScoreComparison.Grouping) throws -> ScoreComparison? {
                do {
                    return try ScoreComparison(a: a, b: b, score: "crps", band: "global", replicates: 2000, seed: 0, grouping: grouping)
                } catch let error as HensError where error.message.contains("a paired test needs at least 2")
                    || (grouping == .trajectory && error.kind == .invalidArgument) {
                    return nil
                }
            }
            guard let comparison = try compare(.trajectory) ?? compare(.none) else {
                rows.append([method.name, "–", "–", "–", "–", "–", "–", "–", "fewer than 2 common initial times: no test"])
                continue
            }
            for row in comparison.rows where channels.contains(row.channel) && leads.contains(where: { abs($0 - row.leadHours) < 1e-6 }) {
                let t = row.test
                rows.append([method.name, row.channel, hours(row.leadHours), "\(comparison.caseCount) \(comparison.caseName)",
                             String(format: "%.4g", t.meanDifference), String(format: "%+.1f %%", 100 * t.meanDifference / row.meanB),
                             String(format: "[%.4g, %.4g]", t.interval.lower, t.interval.upper), String(format: "%.3f", t.pValue),
                             t.interval.upper < 0 ? "better" : (t.interval.lower > 0 ? "worse" : "not significant")])
            }
        }
        return ReportTable(title: "CRPS of each method minus that of \(run.name), paired on common cases (global)",
                           columns: ["method", "channel", "lead", "cases", "mean difference", "relative", "95% interval", "p", "verdict"],
                           rows: rows)
    }
}

/// A table on the report page, under a section's heading.
public struct ReportTable: Sendable {
    /// Caption above the table.
    public var title: String
    /// Column headings.
    public var columns: [String]
    /// Cells, row by row.
    public var rows: [[String]]
}
