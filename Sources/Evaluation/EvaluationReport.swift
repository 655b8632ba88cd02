import Scores
import DatasetIO
import Foundation
import HensCore

/// Writes an `EvaluationResult` as the score files of `hens evaluate` (see README "Scores"):
/// `scores.nc` (everything, by init, lead, channel, band, …), `summary.json` (scores averaged
/// over initial times, skill scores, ensemble facts) and CSV tables (`scores.csv`,
/// `rank_histogram.csv`, `reliability.csv`, `roc.csv`, `spectra.csv`, `ensemble_size.csv`,
/// `above_truth.csv`), plus `extremes.nc` (EFI/SOT maps) with a model climate.
public enum EvaluationReport {
    /// Scores averaged over initial times, one row per (channel, lead, band).
    public static func aggregate(_ r: EvaluationResult) -> [[String: Double]] {
        var rows: [[String: Double]] = []
        let m = Double(r.memberCount)
        for c in r.channels.indices {
            for l in r.leads.indices {
                for b in r.bands.indices {
                    var row: [String: Double] = ["lead_hours": r.leads[l]]
                    for name in r.scoreNames where !["mse", "variance", "mse_climatology", "mse_persistence", "acc", "acc_centred"].contains(name) {
                        row[name] = r.meanOverInits(name, lead: l, channel: c, band: b)
                    }
                    let d = r.dispersion[r.leadChannelBand(l, c, b)]
                    row["rmse"] = d.rootMeanSquaredError
                    row["spread"] = d.spread
                    row["ssr"] = d.spreadSkillRatio
                    row["ssr_unbiased"] = d.unbiasedSpreadSkillRatio
                    let acc = r.anomalyCorrelation[r.leadChannelBand(l, c, b)]
                    row["acc"] = acc.uncentred
                    row["acc_centred"] = acc.centred
                    let rmseClimatology = r.meanOverInits("mse_climatology", lead: l, channel: c, band: b).squareRoot()
                    let rmsePersistence = r.meanOverInits("mse_persistence", lead: l, channel: c, band: b).squareRoot()
                    row["rmse_climatology"] = rmseClimatology
                    row["rmse_persistence"] = rmsePersistence
                    row["rmsess_climatology"] = 1 - d.rootMeanSquaredError / rmseClimatology
                    row["rmsess_persistence"] = 1 - d.rootMeanSquaredError / rmsePersistence
                    if let crps = row["crps"] {
                        row["crpss_climatology"] = 1 - crps / (row["crps_climatology"] ?? .nan)
                        row["crpss_persistence"] = 1 - crps / (row["crps_persistence"] ?? .nan)
                    }
                    row["outlier_fraction_expected"] = 2 / (m + 1)
                    rows.append(row)
                }
            }
        }
        return rows
    }

    /// Writes every file into folder `requested` as a whole: into a staging folder beside it, which
    /// then replaces it, so a failed write (a full disk) leaves the previous scores or nothing.
    public static func write(_ r: EvaluationResult, to requested: String) throws {
        let output = try outputFolder(requested)
        do {
            let directory = try output.makeStaging()
            try scoresFile(r).write(to: directory + "/scores.nc")
            if let maps = extremesFile(r) { try maps.write(to: directory + "/extremes.nc") }
            let rows = aggregate(r)
            try writeText(summaryJSON(r, rows), to: directory + "/summary.json")
            try writeText(scoresCSV(r, rows), to: directory + "/scores.csv")
            try writeText(rankCSV(r), to: directory + "/rank_histogram.csv")
            try writeText(reliabilityCSV(r), to: directory + "/reliability.csv")
            try writeText(rocCSV(r), to: directory + "/roc.csv")
            try writeText(spectraCSV(r), to: directory + "/spectra.csv")
            try writeText(ensembleSizeCSV(r), to: directory + "/ensemble_size.csv")
            try writeText(aboveTruthCSV(r), to: directory + "/above_truth.csv")
            try output.commit()
        } catch {
            output.discard()
            if error is HensError { throw error }
            throw HensError(.io, "\(output.folder): cannot write the scores (\(error.localizedDescription))")
        }
    }

    /// The scores folder `requested` as a whole-or-nothing output: refused when it exists and is
    /// not a hens scores folder (a dataset, a forecast, other files). Call it before scoring, so
    /// that a mistyped `--out` is refused before the work.
    public static func outputFolder(_ requested: String) throws -> OutputFolderSwap {
        try OutputFolderSwap(folder: requested, marker: "summary.json", what: "a hens scores folder", option: "--out")
    }

    // MARK: NetCDF

