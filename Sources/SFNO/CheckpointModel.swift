import Config
import DatasetIO
import Foundation
import HensCore
import NumericsBackend

/// Building a runnable SFNO from a checkpoint file.
extension Checkpoint {
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

    /// The SFNO this checkpoint's configuration describes, with initial (not stored) weights;
    /// `CheckpointReader.makeModel()` loads the stored ones. The stored model text may omit the
    /// channel counts (`hens train` defaults them to the data's), so they are filled in.
    func makeArchitecture(source: String) throws -> SFNOModel<Float> {
        try SFNOModel<Float>(config: try modelConfiguration(source: source), seed: seed)
    }

    /// The stored model configuration, channel counts filled in from the checkpoint's channels,
    /// the auxiliary inputs of its training configuration and its step inputs.
    public func modelConfiguration(source: String) throws -> SFNOConfig {
        let auxiliary = try storedAuxiliaryChannels(source: source)
        var doc = try ConfigDocument(yaml: modelConfig, source: "\(source): model_config")
        let stepChannels = stepInputs?.channelCount ?? 0
        return try SFNOConfig.withChannelDefaults(&doc, stateInputs: channels.count + auxiliary.channelCount + stepChannels,
                                                  outputs: channels.count)
    }

    /// The fields an imported model reads after its state at every step, nil for models trained by hens.
    public var stepInputFields: StepInputFields? {
        stepInputs.map { StepInputFields(inputs: $0, latitudes: grid.latitudes, longitudes: grid.longitudes) }
    }

    /// The auxiliary inputs named by the stored training configuration (`training_config`,
    /// JSON). Only that key is read here: running a model needs its inputs, not the optimiser
    /// settings, so the model layer does not depend on the training stage's configuration type.
    func storedAuxiliaryChannels(source: String) throws -> AuxiliaryChannels {
        struct StoredInputs: Decodable { let auxiliary: AuxiliaryChannels }
        do {
            return try JSONDecoder().decode(StoredInputs.self, from: Data(trainingConfig.utf8)).auxiliary
        } catch {
            throw HensError(.badInput, "\(source): training_config is not a hens training configuration (\(error))")
        }
    }
}

extension CheckpointReader {
    /// The SFNO the open checkpoint holds. When the stored tensor table is the model's own (a
    /// checkpoint written by this architecture), the weights are read straight into the model's
    /// buffer, so a model of several gigabytes is never held twice; otherwise they are read into
    /// memory and matched by name (`Checkpoint.loadParameters(into:source:)`).
    public func makeModel() throws -> SFNOModel<Float> {
        let model = try header.makeArchitecture(source: path)
        if header.tensors == model.parameterTensors, parameterCount == model.parameterCount {
            try model.withParameters { try readParameters(into: $0) }
        } else {
            var checkpoint = header
            checkpoint.parameters = [Float](repeating: 0, count: parameterCount)
            try checkpoint.parameters.withUnsafeMutableBufferPointer { try readParameters(into: $0) }
            try checkpoint.loadParameters(into: model, source: path)
        }
        return model
    }
}
