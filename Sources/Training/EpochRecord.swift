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

/// Collects `EpochRecord.lossTrace` one step at a time: sums the loss over windows of
/// `window` consecutive steps and emits each window's mean, with a last partial window at the
/// end of the epoch so that every step is counted exactly once (the trace weighted by window
/// lengths then averages to `train_loss`).
struct LossTraceBuilder {
    /// Points per epoch aimed at: enough for a smooth curve, few enough to keep a line short.
    static let targetPoints = 20

    /// Steps per window: `max(1, stepsPerEpoch / targetPoints)`, so an epoch gives
    /// `targetPoints` to `2 × targetPoints - 1` points (or one per step in a short epoch).
    let window: Int
    private(set) var points: [LossTracePoint] = []
    private var sum = 0.0, count = 0, lastStep = 0

    /// A builder for an epoch of `stepsPerEpoch` steps.
    init(stepsPerEpoch: Int) {
        window = max(1, stepsPerEpoch / Self.targetPoints)
    }

    /// Adds one step's loss; `step` is the global step just completed.
    mutating func add(loss: Double, step: Int) {
        sum += loss
        count += 1
        lastStep = step
        if count == window { flush() }
    }

    /// The trace, including the last partial window.
    mutating func finish() -> [LossTracePoint] {
        if count > 0 { flush() }
        return points
    }

    private mutating func flush() {
        points.append(LossTracePoint(step: lastStep, loss: sum / Double(count)))
        sum = 0
        count = 0
    }
}