    static func scoresFile(_ r: EvaluationResult) -> LabelledArrays {
        var axes: [LabelledArrays.Axis] = [
            .init("init", labels: r.inits, attributes: ["long_name": "initial time (forecast folder)"]),
            .init("lead", values: r.leads, attributes: ["long_name": "forecast lead time", "units": "hours"]),
            .init("channel", labels: r.channels),
            .init("band", labels: r.bands, attributes: ["long_name": "latitude band of the spatial mean"]),
            .init("rank", values: (0...r.memberCount).map(Double.init), attributes: ["long_name": "rank of the truth among the members"]),
        ]
        var variables: [LabelledArrays.Variable] = r.scoreNames.map {
            .init($0, dimensions: ["init", "lead", "channel", "band"], values: r.scores[$0]!,
                  attributes: ["long_name": r.descriptions[$0] ?? $0])
        }
        let lcb = r.leads.count * r.channels.count * r.bands.count
        func perLeadChannelBand(_ name: String, _ description: String, _ value: (Int) -> Double) {
            variables.append(.init(name, dimensions: ["lead", "channel", "band"], values: (0..<lcb).map(value),
                                   attributes: ["long_name": description]))
        }
        perLeadChannelBand("rmse_over_inits", "ensemble-mean RMSE, square root after the mean over initial times") { r.dispersion[$0].rootMeanSquaredError }
        perLeadChannelBand("spread_over_inits", "ensemble spread, root of the mean variance (ddof 1)") { r.dispersion[$0].spread }
        perLeadChannelBand("ssr_over_inits", "spread-skill ratio with the Fortin factor sqrt((m+1)/m)") { r.dispersion[$0].spreadSkillRatio }
        perLeadChannelBand("acc_over_inits", "uncentred anomaly correlation of the ensemble mean, mean over initial times") { r.anomalyCorrelation[$0].uncentred }
        let lc = r.leads.count * r.channels.count
        variables.append(.init("rank_histogram", dimensions: ["lead", "channel", "rank"],
                               values: (0..<lc).flatMap { r.rankHistograms[$0].frequencies },
                               attributes: ["long_name": "relative frequency of the truth's rank (random tie-break), all points unweighted"]))
        if let a = r.angularSpectra {
            axes.append(.init("degree", values: (0..<r.degrees).map(Double.init), attributes: ["long_name": "spherical-harmonic degree l"]))
            for (name, values, what) in [("power_members", a.members, "mean of the members' angular power spectra"),
                                         ("power_ensemble_mean", a.mean, "angular power spectrum of the ensemble mean"),
                                         ("power_truth", a.truth, "angular power spectrum of the truth")] {
                variables.append(.init(name, dimensions: ["init", "lead", "channel", "degree"], values: values,
                                       attributes: ["long_name": what + " (orthonormal SHT, |a_l0|² + 2Σ|a_lm|²)"]))
            }
        }
        if let z = r.zonalSpectra {
            axes.append(.init("wavenumber", values: (0..<r.wavenumbers).map(Double.init), attributes: ["long_name": "zonal wavenumber k"]))
            for (name, values, what) in [("zonal_members", z.members, "mean of the members' zonal energy spectra"),
                                         ("zonal_ensemble_mean", z.mean, "zonal energy spectrum of the ensemble mean"),
                                         ("zonal_truth", z.truth, "zonal energy spectrum of the truth")] {
                variables.append(.init(name, dimensions: ["init", "lead", "channel", "wavenumber"], values: values,
                                       attributes: ["long_name": what + " (band mean, Nyquist counted once)", "units": "m (field unit)2"]))
            }
        }
        var attributes = r.attributes
        attributes["member_count"] = String(r.memberCount)
        attributes["members_used"] = zip(r.inits, r.membersUsed).map { "\($0): \(MemberSelection.format($1))" }.joined(separator: "; ")
        return LabelledArrays(axes: axes, variables: variables, attributes: attributes)
    }

    static func extremesFile(_ r: EvaluationResult) -> LabelledArrays? {
        guard let maps = r.extremeMaps else { return nil }
        let axes: [LabelledArrays.Axis] = [
            .init("init", labels: r.inits), .init("lead", values: r.leads, attributes: ["units": "hours"]), .init("channel", labels: r.channels),
            .init("lat", values: r.latitudes, attributes: ["units": "degrees_north", "standard_name": "latitude"]),
            .init("lon", values: r.longitudes, attributes: ["units": "degrees_east", "standard_name": "longitude"]),
        ]
        let dims = ["init", "lead", "channel", "lat", "lon"]
        return LabelledArrays(axes: axes, variables: [
            .init("efi", dimensions: dims, values: maps.efi, attributes: ["long_name": "Extreme Forecast Index against the model climate (exact piecewise form)"]),
            .init("sot90", dimensions: dims, values: maps.sot90, attributes: ["long_name": "shift of tails, upper (90th vs 99th/90th climate percentiles)"]),
            .init("sot10", dimensions: dims, values: maps.sot10, attributes: ["long_name": "shift of tails, lower (10th vs 1st/10th climate percentiles)"]),
        ], attributes: r.attributes)
    }

