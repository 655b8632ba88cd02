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

    enum CodingKeys: String, CodingKey {
        case seed, epoch, step, validation
        case learningRate = "lr"
        case trainLoss = "train_loss"
        case gradientNorm = "grad_norm"
        case trainSeconds = "train_seconds"
        case validationSeconds = "validation_seconds"
        case samplesPerSecond = "samples_per_second"
    }
}
