import DatasetIO

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
