import DatasetIO
import Foundation
import HensCore

extension EnsembleForecast {
    /// The inputs that decide whether an existing output folder belongs to this run: the
    /// configuration as run (with its command-line overrides), the checkpoints (their payload
    /// digests, verified when the models were loaded, rather than hashing each file again), the
    /// dataset's statistics, the skill file and the hens executable. The shard and a member
    /// selection are left out, since several shards and partial reruns share one folder; the
    /// number of shards is in, so that a sharded run never writes into the folder of a run
    /// split another way (whose files `hens merge` could not put together).
    public func runInputs() throws -> RunInputs {
        var files = ["dataset statistics": [DatasetLayout.statsPath(config.dataset)]]
        if let skill = config.skill { files["skill"] = [skill] }
        return try RunInputs(stage: "forecast", texts: ["configuration": config.text, "checkpoints": models.map(\.digest).joined(separator: " "),
                                                        "shard layout": "\(shard.count) shard(s)"],
                             files: files)
    }

    /// Checks the output folder against this run's inputs before any work (see `RunInputs`):
    /// same inputs resume, others are refused, or the folder is emptied when `restartIfChanged`.
    /// First, the free space beside it must hold at least the smallest size the output can have
    /// (`outputSize`), less what the folder holds already (a resumed run).
    /// - Throws: `.invalidArgument` for a restart asked of one shard among several (it would
    ///   remove files the other shards are writing).
    @discardableResult
    public func prepareOutput(initialTimes: [InitialTime], restartIfChanged: Bool, option: String) throws -> RunInputs.Outcome {
        if restartIfChanged && shard.count > 1 {
            throw HensError.invalid(option, "a single-process run: one shard of \(shard.count) cannot empty a folder the others write")
        }
        let size = try outputSize(initialTimes)
        try DiskSpace.require(size.minimum - DiskSpace.bytesUsed(under: paths.root), at: paths.root,
                              for: "this shard's forecast (\(DiskSpace.format(size.members + size.summaries)) before compression)")
        return try runInputs().prepare(folder: paths.root, restartIfChanged: restartIfChanged, option: option)
    }
}

extension EnsembleForecast {
    /// The largest ratio deflate can reach (258-byte matches coded in 2 bits, RFC 1951): no
    /// deflated file is smaller than its data divided by this, whatever the data.
    static let deflateLimit: Int64 = 1032

    /// Bytes this shard writes over `initialTimes`: member fields and summary statistics as
    /// Float32 before compression, and a lower bound of the files' size (the raw size when
    /// nothing is compressed, else the raw size over deflate's largest ratio). Computed from
    /// the first initial time's counts (every initial time has the same layout); no member is
    /// listed.
    public func outputSize(_ initialTimes: [InitialTime]) throws -> (members: Int64, summaries: Int64, minimum: Int64) {
        guard let first = initialTimes.first else { return (0, 0, 0) }
        let membersPerTime = try planCounts(first).members
        let out = outputLayout(first)
        let fields = [out.channels.count, out.leads.count, out.fieldCount, initialTimes.count]
        let members = config.writeMembers ? SizeEstimate.product(fields + [membersPerTime, 4]) : 0
        let summaries = SizeEstimate.product(fields + [36])
        let (total, overflow) = members.addingReportingOverflow(summaries)
        let raw = overflow ? Int64.max : total
        return (members, summaries, config.deflateLevel != nil ? raw / Self.deflateLimit : raw)
    }
}