    // MARK: JSON and CSV

    static func summaryJSON(_ r: EvaluationResult, _ rows: [[String: Double]]) throws -> String {
        func clean(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        var byChannel: [String: Any] = [:]
        var k = 0
        for channel in r.channels {
            var leads: [[String: Any]] = []
            for _ in r.leads.indices {
                var bands: [String: Any] = [:]
                var lead = 0.0
                for band in r.bands {
                    lead = rows[k]["lead_hours"]!
                    bands[band] = rows[k].filter { $0.key != "lead_hours" }.mapValues(clean)
                    k += 1
                }
                leads.append(["lead_hours": lead, "bands": bands])
            }
            byChannel[channel] = leads
        }
        var ranks: [String: Any] = [:]
        for (c, channel) in r.channels.enumerated() {
            let last = r.rankHistograms[r.leadChannel(r.leads.count - 1, c)]
            ranks[channel] = ["outlier_fraction": clean(last.outlierFraction), "expected": last.expectedOutlierFraction,
                              "extreme_rank_fraction": clean(last.extremeRankFraction)]
        }
        let object: [String: Any] = [
            "hens_version": HensVersion.string, "member_count": r.memberCount, "inits": r.inits,
            "leads_hours": r.leads, "channels": r.channels, "bands": r.bands,
            "members_used": Dictionary(uniqueKeysWithValues: zip(r.inits, r.membersUsed.map { MemberSelection.format($0) })),
            "partial": zip(r.membersUsed, r.expectedMembers).contains { $0.count < $1 },
            "options": r.attributes, "scores": byChannel, "last_lead_ranks": ranks,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func csvNumber(_ x: Double) -> String { x.isFinite ? String(format: "%.8g", x) : "" }

    static func scoresCSV(_ r: EvaluationResult, _ rows: [[String: Double]]) -> String {
        let names = Array(Set(rows.flatMap(\.keys))).filter { $0 != "lead_hours" }.sorted()
        var text = "channel,lead_hours,band," + names.joined(separator: ",") + "\n"
        var k = 0
        for channel in r.channels {
            for _ in r.leads.indices {
                for band in r.bands {
                    let row = rows[k]
                    text += "\(channel),\(csvNumber(row["lead_hours"]!)),\(band)," + names.map { csvNumber(row[$0] ?? .nan) }.joined(separator: ",") + "\n"
                    k += 1
                }
            }
        }
        return text
    }

    static func rankCSV(_ r: EvaluationResult) -> String {
        var text = "channel,lead_hours,rank,frequency\n"
        for (c, channel) in r.channels.enumerated() {
            for (l, lead) in r.leads.enumerated() {
                for (k, f) in r.rankHistograms[r.leadChannel(l, c)].frequencies.enumerated() {
                    text += "\(channel),\(csvNumber(lead)),\(k),\(csvNumber(f))\n"
                }
            }
        }
        return text
    }

    static func reliabilityCSV(_ r: EvaluationResult) -> String {
        var text = "channel,lead_hours,event,bin_lower,bin_upper,count,mean_probability,observed_frequency,brier,brier_fair,reliability,resolution,uncertainty,log_score\n"
        for (c, channel) in r.channels.enumerated() {
            for (l, lead) in r.leads.enumerated() {
                for (e, event) in r.events[r.leadChannel(l, c)].enumerated() {
                    let d = event.exactDecomposition
                    for bin in event.reliabilityDiagram() {
                        text += "\(channel),\(csvNumber(lead)),\(r.eventLabels[c][e]),\(csvNumber(bin.lower)),\(csvNumber(bin.upper)),"
                            + "\(csvNumber(bin.count)),\(csvNumber(bin.meanProbability)),\(csvNumber(bin.observedFrequency)),"
                            + "\(csvNumber(event.brierScore)),\(csvNumber(event.fairBrierScore)),\(csvNumber(d.reliability)),"
                            + "\(csvNumber(d.resolution)),\(csvNumber(d.uncertainty)),\(csvNumber(event.logScore))\n"
                    }
                }
            }
        }
        return text
    }

    static func rocCSV(_ r: EvaluationResult) -> String {
        var text = "channel,lead_hours,event,probability_threshold,hit_rate,false_alarm_rate,auc\n"
        for (c, channel) in r.channels.enumerated() {
            for (l, lead) in r.leads.enumerated() {
                for (e, event) in r.events[r.leadChannel(l, c)].enumerated() {
                    let roc = event.roc
                    for k in roc.thresholds.indices {
                        text += "\(channel),\(csvNumber(lead)),\(r.eventLabels[c][e]),\(csvNumber(roc.thresholds[k])),"
                            + "\(csvNumber(roc.hitRates[k])),\(csvNumber(roc.falseAlarmRates[k])),\(csvNumber(roc.area))\n"
                    }
                }
            }
        }
        return text
    }

    static func spectraCSV(_ r: EvaluationResult) -> String {
        var text = "kind,channel,lead_hours,index,members,ensemble_mean,truth,members_over_truth,ensemble_mean_over_truth\n"
        for (kind, spectra, width) in [("angular", r.angularSpectra, r.degrees), ("zonal", r.zonalSpectra, r.wavenumbers)] {
            guard let s = spectra else { continue }
            for (c, channel) in r.channels.enumerated() {
                for (l, lead) in r.leads.enumerated() {
                    for k in 0..<width {
                        var sums = [0.0, 0.0, 0.0]
                        for i in r.inits.indices {
                            let at = ((i * r.leads.count + l) * r.channels.count + c) * width + k
                            sums[0] += s.members[at]; sums[1] += s.mean[at]; sums[2] += s.truth[at]
                        }
                        let n = Double(r.inits.count)
                        text += "\(kind),\(channel),\(csvNumber(lead)),\(k),\(csvNumber(sums[0] / n)),\(csvNumber(sums[1] / n)),"
                            + "\(csvNumber(sums[2] / n)),\(csvNumber(sums[0] / sums[2])),\(csvNumber(sums[1] / sums[2]))\n"
                    }
                }
            }
        }
        return text
    }

    static func ensembleSizeCSV(_ r: EvaluationResult) -> String {
        var text = "channel,lead_hours,members,replicates,crps,crps_low,crps_high,crps_fair,crps_fair_low,crps_fair_high,"
            + "spread,spread_low,spread_high,ssr,ssr_low,ssr_high,outlier_fraction,outlier_low,outlier_high,outlier_expected\n"
        for (c, channel) in r.channels.enumerated() {
            for (l, lead) in r.leads.enumerated() {
                guard let sums = r.bootstrap[r.leadChannel(l, c)] else { continue }
                for (s, size) in sums.sizes.enumerated() {
                    func replicateValues(_ f: (Int) -> Double) -> (Double, ConfidenceInterval) {
                        let values = (0..<sums.replicates).map(f)
                        return (values.reduce(0, +) / Double(values.count), percentileInterval(values))
                    }
                    func ratio(_ stat: EnsembleSizeBootstrapSums.Statistic, _ r: Int) -> Double {
                        sums.value(stat, size: s, replicate: r) / sums.value(.weight, size: s, replicate: r)
                    }
                    let crps = replicateValues { ratio(.crps, $0) }
                    let fair = replicateValues { ratio(.crpsFair, $0) }
                    let spread = replicateValues { ratio(.variance, $0).squareRoot() }
                    let factor = (Double(size + 1) / Double(size)).squareRoot()
                    let ssr = replicateValues { factor * (ratio(.variance, $0) / ratio(.squaredError, $0)).squareRoot() }
                    let outlier = replicateValues { ratio(.outlier, $0) }
                    let cells = [crps, fair, spread, ssr, outlier].flatMap { [$0.0, $0.1.lower, $0.1.upper] }
                    text += "\(channel),\(csvNumber(lead)),\(size),\(sums.replicates)," + cells.map(csvNumber).joined(separator: ",")
                        + ",\(csvNumber(2 / Double(size + 1)))\n"
                }
            }
        }
        return text
    }

    static func aboveTruthCSV(_ r: EvaluationResult) -> String {
        var text = "channel,lead_hours,z_low,z_high,points,mean_fraction_of_members_above_truth\n"
        let bins = r.zScoreEdges.count + 1
        for (c, channel) in r.channels.enumerated() {
            for (l, lead) in r.leads.enumerated() {
                for b in 0..<bins {
                    let at = r.leadChannel(l, c) * bins + b
                    let low = b == 0 ? -Double.infinity : r.zScoreEdges[b - 1], high = b == bins - 1 ? Double.infinity : r.zScoreEdges[b]
                    let n = r.zScoreCounts[at]
                    text += "\(channel),\(csvNumber(lead)),\(low.isFinite ? csvNumber(low) : "-inf"),\(high.isFinite ? csvNumber(high) : "inf"),"
                        + "\(Int(n)),\(csvNumber(n > 0 ? r.zScoreFractions[at] / n : .nan))\n"
                }
            }
        }
        return text
    }

    static func writeText(_ text: String, to path: String) throws { try writeAtomically(Data(text.utf8), to: path) }
}
