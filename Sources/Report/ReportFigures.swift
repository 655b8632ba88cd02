import DatasetIO
import Evaluation
import Foundation
import HensCore

/// Chooses and builds the report's figures from the run's scores, case fields and training
/// logs. Every figure names its axes with units and has a legend or a colour bar; a figure
/// whose data are absent (a table not written, an event not configured) is left out, and the
/// page says why (`ReportPage`).
public struct ReportFigures {
    /// The evaluation's summary.
    public let summary: EvaluationSummary
    /// The evaluation's tables.
    public let inputs: ReportInputs
    /// Units of each channel (CF text), where known.
    public let units: [String: String]
    /// The lead of the headline table, rank histograms and probability plots (hours).
    public let headlineLead: Double
    /// Leads whose spectra are drawn (hours).
    public let spectrumLeads: [Double]
    /// `scores.csv`, read once for every figure and the headline table.
    let scores: ScoreTable

    /// Figures for `summary` and the tables under `inputs`.
    public init(summary: EvaluationSummary, inputs: ReportInputs, units: [String: String], headlineLead: Double, spectrumLeads: [Double]) throws {
        scores = try ScoreTable(path: inputs.scores + "/scores.csv")
        self.summary = summary
        self.inputs = inputs
        self.units = units
        self.headlineLead = headlineLead
        self.spectrumLeads = spectrumLeads
    }

    /// `name (units)`, or the name alone when the units are unknown.
    func label(_ name: String, channel: String, squared: Bool = false) -> String {
        guard let u = units[channel], !u.isEmpty else { return name }
        return squared ? "\(name) ((\(u))2)" : "\(name) (\(u))"
    }

    /// Global-band rows of scores.csv for one channel.
    func globalScores(_ channel: String) throws -> ScoreTable {
        let table = try scores.selecting("channel", channel)
        return table.has("band") ? try table.selecting("band", "global") : table
    }

    static let lead = "lead (h)"

    /// The headline table: per channel, global scores at the headline lead.
    public func headline() throws -> (lead: Double, columns: [String], rows: [[String]]) {
        let columns = [("crps", "CRPS"), ("crpss_climatology", "CRPSS vs climatology"), ("crpss_persistence", "CRPSS vs persistence"),
                       ("rmse", "RMSE"), ("spread", "spread"), ("ssr", "SSR"), ("outlier_fraction", "outlier fraction")]
        var rows: [[String]] = []
        for channel in summary.channels {
            let row = try globalScores(channel).selecting("lead_hours", number: headlineLead)
            guard !row.rows.isEmpty else { continue }
            var cells = [channel]
            for (column, _) in columns {
                let value = row.has(column) ? try row.numbers(column)[0] : .nan
                cells.append(value.isFinite ? String(format: "%.4g", value) : "–")
            }
            if row.has("outlier_fraction_expected"), let e = try row.numbers("outlier_fraction_expected").first, e.isFinite {
                cells[cells.count - 1] += String(format: " (expected %.3g)", e)
            }
            rows.append(cells)
        }
        return (headlineLead, ["channel"] + columns.map(\.1), rows)
    }

