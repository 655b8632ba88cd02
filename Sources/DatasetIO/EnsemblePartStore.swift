import Foundation
import HensCore

/// The resumable form of one shard's member output: each batch of members is committed as its
/// own part file, and the parts are assembled into the shard file at the end.
///
/// Part `k` of `ensemble/INIT-shard-0.nc` is `ensemble/INIT-shard-0.part-k.nc`, a complete
/// shard file (same layout, crop and provenance) holding only that batch's members. It is
/// written under a temporary name and renamed into place when its last field is written
/// (`EnsembleShardWriter.finish()`), so a part file under its final name is always complete: a
/// run killed at any point (SIGKILL) leaves at most a temporary file, which the next run deletes
/// once its writer process is gone. A restarted run asks `completedBatches()` which batches to
/// skip.
///
/// `assemble(batchCount:)` copies the parts, in batch order, into the shard file (written
/// atomically, with the final compression and quantisation) and then removes them. We assemble
/// rather than index the parts because readers of the ensemble then see one file per
/// (initial time, shard) whatever happened during the run. Parts are written uncompressed and
/// lossless (`EnsembleShardOptions.part`): the assembled file is compressed and quantised exactly
/// once, so a resumed run ends with the same decoded contents as an uninterrupted one, and the
/// rollout loop does not pay for deflate. The price is disk: parts take the uncompressed size
/// until assembly.
public final class EnsemblePartStore {
    /// The final shard file.
    public let shardPath: String
    /// Channels, grid, leads and initial time of the fields passed to the part writers.
    public let layout: EnsembleOutputLayout
    /// Crop applied to every field, if any.
    public let crop: GridCrop?
    /// Provenance written into every part and the shard.
    public let run: EnsembleRunInfo
    /// Storage options of the assembled shard.
    public let options: EnsembleShardOptions

    /// A store for the parts of `shardPath`; creates nothing until a batch is written.
    public init(shardPath: String, layout: EnsembleOutputLayout, crop: GridCrop? = nil, run: EnsembleRunInfo,
                options: EnsembleShardOptions = EnsembleShardOptions()) {
        self.shardPath = shardPath
        self.layout = layout
        self.crop = crop
        self.run = run
        self.options = options
    }

    /// The path of part `batch`: `<shard without .nc>.part-<batch>.nc`.
    public func partPath(batch: Int) -> String {
        "\(stem).part-\(batch).nc"
    }

    /// Whether the shard file exists, i.e. an earlier run finished `assemble` (a restarted run
    /// then has nothing left to do; parts may remain if it was killed while removing them).
    public var isAssembled: Bool {
        access(shardPath, F_OK) == 0
    }

    /// The batches whose part files are complete, ascending. Deletes temporary part files left
    /// by processes that no longer exist (a killed run).
    public func completedBatches() throws -> [Int] {
        let url = URL(fileURLWithPath: stem)
        let directory = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".part-"
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            // A directory not created yet holds no parts.
            if !FileManager.default.fileExists(atPath: directory) { return [] }
            throw HensError(.io, "\(directory): cannot list the part files of \(shardPath): \(error.localizedDescription)")
        }
        var batches: [Int] = []
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if let tmp = rest.range(of: ".nc.tmp-") {
                removeOrphanedTemporaries(of: directory + "/" + prefix + rest[..<tmp.lowerBound] + ".nc")
            } else if rest.hasSuffix(".nc"), let batch = Int(rest.dropLast(3)), batch >= 0 {
                batches.append(batch)
            }
        }
        return batches.sorted()
    }

    /// A writer for part `batch` holding `members`; its `finish()` commits the part atomically
    /// (replacing an earlier complete part of the same batch).
    public func writer(batch: Int, members: [EnsembleMember]) throws -> EnsembleShardWriter {
        guard batch >= 0 else { throw HensError(.invalidArgument, "\(shardPath): batch index \(batch) is negative") }
        return try EnsembleShardWriter(path: partPath(batch: batch), layout: layout, crop: crop, members: members,
                                       run: run, options: .part)
    }

    /// Writes and commits part `batch` in one call: `field(channel, memberSlot, lead)` returns
    /// each full-grid field.
    public func commit(batch: Int, members: [EnsembleMember],
                       field: (_ channel: Int, _ memberSlot: Int, _ lead: Int) throws -> [Float]) throws {
        let part = try writer(batch: batch, members: members)
        do {
            for channel in layout.channels.indices {
                for slot in members.indices {
                    for lead in layout.leads.indices {
                        try part.write(channel: channel, memberSlot: slot, lead: lead, field: try field(channel, slot, lead))
                    }
                }
            }
            try part.finish()
        } catch {
            part.abort()
            throw error
        }
    }

    /// Copies parts `0..<batchCount` into the shard file (atomically) and removes them.
    ///
    /// Throws, leaving the parts and any existing shard file untouched, when a part is missing,
    /// was written for another layout or run, or repeats a member.
    @discardableResult
    public func assemble(batchCount: Int) throws -> EnsembleShardReader {
        let done = Set(try completedBatches())
        if let missing = (0..<batchCount).first(where: { !done.contains($0) }) {
            throw HensError(.badInput, "\(partPath(batch: missing)): part missing; cannot assemble \(shardPath) "
                + "(\(done.intersection(0..<batchCount).count) of \(batchCount) parts complete)")
        }
        let expected = crop.map { layout.cropped(by: $0) } ?? layout
        // Validate every part first, then copy them one at a time: only one part is open at any
        // moment, so memory does not grow with the number of batches.
        var partMembers: [[EnsembleMember]] = []
        var firstRun: EnsembleRunInfo?
        for batch in 0..<batchCount {
            let part = try EnsembleShardReader(path: partPath(batch: batch))
            defer { part.close() }
            guard part.layout == expected, part.run.config == run.config, part.run.checkpoints == run.checkpoints,
                  part.run.baseSeed == run.baseSeed else {
                throw HensError(.badInput, "\(part.path): part written for another layout or run than \(shardPath)")
            }
            partMembers.append(part.members)
            if firstRun == nil { firstRun = part.run }
        }
        let members = partMembers.flatMap { $0 }
        guard Set(members.map(\.index)).count == members.count else {
            throw HensError(.badInput, "\(shardPath): the parts repeat a member index")
        }
        guard let firstRun else {
            throw HensError(.invalidArgument, "\(shardPath): nothing to assemble (no batches)")
        }

        // The parts already hold cropped fields: copy them on the stored grid, keeping the
        // parts' provenance (which includes the `crop` description).
        let shard = try EnsembleShardWriter(path: shardPath, layout: expected, members: members,
                                            run: firstRun, options: options)
        do {
            var slot = 0
            for batch in 0..<batchCount {
                let part = try EnsembleShardReader(path: partPath(batch: batch))
                defer { part.close() }
                for partSlot in part.members.indices {
                    for channel in expected.channels.indices {
                        for lead in expected.leads.indices {
                            try shard.write(channel: channel, memberSlot: slot, lead: lead,
                                            field: try part.read(channel: channel, memberSlot: partSlot, lead: lead))
                        }
                    }
                    slot += 1
                }
            }
            try shard.finish()
        } catch {
            shard.abort()
            throw error
        }
        for batch in 0..<batchCount { unlink(partPath(batch: batch)) }
        return try EnsembleShardReader(path: shardPath)
    }

    /// The shard path without its `.nc` extension.
    private var stem: String {
        shardPath.hasSuffix(".nc") ? String(shardPath.dropLast(3)) : shardPath
    }
}
