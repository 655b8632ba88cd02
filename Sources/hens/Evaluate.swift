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
    @Option(help: "Evaluation configuration (YAML); the options below override its keys.") var config: String?
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
        try global.apply()
        var doc = try ConfigDocument(path: config, overrides: [
            .path("forecast", forecast, option: "--forecast"), .path("dataset", dataset, option: "--dataset"),
            .list("channels", channels, option: "--channels"), .value("lat_weights", latWeights, option: "--lat-weights"),
            .list("default_events", events, option: "--events"), .list("tails", tails, option: "--tails"),
            .path("mclimate", mclimate, option: "--mclimate"), .list("bootstrap_sizes", bootstrapSizes, option: "--bootstrap-sizes"),
            .value("bootstrap_replicates", bootstrapReplicates, option: "--bootstrap-replicates"),
            .list("bootstrap_leads", bootstrapLeads, option: "--bootstrap-leads"), .value("seed", seed.map(String.init), option: "--seed"),
            .value("spectrum_members", spectrumMembers, option: "--spectrum-members"), .value("memory", memory, option: "--memory"),
            .flag("allow_partial", allowPartial, means: true, option: "--allow-partial"),
            .flag("spectra", noSpectra, means: false, option: "--no-spectra"),
        ])
        let base = doc.baseDirectory
        let resolve = { (path: String) in ConfigDocument.resolve(path, relativeTo: base) }
        let forecastFolder = doc.has("forecast") ? resolve(try doc.string("forecast")) : nil
        let datasetFolder = doc.has("dataset") ? resolve(try doc.string("dataset")) : nil
        let options = try EvaluationOptions(&doc, resolve: resolve)
        try doc.rejectUnknownKeys()
        _ = try EvaluationReport.outputFolder(out)  // a mistyped --out is refused before the work
        var sources: [EnsembleSource] = []
        if let forecastFolder { sources += try ForecastOutput.sources(forecastFolder) }
        for case let source as ForecastShardSource in sources {
            if let note = source.mixedKernelNote { LogFormat.emit("hens: note: \(source.label): \(note)", level: "warning") }
        }
        if !external.isEmpty {
            guard let datasetFolder else { throw HensError.invalid("--dataset", "the dataset to verify external ensembles against") }
            let archive = try AnalysisArchive(directory: datasetFolder)
            sources += try external.map { try ExternalEnsembleSource(path: $0, archive: archive) }
        }
        guard !sources.isEmpty else { throw HensError.invalid("--forecast", "a forecast folder or --external files to score") }
        let truthFolder = try datasetFolder ?? ForecastOutput.dataset(of: sources[0])
        let clock = Stopwatch()
        let evaluator = try Evaluator(sources: sources, dataset: truthFolder, options: options)
        var result = try evaluator.run(quiet: global.quiet)
        result.attributes = evaluator.provenance(source: forecastFolder ?? external.joined(separator: " "), dataset: truthFolder)
        try EvaluationReport.write(result, to: out)
        if !global.quiet {
            let partial = zip(result.membersUsed, result.expectedMembers).filter { $0.count < $1 }.count
            LogFormat.emit(String(format: "evaluate: %d initial time(s), %d members, %d leads, %d channels in %.1f s → %@%@",
                result.inits.count, result.memberCount, result.leads.count, result.channels.count, clock.seconds, out,
                partial > 0 ? " (partial: \(partial) initial time(s) with missing members; see members_used in summary.json)" : ""))
        }
    }
}