    /// CRPS (standard and fair), RMSE and spread against lead per channel, with the CRPS of
    /// climatology and persistence as references; then the CRPS skill scores of all channels.
    public func skill() throws -> [Figure] {
        var figures: [Figure] = []
        var skillSeries: [Series] = []
        for (k, channel) in summary.channels.enumerated() {
            let rows = try globalScores(channel)
            let leads = try rows.numbers("lead_hours")
            // A forecast that kept only its summary has no CRPS columns: RMSE and spread remain.
            let columns: [(String, String, Series.Style)] = [
                ("crps", "CRPS", .linePoints), ("crps_fair", "CRPS (fair)", .dotted), ("rmse", "RMSE of the ensemble mean", .linePoints),
                ("spread", "spread", .linePoints), ("crps_climatology", "CRPS of climatology", .dashed), ("crps_persistence", "CRPS of persistence", .dashed),
            ]
            let series = try columns.filter { rows.has($0.0) }.map { Series($0.1, x: leads, y: try rows.numbers($0.0), style: $0.2) }
            let chart = Chart(xLabel: Self.lead, yLabel: label("score", channel: channel), series: series)
            figures.appendChart(id: "skill-\(slug(channel))", section: .skill, title: "\(channel): CRPS, RMSE and spread (global)",
                                caption: "Area-weighted global means over \(summary.inits.count) initial times; the RMSE is that of the ensemble mean. Lower is better; for a reliable ensemble the spread × √((m+1)/m) matches the RMSE.",
                                chart)
            let color = GnuplotScript.palette[k % GnuplotScript.palette.count]
            if rows.has("crpss_climatology") {
                skillSeries.append(Series("\(channel) vs climatology", x: leads, y: try rows.numbers("crpss_climatology"), color: color))
            }
            if rows.has("crpss_persistence") {
                skillSeries.append(Series("\(channel) vs persistence", x: leads, y: try rows.numbers("crpss_persistence"), style: .dashed, color: color))
            }
        }
        let chart = Chart(xLabel: Self.lead, yLabel: "CRPS skill score (1 = perfect, 0 = reference)", series: skillSeries)
        figures.appendChart(id: "crpss", section: .skill, title: "CRPS skill against climatology and persistence (global)",
                            caption: "CRPSS = 1 − CRPS / CRPS of the reference; above 0 the ensemble beats the reference.",
                            chart)
        return figures
    }

    /// Spread–skill ratio and the fraction of truths outside the ensemble, against lead.
    public func dispersion() throws -> [Figure] {
        var ssr: [Series] = [], outliers: [Series] = []
        var leads: [Double] = []
        for (k, channel) in summary.channels.enumerated() {
            let rows = try globalScores(channel)
            leads = try rows.numbers("lead_hours")
            let color = GnuplotScript.palette[k % GnuplotScript.palette.count]
            // At lead 0 the ensemble mean is the analysis (RMSE ≈ 0): the ratio means nothing there.
            let ratio = zip(leads, try rows.numbers("ssr")).map { $0 > 0 ? $1 : .nan }
            ssr.append(Series(channel, x: leads, y: ratio, color: color))
            if rows.has("outlier_fraction") {
                outliers.append(Series(channel, x: leads, y: try rows.numbers("outlier_fraction"), color: color))
            }
        }
        var figures: [Figure] = []
        if !leads.isEmpty {
            ssr.append(Series.reference("ideal (1)", x: leads, value: 1))
        }
        let ssrChart = Chart(xLabel: Self.lead, yLabel: "spread-skill ratio (1)", series: ssr)
        figures.appendChart(id: "ssr", section: .dispersion, title: "Spread-skill ratio (global)",
                            caption: "Spread over RMSE of the ensemble mean, with the finite-ensemble factor √((m+1)/m); below 1 the ensemble is under-dispersive.",
                            ssrChart)
        if !outliers.isEmpty, !leads.isEmpty {
            let expected = 2.0 / Double(summary.memberCount + 1)
            outliers.append(Series.reference("expected 2/(m+1)", x: leads, value: expected))
            let chart = Chart(xLabel: Self.lead, yLabel: "fraction of points (1)", series: outliers)
            figures.appendChart(id: "outliers", section: .dispersion, title: "Truth outside the ensemble range (global)",
                                caption: "Fraction of points where the truth is below every member or above every member; a reliable ensemble of m members has 2/(m+1).",
                                chart)
        }
        return figures
    }

    /// Rank histograms per channel at the headline lead and the last lead.
    public func ranks() throws -> [Figure] {
        guard let path = inputs.table("rank_histogram.csv") else { return [] }
        let table = try ScoreTable(path: path)
        var figures: [Figure] = []
        let leads = Array(Set([headlineLead, summary.leads.last ?? headlineLead])).sorted()
        for channel in summary.channels {
            for lead in leads {
                let rows = try table.selecting("channel", channel).selecting("lead_hours", number: lead)
                let (ranks, frequency, width) = Self.binnedRanks(try rows.numbers("rank"), try rows.numbers("frequency"))
                guard !ranks.isEmpty else { continue }
                let uniform = 1 / Double(summary.memberCount + 1)
                let chart = Chart(xLabel: "rank of the truth among the members",
                                  yLabel: width > 1 ? "frequency per rank, bins of \(width) (1)" : "relative frequency (1)",
                                  series: [Series("lead \(hours(lead))", x: ranks, y: frequency, style: .bars(width: 0.8 * Double(width))),
                                           Series.reference("uniform 1/(m+1)", x: ranks, value: uniform)],
                                  xRange: (ranks[0] - Double(width) / 2)...(ranks[ranks.count - 1] + Double(width) / 2), legend: "top center")
                figures.appendChart(id: "ranks-\(slug(channel))-\(slug(hours(lead)))", section: .ranks,
                                    title: "\(channel): rank histogram at lead \(hours(lead))",
                                    caption: "A flat histogram is a reliable ensemble; a U shape is under-dispersion, a dome over-dispersion, a slope a bias.",
                                    chart, width: 560, height: 360)
            }
        }
        return figures
    }

