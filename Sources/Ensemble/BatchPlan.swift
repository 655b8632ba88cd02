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
}
