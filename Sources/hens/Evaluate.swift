import DatasetIO
import Scores
import Config
import ArgumentParser
import Ensemble
import Evaluation
import Foundation
import HensCore

/// `hens evaluate`: scores of an ensemble against the truth.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score ensembles against the truth: CRPS, RMSE, spread/SSR, ACC, ranks, Brier/reliability/ROC, spectra, EFI/SOT.",
        discussion: """
        Reads hens forecast member shards (--forecast OUT: every initial-time folder in it) or \
        external NetCDF ensembles with a member dimension (--external FILE, repeatable) and \
        verifies them against the analyses of --dataset, with climatology (from the training \
        split) and persistence baselines. Writes OUT/scores.nc, OUT/summary.json and CSV tables \
        (scores, rank_histogram, reliability, roc, spectra, ensemble_size, above_truth), plus \
        OUT/extremes.nc with --mclimate. See README "Scores". A run with missing members is \
        refused unless --allow-partial.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Evaluation configuration (YAML); options below override it.") var config: String?
    @Option(help: "Forecast output folder of hens forecast (its initial-time folders are scored).") var forecast: String?
    @Option(help: "External ensemble NetCDF (dims member/number/realization, time, lat, lon); repeatable.") var external: [String] = []
    @Option(help: "Dataset folder with the truth (default: the forecast's dataset).") var dataset: String?
    @Option(help: "Output folder for the scores.") var out: String
    @Option(help: "Comma-separated channels to score (default: all).") var channels: String?
    @Option(name: .customLong("lat-weights"), help: "Latitude weights: cos (HENS), area (WeatherBench 2) or gauss (Gauss grids).") var latWeights: String?
    @Option(help: "Events for every channel without its own list, e.g. p90,p99 or 20,30.") var events: String?
    @Option(help: "Climatological percentiles for threshold/outcome-weighted CRPS, e.g. p95,p99.") var tails: String?
    @Option(help: "Model climate from hens mclimate (enables EFI and SOT).") var mclimate: String?
    @Option(name: .customLong("bootstrap-sizes"), help: "Ensemble sizes of the bootstrap, e.g. 10,50,100,500,1000 (the full size is always added).") var bootstrapSizes: String?
    @Option(name: .customLong("bootstrap-replicates"), help: "Bootstrap replicates per size.") var bootstrapReplicates: Int?
    @Option(name: .customLong("bootstrap-leads"), help: "Lead indices to bootstrap (default: the last); 'none' for no bootstrap.") var bootstrapLeads: String?
    @Option(help: "Seed of rank tie-breaks and bootstraps.") var seed: UInt64?
    @Option(name: .customLong("spectrum-members"), help: "Members whose spectra are averaged.") var spectrumMembers: Int?
    @Option(help: "Memory for members in flight, e.g. 2GiB (fields are read in latitude tiles within it).") var memory: String?
    @Flag(name: .customLong("allow-partial"), help: "Score runs with missing members (the members used are recorded).") var allowPartial = false
    @Flag(name: .customLong("no-spectra"), help: "Skip the angular and zonal spectra.") var noSpectra = false

    func run() throws {
        global.apply()
        var options = EvaluationOptions()
        var forecastFolder = forecast, datasetFolder = dataset
        if let config {
            var doc = try ConfigDocument(path: config)
            let base = (config as NSString).deletingLastPathComponent
            let resolve = { (p: String) in ConfigDocument.resolve(p, relativeTo: base) }
            if doc.has("forecast") { let f = resolve(try doc.string("forecast")); forecastFolder = forecastFolder ?? f }
            if doc.has("dataset") { let d = resolve(try doc.string("dataset")); datasetFolder = datasetFolder ?? d }
            options = try EvaluationOptions(&doc, resolve: resolve)
            try doc.rejectUnknownKeys()
        }
        try applyOverrides(&options)
        var sources: [EnsembleSource] = []
        if let forecastFolder { sources += try Self.forecastSources(forecastFolder) }
        for case let source as ForecastShardSource in sources {
            if let note = source.mixedKernelNote { LogFormat.emit("hens: note: \(source.label): \(note)", level: "warning") }
        }
        if !external.isEmpty {
            guard let datasetFolder else { throw HensError.invalid("--dataset", "the dataset to verify external ensembles against") }
            let archive = try AnalysisArchive(directory: datasetFolder)
            sources += try external.map { try ExternalEnsembleSource(path: $0, archive: archive) }
        }
        guard !sources.isEmpty else { throw HensError.invalid("--forecast", "a forecast folder or --external files to score") }
        let truthFolder = try datasetFolder ?? Self.datasetOf(sources[0])
        let clock = Stopwatch()
        let evaluator = try Evaluator(sources: sources, dataset: truthFolder, options: options)
        var result = try evaluator.run(quiet: global.quiet)
        result.attributes = [
            "source": forecastFolder ?? external.joined(separator: " "), "dataset": truthFolder,
            "lat_weights": options.weighting.rawValue, "seed": String(options.seed),
            "climatology": "\(options.climatologySplit) split, \(evaluator.climatology.levels.map { "p" + String($0) }.joined(separator: " "))",
            "mclimate": options.modelClimate ?? "none", "crps": "crps: standard (empirical CDF, properscoring/xskillscore); crps_fair: fair (Ferro)",
            "rmse": "square root after the mean over initial times", "spread": "square root of the mean variance (ddof 1)",
            "ssr": "Fortin factor sqrt((m+1)/m)", "acc": "uncentred (WeatherBench 2); acc_centred removes the area means",
        ]
        try EvaluationReport.write(result, to: out)
        if !global.quiet {
            let partial = zip(result.membersUsed, result.expectedMembers).filter { $0.count < $1 }.count
            LogFormat.emit(String(format: "evaluate: %d initial time(s), %d members, %d leads, %d channels in %.1f s → %@%@",
                result.inits.count, result.memberCount, result.leads.count, result.channels.count, clock.seconds, out,
                partial > 0 ? " (partial: \(partial) initial time(s) with missing members; see members_used in summary.json)" : ""))
        }
    }

    private func applyOverrides(_ options: inout EvaluationOptions) throws {
        if let channels { options.channels = channels.split(separator: ",").map(String.init) }
        if let latWeights {
            guard let w = LatitudeWeighting(rawValue: latWeights) else {
                throw HensError.invalid("--lat-weights", "one of \(LatitudeWeighting.allCases.map(\.rawValue).joined(separator: ", ")), got '\(latWeights)'")
            }
            options.weighting = w
        }
        if let events { options.defaultEvents = try events.split(separator: ",").map { try EventThreshold(String($0)) } }
        if let tails {
            options.tailPercentiles = try tails.split(separator: ",").map {
                guard case let .percentile(p) = try EventThreshold(String($0)) else {
                    throw HensError.invalid("--tails", "climatological percentiles such as p95, got '\($0)'")
                }
                return p
            }
        }
        if let mclimate { options.modelClimate = mclimate }
        if let bootstrapSizes {
            options.bootstrapSizes = try bootstrapSizes.split(separator: ",").map {
                guard let n = Int($0), n >= 2 else { throw HensError.invalid("--bootstrap-sizes", "integers ≥ 2, got '\($0)'") }
                return n
            }
        }
        if let bootstrapReplicates {
            guard bootstrapReplicates >= 2 else { throw HensError.invalid("--bootstrap-replicates", "at least 2, got \(bootstrapReplicates)") }
            options.bootstrapReplicates = bootstrapReplicates
        }
        if let bootstrapLeads {
            options.bootstrapLeads = bootstrapLeads == "none" ? [] : try bootstrapLeads.split(separator: ",").map {
                guard let n = Int($0), n >= 0 else { throw HensError.invalid("--bootstrap-leads", "lead indices ≥ 0 or none, got '\($0)'") }
                return n
            }
        }
        if let seed { options.seed = seed }
        if let memory { options.memoryBytes = try EvaluationOptions.memoryBytes(memory, key: "--memory") }
        if let spectrumMembers { options.spectrumMembers = max(1, spectrumMembers) }
        if allowPartial { options.allowPartial = true }
        if noSpectra { options.spectra = false }
    }

    /// The initial-time folders of a forecast output (or the folder itself when it holds shards).
    static func forecastSources(_ folder: String) throws -> [EnsembleSource] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HensError(.badInput, "\(folder): no such forecast folder")
        }
        let names = try fm.contentsOfDirectory(atPath: folder).sorted()
        if names.contains(where: { $0.hasPrefix("members-shard-") }) { return [try ForecastShardSource(folder: folder)] }
        let inits = names.filter { name in
            ((try? fm.contentsOfDirectory(atPath: folder + "/" + name)) ?? []).contains { $0.hasPrefix("members-shard-") || $0 == "summary.nc" }
        }
        guard !inits.isEmpty else {
            throw HensError(.badInput, "\(folder): no initial-time folders with member files (members-shard-K-of-N.nc) — not a hens forecast output")
        }
        return try inits.map { name -> EnsembleSource in
            let path = folder + "/" + name
            let files = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            // A run with write_members: false kept only its summary: scored from the moments.
            return files.contains { $0.hasPrefix("members-shard-") } ? try ForecastShardSource(folder: path) : try ForecastSummarySource(folder: path)
        }
    }

    /// The dataset a hens forecast was run on (its `dataset` attribute).
    static func datasetOf(_ source: EnsembleSource) throws -> String {
        guard let path = (source as? ForecastShardSource)?.attributes["dataset"] ?? (try? source.summary())??.run.attributes["dataset"] else {
            throw HensError.invalid("--dataset", "the dataset folder with the truth")
        }
        return path
    }
}
