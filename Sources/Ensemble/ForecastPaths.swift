/// Where `hens forecast` and `hens merge` put their files under the output folder:
///
///     OUT/<init>/members-shard-k-of-N.nc         member fields of shard k (assembled from parts)
///     OUT/<init>/members-shard-k-of-N.part-B.nc  batch B of shard k, while the run is in progress
///     OUT/<init>/summary-shard-k-of-N.nc         streaming statistics of shard k's members
///     OUT/<init>/summary-shard-k-of-N.state.nc   the same, checkpointed after every batch (resume)
///     OUT/<init>/summary.nc                      all shards merged (`hens merge`; written directly
///                                                by a single-shard run)
///
/// `<init>` is the initial time's label (`InitialTime.label`, e.g. `2023-06-01T00` or
/// `test-0-48h`), safe as a file name.
public struct ForecastPaths: Sendable, Equatable {
    /// The output folder.
    public let root: String

    /// Paths under `root`.
    public init(root: String) { self.root = root }

    /// The folder of one initial time.
    public func directory(initLabel: String) -> String { root + "/" + initLabel }

    /// The assembled member file of a shard.
    public func members(initLabel: String, shard: ShardSpec) -> String {
        directory(initLabel: initLabel) + "/members-\(shard.fileTag).nc"
    }

    /// The summary of a shard (final).
    public func shardSummary(initLabel: String, shard: ShardSpec) -> String {
        directory(initLabel: initLabel) + "/summary-\(shard.fileTag).nc"
    }

    /// The summary checkpoint of a shard, rewritten atomically after every batch.
    public func summaryState(initLabel: String, shard: ShardSpec) -> String {
        directory(initLabel: initLabel) + "/summary-\(shard.fileTag).state.nc"
    }

    /// The merged summary of all shards.
    public func mergedSummary(initLabel: String) -> String {
        directory(initLabel: initLabel) + "/summary.nc"
    }
}
