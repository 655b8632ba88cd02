import DatasetIO
import Foundation
import HensCore
import SFNO

/// Where one seed's run writes its checkpoint and metrics.
public struct TrainingOutput: Sendable {
    /// The checkpoint, rewritten (atomically) at the end of every epoch.
    public var checkpointPath: String
    /// One JSON line per epoch.
    public var metricsPath: String

    /// Explicit paths.
    public init(checkpointPath: String, metricsPath: String) {
        self.checkpointPath = checkpointPath
        self.metricsPath = metricsPath
    }

    /// `<directory>/seed-<seed>/checkpoint.nc` and `<directory>/seed-<seed>/metrics.jsonl`.
    public init(directory: String, seed: UInt64) {
        let folder = CheckpointFolder.seedFolder(directory, seed: seed)
        self.init(checkpointPath: folder + "checkpoint.nc", metricsPath: folder + "metrics.jsonl")
    }
}

/// How one seed's run ended.
public struct TrainingResult: Sendable {
    /// The seed.
    public var seed: UInt64
    /// Epochs completed (including those before a resume).
    public var epochs: Int
    /// Optimiser steps completed.
    public var steps: Int
    /// The checkpoint written last.
    public var checkpointPath: String
    /// The last epoch's record, nil when this session trained no epoch.
    public var lastRecord: EpochRecord?
}

/// The trainer's part of a checkpoint's `training_state`: the schedule (with the plateau
/// state) and the shuffling seed. Epoch, step and weights live in the checkpoint itself.
struct ResumeState: Codable {
    var schedule: LearningRateSchedule
    var shuffleSeed: UInt64

    enum CodingKeys: String, CodingKey {
        case schedule
        case shuffleSeed = "shuffle_seed"
    }

    /// JSON with +∞ (a fresh plateau's best loss) spelled out, since JSON has no infinity.
    func jsonText() -> String {
        let encoder = MetricsLog.encoder()
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String, source: String) throws -> ResumeState {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(ResumeState.self, from: Data(text.utf8)) } catch {
            throw HensError(.badInput, "\(source): training_state is not a hens resume state (\(error))")
        }
    }
}

/// Trains `TrainableModel`s on a data set: AdamW, a learning-rate schedule, multistep
/// backprop through time, validation and a resumable checkpoint after every epoch.
///
/// One trainer serves every seed (the data set is loaded once); `train(_:seed:output:)` runs
/// one seed, whose model the caller builds (and initialises from the seed). The run is
/// deterministic for a fixed thread count: shuffling depends only on (seed, epoch), and
/// `resume` restores weights, optimiser moments, schedule state, epoch and step, so an
/// interrupted run continues bit for bit.
///
/// ```swift
/// let data = try TrainingDataset(directory: "dataset")
/// let trainer = try Trainer(config: try TrainingConfig.load(path: "configs/train-swe-small.yaml"),
///                           data: data, modelConfig: modelYAML)
/// let printer = TrainingProgressPrinter(quiet: false)
/// for seed in trainer.config.seeds {
///     let model = try makeModel(seed)
///     try trainer.train(model, seed: seed, output: TrainingOutput(directory: "runs/train", seed: seed),
///                       resume: resume, observer: printer.handle)
/// }
/// ```
public final class Trainer {
    /// The training configuration.
    public let config: TrainingConfig
    /// The data.
    public let data: TrainingDataset
    /// The model configuration text stored in every checkpoint.
    public let modelConfig: String
    /// The squared L2 loss: the training loss of deterministic models, the validation loss of all.
    public let loss: SphereLoss
    /// What an optimiser step minimises (`loss`, or the fair CRPS over `crps_members` members).
    public let objective: TrainingObjective
    /// Validation on the valid split.
    public let validator: Validator
    /// Optimiser steps per epoch.
    public let stepsPerEpoch: Int
    let plan: SamplePlan