    /// Rank frequencies in at most `maxBins` bars: a 7,424-member histogram has 7,425 ranks,
    /// too thin to see. Each bar is the mean frequency per rank of its bin (centred on the bin),
    /// so the uniform level stays 1/(m+1). Returns centres, means and the bin width in ranks.
    static func binnedRanks(_ ranks: [Double], _ frequency: [Double], maxBins: Int = 65) -> ([Double], [Double], Int) {
        guard ranks.count > maxBins else { return (ranks, frequency, 1) }
        let width = (ranks.count + maxBins - 1) / maxBins
        var centres: [Double] = [], means: [Double] = []
        for start in stride(from: 0, to: ranks.count, by: width) {
            let bin = start..<min(start + width, ranks.count)
            centres.append((ranks[bin.lowerBound] + ranks[bin.upperBound - 1]) / 2)
            means.append(frequency[bin].reduce(0, +) / Double(bin.count))
        }
        return (centres, means, width)
    }

    /// An event of `hens evaluate` (`gt20`, `p90`) as a legend entry: `> 20 m s-1`, `> 90th percentile`.
    func eventLabel(_ event: String, channel: String) -> String {
        switch EventThreshold(label: event) {
        case .value(let v)?:
            let u = units[channel].map { $0.isEmpty ? "" : " " + $0 } ?? ""
            return "> " + EventThreshold.format(v) + u
        case .percentile(let p)?:
            return "> \(EventThreshold.format(p))th percentile"
        case nil:
            return event
        }
    }

    /// Reliability diagrams and ROC curves per channel at the headline lead, one series per event.
    public func probabilities() throws -> [Figure] {
        var figures: [Figure] = []
        let reliability = try inputs.table("reliability.csv").map { try ScoreTable(path: $0).selecting("lead_hours", number: headlineLead) }
        let roc = try inputs.table("roc.csv").map { try ScoreTable(path: $0).selecting("lead_hours", number: headlineLead) }
        for channel in summary.channels {
            // Events that never or always happened at this lead (base rate 0 or 1: no
            // reliability, no ROC) would only add flat lines; the caption names them instead.
            var observed: [String]?, unobserved: [String] = []
            let reliabilityRows = try reliability?.selecting("channel", channel)
            if let rows = reliabilityRows {
                observed = try rows.distinct("event").filter { event in
                    let seen = try rows.selecting("event", event).numbers("uncertainty").contains { $0 > 0 }
                    if !seen { unobserved.append(event) }
                    return seen
                }
            }
            let absent = unobserved.isEmpty ? "" : " Not drawn (never or always observed at this lead): \(unobserved.map { eventLabel($0, channel: channel) }.joined(separator: ", "))."
            if let rows = reliabilityRows {
                let series = try (observed ?? []).map { event in
                    let e = try rows.selecting("event", event)
                    return Series(eventLabel(event, channel: channel), x: try e.numbers("mean_probability"), y: try e.numbers("observed_frequency"))
                }
                let chart = Chart(xLabel: "forecast probability (1)", yLabel: "observed frequency (1)", series: series + [Series.diagonal("perfect")],
                                  xRange: 0...1, yRange: 0...1, legend: "top left box opaque")
                if !series.isEmpty {
                    figures.appendChart(id: "reliability-\(slug(channel))", section: .probabilities, title: "\(channel): reliability at lead \(hours(headlineLead))",
                                        caption: "Observed frequency of each event against the forecast probability (members above the threshold); on the diagonal is reliable." + absent,
                                        chart, width: 480, height: 440)
                }
            }
            if let rows = try roc?.selecting("channel", channel) {
                let series = try (observed ?? rows.distinct("event")).map { event in
                    let e = try rows.selecting("event", event)
                    let auc = try e.numbers("auc").first ?? .nan
                    return Series(String(format: "%@ (AUC %.3f)", eventLabel(event, channel: channel), auc), x: try e.numbers("false_alarm_rate"), y: try e.numbers("hit_rate"))
                }
                let chart = Chart(xLabel: "false alarm rate (1)", yLabel: "hit rate (1)",
                                  series: series + [Series.diagonal("no skill")],
                                  xRange: 0...1, yRange: 0...1, legend: "bottom right box opaque")
                if !series.isEmpty {
                    figures.appendChart(id: "roc-\(slug(channel))", section: .probabilities, title: "\(channel): ROC at lead \(hours(headlineLead))",
                                        caption: "Hit rate against false alarm rate as the probability threshold varies; the area under the curve (AUC) is 0.5 without skill." + absent,
                                        chart, width: 480, height: 440)
                }
            }
        }
        return figures
    }

