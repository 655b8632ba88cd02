import DatasetIO
import HensCore
import SFNO

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

    /// The stored optimiser state as AdamW's.
    public var adamWState: AdamWState? {
        optimizer.map { AdamWState(step: $0.step, firstMoment: $0.firstMoment, secondMoment: $0.secondMoment) }
    }
}