    /// A trainer; checks that the data supports the configuration (enough samples for a
    /// batch, trajectories long enough for the multistep and validation horizons).
    public init(config: TrainingConfig, data: TrainingDataset, modelConfig: String) throws {
        try config.validate(source: "training configuration")
        self.config = config
        self.data = data
        self.modelConfig = modelConfig
        let weights = try config.channelWeights.weights(channels: data.channels, statistics: data.statistics,
                                                        tendencyScaling: config.tendencyScaling)
        loss = SphereLoss(kind: config.loss == .crps ? .absolute : config.loss, quadrature: data.quadrature, channelWeights: weights)
        objective = config.loss == .crps
            ? .crps(EnsembleCRPSLoss(quadrature: data.quadrature, channelWeights: weights, members: config.crpsMembers ?? 2))
            : .squared(loss)
        plan = SamplePlan(trajectoryCount: data.train.trajectoryCount, timeCount: data.train.timeCount, horizon: config.multistep)
        stepsPerEpoch = plan.stepsPerEpoch(batchSize: config.batchSize, samplesPerEpoch: config.samplesPerEpoch)
        guard stepsPerEpoch > 0 else {
            throw HensError(.invalidArgument, "batch_size: \(data.train.path) has \(plan.count) samples of "
                + "\(config.multistep + 1) consecutive times, fewer than batch_size = \(config.batchSize)")
        }
        validator = try Validator(split: data.valid, loss: loss, leads: config.validationLeads,
                                  sampleCount: config.validationSamples, batchSize: config.batchSize, auxiliary: config.auxiliary)
    }

    /// Separates the training noise's seeds from the weight initialisation's (both start from the seed).
    static let noiseStream: UInt64 = 0x6e6f_6973_6521

    /// Optimiser steps of a whole run.
    public var totalSteps: Int { config.epochs * stepsPerEpoch }

    /// The schedule at the start of a run.
    public func makeSchedule() -> LearningRateSchedule {
        LearningRateSchedule(
            kind: config.schedule, base: config.learningRate, minimum: config.minLearningRate,
            warmupSteps: config.warmupSteps, totalSteps: totalSteps,
            plateau: ReduceLROnPlateau(learningRate: config.learningRate, factor: config.plateauFactor,
                                       patience: config.plateauPatience, threshold: config.plateauThreshold,
                                       cooldown: config.plateauCooldown, minimum: config.minLearningRate))
    }

    /// Throws unless `model` reads and writes this data set's fields, and is stochastic exactly
    /// when the loss is the CRPS.
    public func checkModel<M: TrainableModel>(_ model: M) throws {
        let noiseChannels = model.noise?.count ?? 0
        try config.auxiliary.checkModel(inputChannels: model.inputChannels - noiseChannels, outputChannels: model.outputChannels,
                                        dataChannels: data.channels.count)
        if config.loss == .crps && noiseChannels == 0 {
            throw HensError(.invalidArgument, "loss: crps trains a stochastic model, but the model has no noise channels; "
                + "set noise_channels (e.g. 8) in the model configuration")
        }
        if config.loss != .crps && noiseChannels > 0 {
            throw HensError(.invalidArgument, "model: has \(noiseChannels) noise channels (a stochastic model), which only "
                + "loss: crps trains; set loss: crps and crps_members in the training configuration")
        }
        guard model.fieldCount == data.train.fieldCount else {
            throw HensError(.invalidArgument, "model: works on fields of \(model.fieldCount) points, but the data grid "
                + "\(data.train.gridLabel) has \(data.train.fieldCount)")
        }
        guard model.parameterCount > 0 else { throw HensError(.invalidArgument, "model: has no parameters to train") }
    }

