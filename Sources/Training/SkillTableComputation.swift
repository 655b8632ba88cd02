import DatasetIO
import Foundation
import HensCore
import SFNO

// MARK: - Computing a table

extension SkillTable {
    /// Scores a checkpoint on a split of a data set: loads the checkpoint, builds its SFNO,
    /// normalises the split with the checkpoint's statistics and runs `Validator` (the
    /// validation scores training reports) for `leads` autoregressive steps.
    ///
    /// - Parameters:
    ///   - checkpointPath: the checkpoint file.
    ///   - dataset: the data-set folder; the split is `dataset/<split>.nc`.
    ///   - leads: autoregressive steps; nil for enough steps to reach 48 h (at least 1), cut to
    ///     what the split's trajectories allow.
    ///   - samples: initial states, evenly spaced over the split.
    /// - Throws: `badInput` for an unreadable or incompatible checkpoint or split,
    ///   `invalidArgument` for leads the split's trajectories cannot hold.
    public static func compute(checkpointPath: String, dataset: String, split: String = "valid", leads: Int? = nil,
                               samples: Int = 32) throws -> SkillTable {
        let reader = try CheckpointReader(path: checkpointPath)
        defer { reader.close() }
        let model = try reader.makeModel()
        return try compute(model: model, checkpoint: reader.header, digest: reader.digest, checkpointPath: checkpointPath, dataset: dataset,
                           split: split, leads: leads, samples: samples)
    }

    /// `compute(checkpointPath:…)` with the model already built and loaded (any
    /// `TrainableModel` whose weights are `checkpoint`'s, whose payload digest is `digest`).
    public static func compute<M: TrainableModel>(model: M, checkpoint: Checkpoint, digest: String, checkpointPath: String, dataset: String,
                                                  split: String = "valid", leads: Int? = nil,
                                                  samples: Int = 32) throws -> SkillTable {
        guard samples >= 1 else { throw HensError.invalid("--samples", "at least 1, got \(samples)") }
        if let leads, leads < 1 { throw HensError.invalid("--leads", "at least 1 step, got \(leads)") }
        guard DatasetLayout.splits.contains(split) else {
            throw HensError.invalid("--split", "one of \(DatasetLayout.splits.joined(separator: ", ")), got '\(split)'")
        }
        let splitPath = DatasetLayout.splitPath(dataset, split)
        guard FileManager.default.fileExists(atPath: splitPath) else {
            throw HensError(.badInput, "\(splitPath): missing split file")
        }
        let reader = try DatasetSplitReader(path: splitPath)
        let units = reader.channels.map(\.units)
        let (times, timeUnits, timeCount) = (reader.times, reader.timeUnits, reader.timeCount)
        // An imported model reads cos-zenith at each valid time: the split must have absolute times.
        var stepInputs: StepInputTimes?
        if let fields = checkpoint.stepInputFields {
            guard let seconds = try reader.absoluteSeconds() else {
                reader.close()
                throw HensError(.badInput, "\(splitPath): no absolute times ('trajectory_starts'), which \(checkpointPath) needs for its "
                    + "zenith-angle input; use a data set made by hens ingest")
            }
            stepInputs = StepInputTimes(fields: fields, seconds: seconds)
        }
        do { try checkpoint.checkCompatible(with: reader, checkpoint: checkpointPath) } catch {
            reader.close()
            throw error
        }
        reader.close()
        let step = try stepHours(times: times, units: timeUnits, source: splitPath)
        guard timeCount >= 2 else {
            throw HensError(.badInput, "\(splitPath): trajectories of \(timeCount) time(s) leave no lead to score")
        }
        let steps = leads ?? min(max(1, Int((48 / step - 1e-9).rounded(.up))), timeCount - 1)
        guard steps + 1 <= timeCount else {
            throw HensError.invalid("--leads", "at most \(timeCount - 1) steps: the trajectories of \(splitPath) have \(timeCount) times, got \(steps)")
        }

        // An imported checkpoint records where it came from, not a hens training run: its
        // loss (for the one-step score only) is hens' default.
        let training = checkpoint.stepInputs != nil
            ? (try? TrainingConfig(jsonText: checkpoint.trainingConfig, source: checkpointPath)) ?? TrainingConfig()
            : try TrainingConfig(jsonText: checkpoint.trainingConfig, source: checkpointPath)
        let data = try NormalizedSplit(path: splitPath, statistics: checkpoint.statistics)
        let stepChannels = stepInputs?.fields.channelCount ?? 0
        try training.auxiliary.checkModel(inputChannels: model.inputChannels - (model.noise?.count ?? 0) - stepChannels,
                                          outputChannels: model.outputChannels,
                                          dataChannels: data.channels.count)
        guard model.fieldCount == data.fieldCount else {
            throw HensError(.badInput, "\(checkpointPath): the model works on fields of \(model.fieldCount) points, "
                + "\(splitPath) has \(data.fieldCount)")
        }
        // The loss as `Trainer` builds it (only the one-step score depends on it; RMSE does not).
        let weights = try training.channelWeights.weights(channels: data.channels, statistics: checkpoint.statistics,
                                                          tendencyScaling: training.tendencyScaling)
        let loss = SphereLoss(kind: training.loss,
                              quadrature: GridQuadrature.forGrid(latitudes: data.latitudes, nlon: data.longitudes.count),
                              channelWeights: weights)
        let validator = try Validator(split: data, loss: loss, leads: steps, sampleCount: samples,
                                      batchSize: max(1, training.batchSize), auxiliary: training.auxiliary, stepInputs: stepInputs)
        let metrics = validator.evaluate(model)

        let std = try data.channels.map { name -> Double in
            guard let i = checkpoint.statistics.channels.firstIndex(of: name) else {
                throw HensError(.badInput, "\(checkpointPath): no statistics for channel '\(name)'")
            }
            return checkpoint.statistics.std[i]
        }
        func physical(_ table: [[Double]]) -> [[Double]] { zip(table, std).map { row, s in row.map { $0 * s } } }
        return SkillTable(checkpoint: checkpointPath, checkpointSHA256: digest, dataset: dataset, split: split,
                          samples: metrics.samples, channels: data.channels, units: units, stepHours: step,
                          leads: Array(1...steps), rmse: physical(metrics.rmse), rmseNormalised: metrics.rmse,
                          persistenceRMSE: physical(metrics.persistenceRMSE),
                          climatologyRMSE: physical(metrics.climatologyRMSE))
    }
}
