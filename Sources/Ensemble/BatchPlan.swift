import HensCore

/// How a shard's members are cut into batches: consecutive members of one checkpoint, at most
/// `size` per batch. Each batch is one SFNO call per step, one part file and one summary
/// checkpoint, so a resumed run restarts at a batch boundary.
public struct BatchPlan: Equatable, Sendable {
    /// Members per batch (the last batch of a checkpoint may be smaller).
    public let size: Int
    /// The batches: global member indices, ascending.
    public let batches: [[Int]]

    /// Cuts `members` (ascending) into batches of at most `size`, never mixing checkpoints.
    public init(members: [Int], layout: MemberLayout, size: Int) {
        self.size = size
        var out: [[Int]] = []
        var current: [Int] = []
        for m in members {
            if let last = current.last, current.count == size || layout.member(last).checkpoint != layout.member(m).checkpoint {
                out.append(current)
                current = []
            }
            current.append(m)
        }
        if !current.isEmpty { out.append(current) }
        batches = out
    }

    /// The batch size that fits `budget` bytes: `fixed` bytes are needed whatever the batch,
    /// plus `perMember` bytes per member of a batch; at most `cap`.
    /// - Throws: `invalidArgument` when not even one member fits, naming the minimum.
    public static func size(budget: Int, fixed: Int, perMember: Int, cap: Int = 64) throws -> Int {
        let fit = (budget - fixed) / max(1, perMember)
        guard fit >= 1 else {
            throw HensError.invalid("--memory", "at least \(ProcessMemory.format(fixed + perMember)) for one member per batch, got \(ProcessMemory.format(budget))")
        }
        return min(fit, cap)
    }

    /// What a plan of `members` holds, counted as the members stream past, without listing them
    /// or the batches: `hens forecast --dry-run` and the free-space check must not allocate per
    /// member. Batches are cut exactly as `init(members:layout:size:)` cuts them; a batch's
    /// breeding calls are `breedingCycles` × (its distinct ± pairs + 1), nothing when it has no
    /// pair or `breedingCycles` is nil (no bred vectors). Pairs never decrease along the members
    /// of one checkpoint (MemberLayout's closed formula), so distinct pairs are counted as changes.
    public static func counts<Members: Sequence<Int>>(members: Members, layout: MemberLayout, size: Int,
                                                      breedingCycles: Int?) -> (members: Int, batches: Int, breedingCalls: Int) {
        var counted = 0, batches = 0, breeding = 0
        var inBatch = 0, checkpoint = -1, pairs = 0, lastPair: Int?
        func closeBatch() {
            guard inBatch > 0 else { return }
            batches += 1
            if let cycles = breedingCycles, pairs > 0 { breeding += cycles * (pairs + 1) }
            inBatch = 0; pairs = 0; lastPair = nil
        }
        for m in members {
            let member = layout.member(m)
            if inBatch == size || member.checkpoint != checkpoint { closeBatch() }
            checkpoint = member.checkpoint
            inBatch += 1
            counted += 1
            if let pair = member.pair, pair != lastPair { pairs += 1; lastPair = pair }
        }
        closeBatch()
        return (counted, batches, breeding)
    }
}
