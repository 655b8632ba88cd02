import Evaluation
import Foundation
import HensCore

/// The numbers a forecaster reads first, one line per channel and lead, from the `scores.csv`
/// of `hens evaluate`: CRPS, RMSE, spread, the spread–skill ratio, the skill against
/// climatology and persistence, and the outlier fraction beside its expected value 2/(m+1).
///
/// Columns are looked up by name, so a renamed or missing column is an error naming it rather
/// than a blank in a log; a score that does not apply (NaN) prints as `n/a`.
public enum HeadlineScores {
    /// The `scores.csv` columns printed, with their labels and formats.
    static let columns: [(column: String, label: String, format: String)] = [
        ("crps", "CRPS", "%.4g"), ("rmse", "RMSE", "%.4g"), ("spread", "spread", "%.4g"), ("ssr", "SSR", "%.3f"),
        ("crpss_climatology", "CRPSS clim", "%.3f"), ("crpss_persistence", "CRPSS pers", "%.3f"),
        ("outlier_fraction", "outliers", "%.3f"), ("outlier_fraction_expected", "expected", "%.3f"),
    ]

    /// Lines for every channel at `lead` hours (nil: every lead after the initial time) in `band`.
    /// - Throws: `.badInput` naming the file and column when the table lacks one, or when no row
    ///   matches the lead and band.
    public static func lines(table: ScoreTable, lead: Double?, band: String = "global") throws -> [String] {
        var selected = try table.selecting("band", band)
        if let lead { selected = try selected.selecting("lead_hours", number: lead) }
        let channels = try selected.text("channel"), leads = try selected.numbers("lead_hours")
        let values = try columns.map { try selected.numbers($0.column) }
        let rows = leads.indices.filter { lead != nil || leads[$0] > 0 }
        guard !rows.isEmpty else {
            throw HensError(.badInput, "\(table.path): no \(band) rows\(lead.map { " at lead \(EventThreshold.format($0)) h" } ?? " after lead 0")")
        }
        let width = channels.map(\.count).max() ?? 0
        return rows.map { r in
            let cells = columns.indices.map { c in
                let v = values[c][r]
                return "\(columns[c].label) " + (v.isFinite ? String(format: columns[c].format, v) : "n/a")
            }
            let name = channels[r].padding(toLength: width, withPad: " ", startingAt: 0)
            return "   \(name)  lead \(EventThreshold.format(leads[r])) h: " + cells.joined(separator: "  ")
        }
    }
}
