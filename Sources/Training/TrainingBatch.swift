/// The initial states and targets of one batch, in preallocated storage that is refilled
/// every step (no allocation in the training loop).
///
/// `initial` is `[batch][channel][point]`; `targets` is `[step][batch][channel][point]` for
/// steps 1 … horizon after the initial time, so each step's targets are one contiguous block
/// the loss reads directly.
final class TrainingBatch: @unchecked Sendable {  // unchecked: filled by the prefetcher, then handed over to the trainer
    /// Samples per batch.
    let capacity: Int
    /// Target steps per sample.
    let horizon: Int
    /// Values in one state (channels × points).
    let stateCount: Int
    /// The samples currently held (at most `capacity`; the last validation batch may be short).
    private(set) var samples: [TrainingSample] = []
    /// Initial states.
    let initial: UnsafeMutableBufferPointer<Float>
    /// Target states.
    let targets: UnsafeMutableBufferPointer<Float>

    /// Storage for `capacity` samples of `horizon` targets each.
    init(capacity: Int, horizon: Int, stateCount: Int) {
        self.capacity = capacity
        self.horizon = horizon
        self.stateCount = stateCount
        initial = .allocate(capacity: capacity * stateCount)
        targets = .allocate(capacity: horizon * capacity * stateCount)
        initial.initialize(repeating: 0)
        targets.initialize(repeating: 0)
    }

    deinit {
        initial.deallocate()
        targets.deallocate()
    }

    /// Samples held.
    var count: Int { samples.count }

    /// The targets of step `step` (1 … horizon) for every sample: `count × stateCount` values.
    func target(step: Int) -> UnsafeMutablePointer<Float> {
        precondition((1...horizon).contains(step), "target step \(step) outside 1…\(horizon)")
        return targets.baseAddress! + (step - 1) * capacity * stateCount
    }

    /// Copies the states of `samples` (and their `horizon` successors) out of `split`.
    func fill(_ samples: [TrainingSample], from split: NormalizedSplit) {
        precondition(samples.count <= capacity && split.stateCount == stateCount, "batch does not fit its storage")
        for (b, s) in samples.enumerated() {
            precondition(s.time + horizon < split.timeCount, "sample \(s) needs times beyond its trajectory")
            split.copyState(trajectory: s.trajectory, time: s.time, to: initial.baseAddress! + b * stateCount)
            for step in 1...horizon {
                split.copyState(trajectory: s.trajectory, time: s.time + step, to: target(step: step) + b * stateCount)
            }
        }
        self.samples = samples
    }
}
