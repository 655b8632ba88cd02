import Config
import ArgumentParser
import DatasetIO
import Foundation
import HensCore
import SFNO
import Training

/// `hens train`: SFNO checkpoints, one per seed, from a canonical dataset.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train SFNO checkpoints (one per seed) on a canonical dataset.",
        discussion: """
        Writes OUT/seed-N/checkpoint.nc (rewritten atomically after every epoch; see README
        "Checkpoint format"), OUT/seed-N/metrics.jsonl (one JSON line per epoch: losses, the
        validation loss and its ratio to persistence, RMSE per channel at leads 1…n) and, when a
        seed finishes, OUT/seed-N/test-metrics.json (the same scores on the test split).
        --resume continues each seed from its last completed epoch, with the same result as an
        uninterrupted run (seeds already finished are skipped). OUT/.hens-inputs.json records the
        inputs (model and training configurations but epochs, dataset statistics): a rerun with
        other inputs is refused unless --restart-changed (or --overwrite) empties OUT first.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Dataset folder (from `hens generate swe` or `hens ingest`).") var dataset: String
    @Option(help: "Model configuration (YAML).") var model = "configs/model-swe-small.yaml"
    @Option(help: "Training configuration (YAML).") var config = "configs/train-swe-small.yaml"
    @Option(help: "Output folder for the checkpoints.") var out: String
    @Option(help: "Override: seeds to train, e.g. 1,2,3 (one checkpoint each).") var seeds: String?
    @Option(help: "Override: train N checkpoints with seeds 1…N.") var checkpoints: Int?
    @Option(help: "Override: epochs.") var epochs: Int?
    @Option(help: "Override: samples per epoch (0 = all).") var samplesPerEpoch: Int?
    @Option(help: "Initial states of the test split scored after training (evenly spaced).") var testSamples = 32
    @Flag(help: "Continue interrupted runs from their last completed epoch.") var resume = false
    @Flag(help: "Replace existing checkpoints in OUT (without it, an existing checkpoint is refused).") var overwrite = false
    @Flag(name: .customLong("restart-changed"), help: "When OUT holds checkpoints trained from other inputs, empty it and start again (default: refuse).")
    var restartChanged = false
    @Flag(help: "Print the model's size and FLOPs per member-step and exit.") var flops = false

    func run() throws {
        try global.apply()
        let seedOverride = try seedList()
        guard let modelText = try? String(contentsOfFile: model, encoding: .utf8) else {
            throw HensError(.badInput, "\(model): cannot read the model configuration (--model)")
        }
        let data = try TrainingDataset(directory: dataset)
        let modelConfig = try Self.modelConfig(text: modelText, source: model, channels: data.channels.count)
        if flops {
            print(try Self.describe(modelConfig))
            return
        }
        var doc = try ConfigDocument(path: config, overrides: [
            .value("epochs", epochs, option: "--epochs"), .value("samples_per_epoch", samplesPerEpoch, option: "--samples-per-epoch"),
            .value("seeds", seedOverride?.map(Int.init), option: checkpoints != nil ? "--checkpoints" : "--seeds"),
        ])
        let trainingConfig = try TrainingConfig(&doc)
        if resume && overwrite { throw HensError.invalid("--overwrite", "not together with --resume") }
        if !resume && !overwrite {
            // Refuse before any work: a cron job must never silently replace a trained model.
            for seed in trainingConfig.seeds where FileManager.default.fileExists(atPath: TrainingOutput(directory: out, seed: seed).checkpointPath) {
                throw HensError(.io, "\(TrainingOutput(directory: out, seed: seed).checkpointPath): a checkpoint exists already; "
                    + "pass --resume to continue it or --overwrite to replace it")
            }
        }
        // The data, the model and the loss are checked before OUT is touched.
        let trainer = try Trainer(config: trainingConfig, data: data, modelConfig: modelText)
        try trainer.checkModel(try SFNOModel<Float>(config: modelConfig, seed: trainingConfig.seeds[0]))
        // Epochs may grow on a resume (training longer); every other setting must match.
        let inputs = try RunInputs(stage: "train", texts: ["model configuration": modelText, "training configuration": doc.yamlText(excluding: ["epochs"])],
                                   files: ["dataset statistics": [DatasetLayout.statsPath(dataset)]], includeExecutable: false)
        if case let .restarted(changed) = try inputs.prepare(folder: out, restartIfChanged: restartChanged || overwrite, option: "--restart-changed"),
           !global.quiet {
            LogFormat.emit("train: \(out) held checkpoints of other inputs (changed: \(changed.joined(separator: ", "))); emptied, starting again")
        }
        let printer = TrainingProgressPrinter(quiet: global.quiet)
        if !global.quiet { LogFormat.emit(try Self.describe(modelConfig)) }
        // A dataset without a test split (e.g. the tiny ERA5 sample) trains without the final scores.
        let test = FileManager.default.fileExists(atPath: DatasetLayout.splitPath(dataset, "test")) ? try data.loadSplit("test") : nil
        for seed in trainingConfig.seeds {
            let clock = Stopwatch()
            let network = try SFNOModel<Float>(config: modelConfig, seed: seed)
            let output = TrainingOutput(directory: out, seed: seed)
            let result = try trainer.train(network, seed: seed, output: output, resume: resume, observer: printer.handle)
            guard let test else {
                if !global.quiet {
                    LogFormat.emit(String(format: "train seed %llu: %d epochs; %@ in %.0f s (no test split: no test scores)",
                                                               seed, result.epochs, result.checkpointPath, clock.seconds))
                }
                continue
            }
            let scores = try trainer.evaluate(network, on: test, samples: testSamples)
            let path = (output.checkpointPath as NSString).deletingLastPathComponent + "/test-metrics.json"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeAtomically(try encoder.encode(scores), to: path)
            if !global.quiet {
                LogFormat.emit(String(
                    format: "train seed %llu: %d epochs, test loss %.4g (%.3f × persistence), RMSE lead 1 %.3f, lead %d %.3f "
                        + "(persistence %.3f, climatology %.3f); %@ in %.0f s",
                    seed, result.epochs, scores.loss, scores.lossRatio, scores.rmseAll.first ?? .nan, scores.rmseAll.count,
                    scores.rmseAll.last ?? .nan, scores.persistenceRMSEAll.last ?? .nan, scores.climatologyRMSEAll.last ?? .nan,
                    result.checkpointPath, clock.seconds))
            }
        }
    }

    /// Seeds from `--seeds` or `--checkpoints`, nil when neither is given.
    private func seedList() throws -> [UInt64]? {
        if checkpoints != nil && seeds != nil { throw HensError.invalid("--seeds", "either --seeds or --checkpoints N, not both") }
        if let checkpoints {
            guard checkpoints > 0 else { throw HensError.invalid("--checkpoints", "a positive count, got \(checkpoints)") }
            return (1...checkpoints).map(UInt64.init)
        }
        guard let seeds else { return nil }
        let values = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw HensError.invalid("--seeds", "comma-separated non-negative integers such as 1,2,3, got '\(seeds)'")
        }
        return values.map { $0! }
    }

    /// The model configuration, with `in_channels`/`out_channels` defaulting to the data set's
    /// channel count (no auxiliary channels; plus any noise channels).
    static func modelConfig(text: String, source: String, channels: Int) throws -> SFNOConfig {
        var doc = try ConfigDocument(yaml: text, source: source)
        return try SFNOConfig.withChannelDefaults(&doc, stateInputs: channels, outputs: channels)
    }

    /// One line: variant, grids, width, parameters and GFLOP per member-step.
    static func describe(_ config: SFNOConfig) throws -> String {
        let model = try SFNOFLOPModel(config: config)
        let gflop = { (c: SFNOFLOPModel.Counting) in model.flops(c).total / 1e9 }
        return String(format: "model: %@ SFNO, data %@ %d×%d, scale factor %d, embed %d, %d blocks, lmax %d, mmax %d; "
                      + "%d parameters (%d real scalars); %.3f GFLOP per member-step as computed (%.3f dense)",
                      config.variant.rawValue, config.grid.rawValue, config.nlat, config.nlon, config.scaleFactor,
                      config.embedDim, config.layers, config.lmax, config.mmax, model.parameterCount,
                      model.realParameterCount, gflop(.triangularParity), gflop(.dense))
    }
}
