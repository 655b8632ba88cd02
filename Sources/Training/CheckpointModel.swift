import DatasetIO
import HensCore
import NumericsBackend
import SFNO
import Spherical

extension Checkpoint {
    /// A checkpoint of `model`'s current weights (and, for resumable checkpoints, the
    /// optimiser state and the trainer's `trainingState` JSON).
    public init<M: TrainableModel>(model: M, modelConfig: String, trainingConfig: String, statistics: DatasetStatistics,
                                   grid: CheckpointGrid, epoch: Int, step: Int, seed: UInt64,
                                   optimizer: AdamWState? = nil, trainingState: String? = nil) {
        let parameters = model.withParameters { Array($0) }
        self.init(modelConfig: modelConfig, trainingConfig: trainingConfig, trainingState: trainingState,
                  statistics: statistics, grid: grid, epoch: epoch, step: step, seed: seed,
                  tensors: model.parameterTensors, parameters: parameters,
                  optimizer: optimizer.map {
                      CheckpointOptimizerState(step: $0.step, firstMoment: $0.firstMoment, secondMoment: $0.secondMoment)
                  })
    }

    /// Copies the stored weights into `model`, tensor by tensor, matched by name; every model
    /// tensor must be stored with the same shape and the checkpoint may hold no others.
    /// `source` names the checkpoint in messages (its path).
    public func loadParameters<M: TrainableModel>(into model: M, source: String) throws {
        let stored = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = model.parameterTensors
        for t in wanted {
            guard let s = stored[t.name] else {
                throw HensError(.badInput, "\(source): has no tensor '\(t.name)' \(t.shape) that the model needs; "
                    + "was it trained with a different model configuration?")
            }
            guard s.shape == t.shape else {
                throw HensError(.badInput, "\(source): tensor '\(t.name)' has shape \(s.shape), the model expects \(t.shape); "
                    + "was it trained with a different model configuration?")
            }
        }
        let names = Set(wanted.map(\.name))
        if let extra = tensors.first(where: { !names.contains($0.name) }) {
            throw HensError(.badInput, "\(source): holds tensor '\(extra.name)' \(extra.shape) that the model does not have; "
                + "was it trained with a different model configuration?")
        }
        model.withParameters { buffer in
            parameters.withUnsafeBufferPointer { source in
                for t in wanted {
                    let s = stored[t.name]!
                    (buffer.baseAddress! + t.offset).update(from: source.baseAddress! + s.offset, count: t.count)
                }
            }
        }
    }

    /// The SFNO this checkpoint holds, weights loaded. The stored model text may omit the channel
    /// counts (`hens train` defaults them to the data's), so they are filled in from the
    /// checkpoint's channels and the training config's auxiliary inputs.
    /// - Parameter source: the checkpoint's path, for messages.
    public func makeModel(source: String) throws -> SFNOModel<Float> {
        let training = try TrainingConfig(jsonText: trainingConfig, source: source)
        var doc = try ConfigDocument(yaml: modelConfig, source: "\(source): model_config")
        if !doc.has("in_channels") { doc.set("in_channels", channels.count + training.auxiliary.channelCount) }
        if !doc.has("out_channels") { doc.set("out_channels", channels.count) }
        let model = try SFNOModel<Float>(config: try SFNOConfig(&doc), seed: seed)
        try loadParameters(into: model, source: source)
        return model
    }

    /// The stored optimiser state as AdamW's.
    public var adamWState: AdamWState? {
        optimizer.map { AdamWState(step: $0.step, firstMoment: $0.firstMoment, secondMoment: $0.secondMoment) }
    }
}