    /// Angular power spectra of truth, members and ensemble mean at several leads, per channel.
    public func spectra() throws -> [Figure] {
        guard let path = inputs.table("spectra.csv") else { return [] }
        let table = try ScoreTable(path: path).selecting("kind", "angular")
        var figures: [Figure] = []
        for channel in summary.channels {
            let rows = try table.selecting("channel", channel)
            var series: [Series] = []
            for (k, lead) in spectrumLeads.enumerated() {
                let r = try rows.selecting("lead_hours", number: lead)
                let degree = try r.numbers("index")
                guard !degree.isEmpty else { continue }
                let color = GnuplotScript.palette[k % GnuplotScript.palette.count]
                series += [Series("truth, \(hours(lead))", x: degree, y: try r.numbers("truth"), style: .line, color: color),
                           Series("members, \(hours(lead))", x: degree, y: try r.numbers("members"), style: .dashed, color: color),
                           Series("ensemble mean, \(hours(lead))", x: degree, y: try r.numbers("ensemble_mean"), style: .dotted, color: color)]
            }
            let chart = Chart(xLabel: "spherical harmonic degree l", yLabel: label("angular power", channel: channel, squared: true),
                              series: series, logX: true, logY: true)
            figures.appendChart(id: "spectrum-\(slug(channel))", section: .spectra, title: "\(channel): angular power spectrum",
                                caption: "Power per degree of the truth (solid), of single members (dashed, averaged over members) and of the ensemble mean (dotted). Members should keep the truth's small scales; the mean loses them as the lead grows.",
                                chart, width: 640, height: 440)
        }
        return figures
    }

    /// Maps of ensemble mean, spread, truth and EFI for one case, per channel in `channels`.
    public func maps(_ fields: CaseFields, channels: [String]) -> [Figure] {
        var figures: [Figure] = []
        let when = "\(fields.initLabel) + \(hours(fields.leadHours))"
        for (c, info) in fields.channels.enumerated() where channels.contains(info.name) {
            func map(_ kind: String, _ values: [Double], _ what: String, palette: MapField.Palette = .sequential,
                     range: ClosedRange<Double>? = nil, caption: String) -> Figure {
                Figure(id: "map-\(slug(info.name))-\(slug(kind))", section: .maps, title: "\(info.name): \(kind), \(when)", caption: caption,
                       content: .map(MapField(latitudes: fields.latitudes, longitudes: fields.longitudes, values: values,
                                              colorLabel: what, palette: palette, range: range)),
                       width: 620, height: 340)
            }
            let unit = info.units.isEmpty ? "" : " (\(info.units))"
            let shown = [fields.mean[c]] + (fields.truth.map { [$0[c]] } ?? [])
            let finite = shown.flatMap { $0.filter(\.isFinite) }
            let shared = (finite.min() ?? 0)...(finite.max() ?? 1)
            figures.append(map("ensemble mean", fields.mean[c], info.name + unit, range: shared,
                               caption: "Mean of all members; same colour scale as the truth."))
            figures.append(map("ensemble spread", fields.spread[c], "standard deviation" + unit,
                               caption: "Standard deviation over the members (ddof 1): where the ensemble is uncertain."))
            if let truth = fields.truth {
                figures.append(map("truth", truth[c], info.name + unit, range: shared, caption: "The verifying analysis from the dataset."))
            }
            if let efi = fields.efi {
                figures.append(map("EFI", efi[c], "Extreme Forecast Index (1)", palette: .diverging, range: -1...1,
                                   caption: "Extreme Forecast Index against the model climate: +1 every member above the climate's maximum, −1 below its minimum."))
            }
        }
        return figures
    }

