import Dispatch

/// Hands out the batches of an epoch in order, assembling batch i + 1 on a background queue
/// while batch i trains.
///
/// Two batches of storage alternate. `batch(i)` waits for (or, without prefetch, performs) the
/// assembly of batch i, then starts batch i + 1 in the other slot — which the caller finished
/// with when it asked for batch i. So batches must be requested in order, and a batch is valid
/// only until the next request. The contents do not depend on timing: the same samples are
/// copied whether or not the background queue ran first.
final class BatchPrefetcher {
    private let split: NormalizedSplit
    private let batches: [[TrainingSample]]
    private let slots: [TrainingBatch]
    private let enabled: Bool
    private let queue = DispatchQueue(label: "hens.training.prefetch")
    private let group = DispatchGroup()
    private var prefetched: Int?

    /// A prefetcher over `batches` of `split` with `horizon` targets per sample.
    init(split: NormalizedSplit, batches: [[TrainingSample]], batchSize: Int, horizon: Int, enabled: Bool) {
        self.split = split
        self.batches = batches
        self.enabled = enabled
        slots = (0..<2).map { _ in TrainingBatch(capacity: batchSize, horizon: horizon, stateCount: split.stateCount) }
    }

    deinit {
        // The background fill writes into `slots`: it must finish before they are freed.
        group.wait()
    }

    /// Number of batches.
    var count: Int { batches.count }

    /// Batch `index`, requested in increasing order.
    func batch(_ index: Int) -> TrainingBatch {
        let slot = slots[index % 2]
        if prefetched == index {
            group.wait()
        } else {
            slot.fill(batches[index], from: split)
        }
        prefetched = nil
        let next = index + 1
        if enabled && next < batches.count {
            let nextSlot = slots[next % 2], samples = batches[next], split = self.split
            queue.async(group: group) { nextSlot.fill(samples, from: split) }
            prefetched = next
        }
        return slot
    }
}