    /// Trains one seed to `config.epochs` (or until `stopAfterEpoch` epochs are complete),
    /// writing `output.checkpointPath` and a line of `output.metricsPath` after every epoch.
    ///
    /// With `resume` and an existing checkpoint, the run continues from it (the checkpoint must
    /// hold the same seed, channels, grid, parameter layout, statistics and weight-affecting
    /// settings); without one it starts afresh. `model` must be freshly initialised for `seed`
    /// (its weights are replaced on resume).
    @discardableResult
    public func train<M: TrainableModel>(_ model: M, seed: UInt64, output: TrainingOutput, resume: Bool = false,
                                         stopAfterEpoch: Int? = nil,
                                         observer: ((TrainingEvent) -> Void)? = nil) throws -> TrainingResult {
        try checkModel(model)
        var optimizer = try AdamW(settings: config.adamW, tensors: model.parameterTensors, parameterCount: model.parameterCount)
        var schedule = makeSchedule()
        var epoch = 0, globalStep = 0
        try Self.createParentDirectory(of: output.checkpointPath)
        try Self.createParentDirectory(of: output.metricsPath)
        let metrics = MetricsLog(path: output.metricsPath)
        if resume && FileManager.default.fileExists(atPath: output.checkpointPath) {
            let restored = try restore(model, seed: seed, from: output.checkpointPath, optimizer: &optimizer)
            (schedule, epoch, globalStep) = (restored.schedule, restored.epoch, restored.step)
            try metrics.truncate(throughEpoch: epoch)
            observer?(.resumed(seed: seed, epoch: epoch, step: globalStep))
        } else {
            try metrics.reset()
        }

        var input = validator.input
        input.noise = model.noise
        let stepper = MultistepGradient(model: model, objective: objective, input: input, steps: config.multistep,
                                        batchSize: config.batchSize)
        let noiseSeeds = SplitMix64.mix(seed ^ Self.noiseStream)
        let lastEpoch = min(config.epochs, stopAfterEpoch ?? config.epochs)
        var sessionSteps = 0, sessionTrainSeconds = 0.0
        var lastRecord: EpochRecord?
        while epoch < lastEpoch {
            let batches = plan.batches(seed: seed, epoch: epoch, batchSize: config.batchSize, samplesPerEpoch: config.samplesPerEpoch)
            let prefetcher = BatchPrefetcher(split: data.train, batches: batches, batchSize: config.batchSize,
                                             horizon: config.multistep, enabled: config.prefetch)
            let epochClock = Stopwatch()
            var lossSum = 0.0, normSum = 0.0, learningRate = 0.0
            // Alongside the epoch mean, window means: training curves need more than one point per epoch.
            var trace = LossTraceBuilder(stepsPerEpoch: prefetcher.count)
            for i in 0..<prefetcher.count {
                // The noise of step n depends on (seed, n) only, so a resumed run draws the same.
                let stepLoss = stepper.compute(prefetcher.batch(i), noiseSeed: SplitMix64.mix(noiseSeeds ^ UInt64(globalStep)))
                guard stepLoss.isFinite else {
                    throw HensError(.invalidArgument, "training seed \(seed), epoch \(epoch + 1), step \(i + 1): the loss is "
                        + "\(stepLoss); lower 'lr' or set 'grad_clip' in the training configuration")
                }
                learningRate = schedule.learningRate(step: globalStep)
                let norm = model.withParameters { parameters in
                    optimizer.step(parameters: parameters, gradients: stepper.gradients, learningRate: learningRate)
                }
                globalStep += 1
                sessionSteps += 1
                lossSum += stepLoss
                trace.add(loss: stepLoss, step: globalStep)
                normSum += norm
                if let observer {
                    let seconds = sessionTrainSeconds + epochClock.seconds
                    let perStep = seconds / Double(sessionSteps)
                    observer(.step(StepProgress(
                        seed: seed, epoch: epoch + 1, epochs: config.epochs, step: i + 1, stepsPerEpoch: prefetcher.count,
                        globalStep: globalStep, totalSteps: totalSteps, loss: stepLoss, learningRate: learningRate,
                        samplesPerSecond: Double(sessionSteps * config.batchSize) / max(seconds, 1e-9),
                        etaSeconds: perStep * Double(totalSteps - globalStep))))
                }
            }
            let trainSeconds = epochClock.seconds
            sessionTrainSeconds += trainSeconds

            let validationClock = Stopwatch()
            let validation = validator.evaluate(model)
            schedule.endEpoch(validationLoss: validation.loss)
            epoch += 1
            let steps = Double(max(1, prefetcher.count))
            let record = EpochRecord(
                seed: seed, epoch: epoch, step: globalStep, learningRate: learningRate, trainLoss: lossSum / steps,
                lossTrace: trace.finish(),
                gradientNorm: normSum / steps, trainSeconds: trainSeconds, validationSeconds: validationClock.seconds,
                samplesPerSecond: Double(prefetcher.count * config.batchSize) / max(trainSeconds, 1e-9), validation: validation)
            // Metrics first, checkpoint second: an interruption in between is repaired on
            // resume by cutting the log back to the checkpoint's epoch.
            try metrics.append(record)
            let checkpoint = Checkpoint(
                model: model, modelConfig: modelConfig, trainingConfig: config.jsonText(), statistics: data.statistics,
                grid: data.grid, epoch: epoch, step: globalStep, seed: seed, optimizer: optimizer.state,
                trainingState: ResumeState(schedule: schedule, shuffleSeed: seed).jsonText())
            try checkpoint.write(to: output.checkpointPath)
            lastRecord = record
            observer?(.epoch(record))
        }
        return TrainingResult(seed: seed, epochs: epoch, steps: globalStep, checkpointPath: output.checkpointPath,
                              lastRecord: lastRecord)
    }