    /// Training and validation loss against optimiser step, and the final validation RMSE
    /// against lead, for every checkpoint under `checkpoints`.
    public static func training(checkpoints: String) throws -> [Figure] {
        let seeds = ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: checkpoints + "/" + $0 + "/metrics.jsonl") }
        var loss: [Series] = [], rmse: [Series] = []
        var reference: ValidationMetrics?
        for (k, folder) in seeds.enumerated() {
            let path = checkpoints + "/" + folder + "/metrics.jsonl"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HensError(.io, "\(path): cannot read the training log")
            }
            let records = try String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated().map { n, line in
                do { return try JSONDecoder().decode(EpochRecord.self, from: Data(line.utf8)) } catch {
                    throw HensError(.badInput, "\(path): line \(n + 1) is not a training record (\(error))")
                }
            }
            guard let last = records.last else { continue }
            let color = GnuplotScript.palette[k % GnuplotScript.palette.count]
            let trace = records.flatMap(\.lossTrace)
            if trace.isEmpty {
                loss.append(Series("\(folder) training", x: records.map { Double($0.step) }, y: records.map(\.trainLoss), color: color))
            } else {
                loss.append(Series("\(folder) training", x: trace.map { Double($0.step) }, y: trace.map(\.loss), style: .line, color: color))
            }
            loss.append(Series("\(folder) validation", x: records.map { Double($0.step) }, y: records.map(\.validation.loss), style: .dashedPoints, color: color))
            let v = last.validation
            rmse.append(Series("\(folder) (epoch \(last.epoch))", x: v.rmseAll.indices.map { Double($0 + 1) }, y: v.rmseAll, color: color))
            reference = reference ?? v
        }
        guard let reference else { return [] }
        let steps = reference.rmseAll.indices.map { Double($0 + 1) }
        if let first = loss.first(where: { $0.title.hasSuffix("validation") }) {
            let p = reference.persistenceLoss
            loss.append(Series("persistence (validation)", x: [first.x.first ?? 0, first.x.last ?? 1], y: [p, p], style: .dashed, color: "#000000"))
        }
        rmse += [Series("persistence", x: steps, y: reference.persistenceRMSEAll, style: .dashed, color: "#000000"),
                 Series("climatology", x: steps, y: reference.climatologyRMSEAll, style: .dotted, color: "#000000")]
        return [
            Figure(id: "training-loss", section: .training, title: "Training and validation loss",
                   caption: "Training loss (mean over windows of steps) and the one-step validation loss at the end of each epoch, per checkpoint; the dashed line is persistence's validation loss.",
                   content: .chart(Chart(xLabel: "optimiser step", yLabel: "loss (normalised units)", series: loss, logY: true))),
            Figure(id: "training-rmse", section: .training, title: "Validation RMSE of the final checkpoints",
                   caption: "Autoregressive RMSE over all channels (normalised units) on the validation split, against persistence and climatology.",
                   content: .chart(Chart(xLabel: "lead (model steps)", yLabel: "RMSE (normalised units)", series: rmse))),
        ]
    }
}

/// A lead as text: `6 h`, `1.5 h`.
func hours(_ h: Double) -> String {
    h == h.rounded() ? "\(Int(h)) h" : String(format: "%g h", h)
}

/// `text` reduced to `[a-z0-9-]` for identifiers and file names.
func slug(_ text: String) -> String {
    let mapped = text.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" }
    return String(mapped).split(separator: "-").joined(separator: "-")
}
