import HensCore

/// Which part of an ensemble one process runs: shard `index` of `count` (0-based).
///
/// Members are dealt to shards in contiguous blocks (`members(of:)`), so each shard's members
/// share checkpoints and batch well. A shard can be given explicitly (`--shard k/N`) or read
/// from the environment of a launcher (`detect(environment:)`), so that `srun`, SLURM arrays,
/// `mpirun` and PMI launchers need no MPI code in hens.
public struct ShardSpec: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// This shard, 0 ..< `count`.
    public let index: Int
    /// Number of shards.
    public let count: Int
    /// Where the assignment came from (`--shard`, `SLURM_ARRAY_TASK_ID`, …), for messages.
    public let source: String

    /// A shard; throws unless 0 ≤ index < count.
    public init(index: Int, count: Int, source: String = "--shard") throws {
        guard count >= 1, index >= 0, index < count else {
            throw HensError.invalid(source, "a shard k/N with 0 ≤ k < N, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
        self.source = source
    }

    /// The whole ensemble in one process.
    public static let single = try! ShardSpec(index: 0, count: 1, source: "default")

    /// `k/N`, as the file names and `--shard` write it.
    public var description: String { "\(index)/\(count)" }

    /// Parses `k/N` (e.g. `0/4`).
    public static func parse(_ text: String, source: String = "--shard") throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw HensError.invalid(source, "a shard k/N such as 0/4, got '\(text)'")
        }
        return try ShardSpec(index: k, count: n, source: source)
    }

    /// The launcher variables hens reads, in precedence order (after `--shard`): a SLURM job
    /// array, SLURM tasks (`srun`), Open MPI (`mpirun`), then PMI (MPICH, Intel MPI, Hydra).
    /// The first pair that is set wins; a pair with only one of its two variables set is an
    /// error rather than a silent single-process run.
    public static let launcherVariables: [(index: String, count: String)] = [
        ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"),
        ("SLURM_PROCID", "SLURM_NTASKS"),
        ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
        ("PMI_RANK", "PMI_SIZE"),
    ]

    /// The shard of this process: `explicit` (the `--shard` text) if given, else the first
    /// launcher pair set in `environment`, else `single`.
    ///
    /// SLURM array task ids need not start at 0 (`--array=1-8`): when `SLURM_ARRAY_TASK_MIN`
    /// is set it is subtracted, so the tasks still map to shards 0 ..< count.
    public static func detect(explicit: String?, environment: [String: String]) throws -> ShardSpec {
        if let explicit { return try parse(explicit) }
        for (indexName, countName) in launcherVariables {
            let rawIndex = environment[indexName], rawCount = environment[countName]
            if rawIndex == nil && rawCount == nil { continue }
            guard let i = rawIndex.flatMap({ Int($0) }), let n = rawCount.flatMap({ Int($0) }) else {
                throw HensError.invalid("\(indexName)/\(countName)",
                    "both set to integers (got \(rawIndex ?? "unset") and \(rawCount ?? "unset")); pass --shard k/N to override")
            }
            var k = i
            if indexName == "SLURM_ARRAY_TASK_ID", let low = environment["SLURM_ARRAY_TASK_MIN"].flatMap({ Int($0) }) { k -= low }
            return try ShardSpec(index: k, count: n, source: "\(indexName)=\(i), \(countName)=\(n)")
        }
        return .single
    }

    /// This shard's members of `memberCount` (optionally restricted to `selection`, sorted
    /// member indices): contiguous blocks whose sizes differ by at most one.
    public func members(of memberCount: Int, selection: [Int]? = nil) -> [Int] {
        let block = positions(of: selection?.count ?? memberCount)
        return selection.map { Array($0[block]) } ?? Array(block)
    }

    /// This shard's block of positions among `total` members (or selected members), without
    /// listing them.
    public func positions(of total: Int) -> Range<Int> {
        let base = total / count, extra = total % count
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    /// Shards are equal when they name the same part, wherever the assignment came from.
    public static func == (a: ShardSpec, b: ShardSpec) -> Bool { a.index == b.index && a.count == b.count }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(index)
        hasher.combine(count)
    }

    /// File-name tag, `shard-k-of-N`.
    public var fileTag: String { "shard-\(index)-of-\(count)" }
}
