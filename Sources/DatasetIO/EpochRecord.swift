/// One line of `metrics.jsonl`: what one epoch of one seed did and how the model scored.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// The training seed.
    public var seed: UInt64
    /// The epoch just completed (1-based).
    public var epoch: Int
    /// Optimiser steps completed so far.
    public var step: Int
    /// Learning rate of the epoch's last step.
    public var learningRate: Double
    /// Mean training loss over the epoch's steps (multistep-weighted).
    public var trainLoss: Double
    /// The training loss within the epoch: about 20 points, each the mean over a window of
    /// `max(1, steps per epoch / 20)` consecutive steps (the last window may be shorter), so
    /// training curves can show more than one point per epoch. Empty when read from a log
    /// written before the trace existed.
    public var lossTrace: [LossTracePoint]
    /// Mean global gradient norm before clipping.
    public var gradientNorm: Double
    /// Wall-clock seconds of the epoch's training steps.
    public var trainSeconds: Double
    /// Wall-clock seconds of validation.
    public var validationSeconds: Double
    /// Training throughput (samples per second, each multistep sample counted once).
    public var samplesPerSecond: Double
    /// Validation scores on the valid split.
    public var validation: ValidationMetrics

    /// A record with every field given (the writer's side; readers decode).
    package init(seed: UInt64, epoch: Int, step: Int, learningRate: Double, trainLoss: Double, lossTrace: [LossTracePoint], gradientNorm: Double, trainSeconds: Double, validationSeconds: Double, samplesPerSecond: Double, validation: ValidationMetrics) {
        self.seed = seed
        self.epoch = epoch
        self.step = step
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.lossTrace = lossTrace
        self.gradientNorm = gradientNorm
        self.trainSeconds = trainSeconds
        self.validationSeconds = validationSeconds
        self.samplesPerSecond = samplesPerSecond
        self.validation = validation
    }

    enum CodingKeys: String, CodingKey {
        case seed, epoch, step, validation
        case learningRate = "lr"
        case trainLoss = "train_loss"
        case lossTrace = "loss_trace"
        case gradientNorm = "grad_norm"
        case trainSeconds = "train_seconds"
        case validationSeconds = "validation_seconds"
        case samplesPerSecond = "samples_per_second"
    }
}

extension EpochRecord {
    /// Decodes a `metrics.jsonl` line. Written by hand only so that `loss_trace` may be
    /// absent: logs from before the trace existed still read, with an empty trace.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decode(UInt64.self, forKey: .seed)
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        lossTrace = try c.decodeIfPresent([LossTracePoint].self, forKey: .lossTrace) ?? []
        gradientNorm = try c.decode(Double.self, forKey: .gradientNorm)
        trainSeconds = try c.decode(Double.self, forKey: .trainSeconds)
        validationSeconds = try c.decode(Double.self, forKey: .validationSeconds)
        samplesPerSecond = try c.decode(Double.self, forKey: .samplesPerSecond)
        validation = try c.decode(ValidationMetrics.self, forKey: .validation)
    }
}

/// One point of an epoch's within-epoch loss curve (`loss_trace` in `metrics.jsonl`): the
/// mean training loss over a window of consecutive optimiser steps.
public struct LossTracePoint: Codable, Equatable, Sendable {
    /// The global optimiser step at the end of the window (comparable across epochs and with
    /// `EpochRecord.step`, so curves of several epochs join up on one axis).
    public var step: Int
    /// Mean training loss over the window's steps (multistep-weighted, as `train_loss`).
    public var loss: Double

    /// A point at global step `step` with mean loss `loss`.
    public init(step: Int, loss: Double) {
        self.step = step
        self.loss = loss
    }
}

/// Validation scores of one model on one split (all in normalised units).
public struct ValidationMetrics: Codable, Equatable, Sendable {
    /// Initial states scored.
    public var samples: Int
    /// Mean one-step loss (the training loss) over the samples.
    public var loss: Double
    /// The same loss for persistence (predicting x_t for x_{t+1}).
    public var persistenceLoss: Double
    /// `loss / persistenceLoss`: below 1 beats persistence.
    public var lossRatio: Double
    /// Channel names, the order of the per-channel lists.
    public var channels: [String]
    /// Area-weighted RMSE per channel (outer) at leads 1 … n (inner), autoregressive.
    public var rmse: [[Double]]
    /// RMSE over all channels (root of the channel-mean MSE) at each lead.
    public var rmseAll: [Double]
    /// Persistence RMSE per channel and lead.
    public var persistenceRMSE: [[Double]]
    /// Persistence RMSE over all channels at each lead.
    public var persistenceRMSEAll: [Double]
    /// Climatology RMSE (the training mean, 0 in normalised space) per channel and lead.
    public var climatologyRMSE: [[Double]]
    /// Climatology RMSE over all channels at each lead.
    public var climatologyRMSEAll: [Double]

    /// A record with every field given (the writer's side; readers decode).
    package init(samples: Int, loss: Double, persistenceLoss: Double, lossRatio: Double, channels: [String], rmse: [[Double]], rmseAll: [Double], persistenceRMSE: [[Double]], persistenceRMSEAll: [Double], climatologyRMSE: [[Double]], climatologyRMSEAll: [Double]) {
        self.samples = samples
        self.loss = loss
        self.persistenceLoss = persistenceLoss
        self.lossRatio = lossRatio
        self.channels = channels
        self.rmse = rmse
        self.rmseAll = rmseAll
        self.persistenceRMSE = persistenceRMSE
        self.persistenceRMSEAll = persistenceRMSEAll
        self.climatologyRMSE = climatologyRMSE
        self.climatologyRMSEAll = climatologyRMSEAll
    }

    enum CodingKeys: String, CodingKey {
        case samples, loss, channels, rmse
        case persistenceLoss = "persistence_loss"
        case lossRatio = "loss_ratio"
        case rmseAll = "rmse_all"
        case persistenceRMSE = "persistence_rmse"
        case persistenceRMSEAll = "persistence_rmse_all"
        case climatologyRMSE = "climatology_rmse"
        case climatologyRMSEAll = "climatology_rmse_all"
    }
}