    /// Trains every seed of `config.seeds` in turn, each into `TrainingOutput(directory:seed:)`,
    /// with a model from `makeModel(seed)`.
    public func trainSeeds<M: TrainableModel>(directory: String, resume: Bool = false,
                                              observer: ((TrainingEvent) -> Void)? = nil,
                                              makeModel: (UInt64) throws -> M) throws -> [TrainingResult] {
        try config.seeds.map { seed in
            try train(try makeModel(seed), seed: seed, output: TrainingOutput(directory: directory, seed: seed),
                      resume: resume, observer: observer)
        }
    }

    /// Scores `model` on another split (e.g. `data.loadSplit("test")`) with the validation
    /// metrics: `leads` autoregressive steps (default `validation_leads`) from up to `samples`
    /// evenly spaced initial states (default: all).
    public func evaluate<M: TrainableModel>(_ model: M, on split: NormalizedSplit, leads: Int? = nil,
                                            samples: Int? = nil) throws -> ValidationMetrics {
        try checkModel(model)
        let validator = try Validator(split: split, loss: loss, leads: leads ?? config.validationLeads,
                                      sampleCount: samples ?? Int.max, batchSize: config.batchSize, auxiliary: config.auxiliary)
        return validator.evaluate(model)
    }

    // MARK: Resume

    /// Loads weights, optimiser state and schedule from a resumable checkpoint after checking
    /// that it belongs to this run.
    private func restore<M: TrainableModel>(_ model: M, seed: UInt64, from path: String,
                                            optimizer: inout AdamW) throws -> (schedule: LearningRateSchedule, epoch: Int, step: Int) {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        let checkpoint = try Checkpoint.read(from: path)
        guard checkpoint.seed == seed else { throw fail("holds seed \(checkpoint.seed), cannot resume seed \(seed) from it") }
        try checkpoint.checkCompatible(channels: data.channels, latitudes: data.train.latitudes,
                                       longitudes: data.train.longitudes, dataset: data.train.path, checkpoint: path)
        guard checkpoint.statistics == data.statistics else {
            throw fail("was trained with other normalisation statistics than \(DatasetLayout.statsPath(data.directory))")
        }
        let saved = try TrainingConfig(jsonText: checkpoint.trainingConfig, source: path)
        if let conflict = config.firstResumeConflict(with: saved) {
            throw fail("was trained with \(conflict.key) = \(conflict.theirs), the configuration now says \(conflict.mine); "
                + "resuming needs the same settings (or train afresh without --resume)")
        }
        guard checkpoint.tensors == model.parameterTensors else {
            throw fail("its parameter layout differs from the model's; was it trained with a different model configuration?")
        }
        guard let stateText = checkpoint.trainingState, let moments = checkpoint.adamWState else {
            throw fail("holds no optimiser or training state, so training cannot resume from it")
        }
        guard checkpoint.epoch <= config.epochs else {
            throw fail("has \(checkpoint.epoch) epochs, more than the configured \(config.epochs)")
        }
        let state = try ResumeState.decode(stateText, source: path)
        try checkpoint.loadParameters(into: model, source: path)
        try optimizer.restore(moments)
        return (state.schedule, checkpoint.epoch, checkpoint.step)
    }

    private static func createParentDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw HensError(.io, "\(directory): cannot create the output directory (\(error.localizedDescription))")
        }
    }
}
