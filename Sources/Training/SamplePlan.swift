import HensCore

/// One training or validation sample: an initial state at (`trajectory`, `time`).
/// Its targets are the states at `time + 1 … time + horizon` of the same trajectory.
public struct TrainingSample: Hashable, Sendable {
    /// Trajectory index in the split.
    public var trajectory: Int
    /// Time index of the initial state.
    public var time: Int

    /// A sample.
    public init(trajectory: Int, time: Int) {
        self.trajectory = trajectory
        self.time = time
    }
}

/// The samples of a split for a given horizon, and the seeded order they are visited in.
///
/// Sample i is (trajectory i / m, time i % m) with m = timeCount − horizon, so every target
/// time stays inside its trajectory: a sample never crosses into the next one. The order of an
/// epoch is a Fisher–Yates permutation drawn from a generator seeded by (seed, epoch) alone,
/// so resuming at any epoch reproduces the uninterrupted run's order exactly.
public struct SamplePlan: Sendable {
    /// Trajectories in the split.
    public let trajectoryCount: Int
    /// Times per trajectory.
    public let timeCount: Int
    /// Target steps after the initial state (multistep k, or the validation lead count).
    public let horizon: Int

    /// A plan; `horizon` ≥ 1.
    public init(trajectoryCount: Int, timeCount: Int, horizon: Int) {
        precondition(horizon >= 1, "a sample needs at least one target")
        self.trajectoryCount = trajectoryCount
        self.timeCount = timeCount
        self.horizon = horizon
    }

    /// Initial times per trajectory.
    public var samplesPerTrajectory: Int { max(0, timeCount - horizon) }
    /// Samples in the split.
    public var count: Int { trajectoryCount * samplesPerTrajectory }

    /// Sample `index` (0 ..< count).
    public func sample(_ index: Int) -> TrainingSample {
        TrainingSample(trajectory: index / samplesPerTrajectory, time: index % samplesPerTrajectory)
    }

    /// The permutation of 0 ..< count visited in `epoch` (0-based) for `seed`.
    public func order(seed: UInt64, epoch: Int) -> [Int] {
        // A distinct odd multiplier keeps (seed, epoch) pairs from colliding with (seed', epoch').
        var generator = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ (UInt64(epoch) &* 0xD1B5_4A32_D192_ED03))
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = Self.uniform(below: i + 1, using: &generator)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// The batches of `epoch`: the first `samplesPerEpoch` (all when nil) samples of the
    /// epoch's order, cut into batches of `batchSize`; a last partial batch is dropped.
    public func batches(seed: UInt64, epoch: Int, batchSize: Int, samplesPerEpoch: Int?) -> [[TrainingSample]] {
        let order = self.order(seed: seed, epoch: epoch)
        let used = min(order.count, samplesPerEpoch ?? order.count)
        return stride(from: 0, to: used - batchSize + 1, by: batchSize).map { start in
            order[start..<(start + batchSize)].map(sample)
        }
    }

    /// Optimiser steps per epoch for these settings.
    public func stepsPerEpoch(batchSize: Int, samplesPerEpoch: Int?) -> Int {
        min(count, samplesPerEpoch ?? count) / batchSize
    }

    /// `n` samples spread evenly over the split (all when fewer exist), in index order: a
    /// fixed validation set, the same every epoch.
    public func evenlySpaced(_ n: Int) -> [TrainingSample] {
        let m = min(n, count)
        return (0..<m).map { sample($0 * count / m) }
    }

    /// An unbiased integer in 0 ..< bound (Lemire's multiply-and-reject), written out so the
    /// stream does not depend on the standard library's `random(in:)` algorithm.
    static func uniform(below bound: Int, using generator: inout SeededGenerator) -> Int {
        let n = UInt64(bound)
        var product = generator.next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = generator.next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }
}
