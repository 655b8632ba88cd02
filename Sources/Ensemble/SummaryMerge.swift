import DatasetIO
import Foundation
import HensCore

/// Merges the summary files of the shards of one forecast (`summary-shard-k-of-N.nc`) into the
/// summary of the whole ensemble (`summary.nc`), after checking that they belong together.
///
/// Shards run as independent processes, so nothing but their files says whether they belong to
/// the same run: every part must share the layout, thresholds, checkpoints, base seed,
/// perturbation, configuration, `member_count` and `member_selection`; the `shard` attributes
/// must be k/N with one N and every k exactly once; and the member sets must be disjoint with
/// `member_selection` as their union. The statistics are then combined with
/// `StreamingSummary.merge` (Chan et al.) in shard order, so a merge is reproducible bit for bit.
public enum SummaryMerge {
    /// Run attribute: total members of the ensemble layout (decimal).
    public static let memberCountKey = "member_count"
    /// Run attribute: the member indices the whole run covers (`MemberSelection.format`).
    public static let memberSelectionKey = "member_selection"
    /// Run attribute: `k/N` for a shard's summary, `merged` for the merged one.
    public static let shardKey = "shard"
    /// The `shard` attribute of a merged summary.
    public static let mergedShard = "merged"

    /// Merges shard summaries; see the type's documentation for what is checked.
    /// - Parameter parts: every shard's summary with its path (named in messages).
    /// - Returns: the merged contents: the first shard's layout and run (with `shard` set to
    ///   `merged`), the merged statistics, and the sorted union of the member indices.
    /// - Throws: `badInput` naming the file(s) and what differs, a missing shard (with the path
    ///   it was expected at), a duplicated member (with both files) or the first member of
    ///   `member_selection` that no shard holds.
    public static func merge(_ parts: [(path: String, contents: EnsembleSummaryFile.Contents)]) throws
        -> EnsembleSummaryFile.Contents {
        guard let first = parts.first else { throw HensError(.badInput, "summary merge: no shard summaries to merge") }
        func fail(_ message: String) -> HensError { HensError(.badInput, message) }

        // Shards: k/N with one N, each k once.
        let shards = try parts.map { try shard(of: $0.contents, path: $0.path) }
        let n = shards[0].count
        var byIndex = [Int: Int]()   // shard index → position in `parts`
        for (i, s) in shards.enumerated() {
            guard s.count == n else {
                throw fail("\(parts[i].path): is shard \(s) but \(first.path) is shard \(shards[0]); "
                    + "all parts must come from one run with the same number of shards")
            }
            if let j = byIndex[s.index] {
                throw fail("shard \(s) given twice: \(parts[j].path) and \(parts[i].path)")
            }
            byIndex[s.index] = i
        }
        let missing = (0..<n).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            let directory = (first.path as NSString).deletingLastPathComponent
            let paths = try missing.map { k in
                (directory.isEmpty ? "" : directory + "/") + "summary-\(try ShardSpec(index: k, count: n).fileTag).nc"
            }
            throw fail("shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) missing: "
                + paths.joined(separator: ", "))
        }

        // Same run.
        for part in parts.dropFirst() { try checkSameRun(part, as: first) }
        let memberCountText = first.contents.run.attributes[memberCountKey]
        guard let memberCountText, let memberCount = Int(memberCountText), memberCount >= 1 else {
            throw fail("\(first.path): attribute '\(memberCountKey)' should be a positive member count, got "
                + "'\(memberCountText ?? "(missing)")'")
        }
        guard let selectionText = first.contents.run.attributes[memberSelectionKey] else {
            throw fail("\(first.path): no attribute '\(memberSelectionKey)'; is it a summary written by hens forecast?")
        }
        let selection: [Int]
        do { selection = try MemberSelection.parse(selectionText, memberCount: memberCount) } catch let error as HensError {
            throw fail("\(first.path): attribute '\(memberSelectionKey)': \(error.message)")
        }

        // Members: disjoint, every one selected, and together exactly the selection.
        let selected = Set(selection)
        var owner = [Int: String]()
        for part in parts {
            for m in part.contents.memberIndices {
                if let other = owner[m] {
                    throw fail("member \(m) is summarised twice: in \(other) and in \(part.path)")
                }
                guard selected.contains(m) else {
                    throw fail("\(part.path): member \(m) is not in the run's member_selection (\(selectionText))")
                }
                owner[m] = part.path
            }
        }
        if let absent = selection.first(where: { owner[$0] == nil }) {
            throw fail("member \(absent) of member_selection (\(selectionText)) is in no shard summary (\(parts.count) files, "
                + "\(owner.count) of \(selection.count) members)")
        }

        // Statistics, in shard order.
        var merged: StreamingSummary?
        for k in 0..<n {
            let part = parts[byIndex[k]!]
            let summary = try statistics(of: part)
            if merged == nil { merged = summary } else { try merged!.merge(summary) }
        }
        let layout = first.contents.layout
        var run = first.contents.run
        run.attributes[shardKey] = mergedShard
        // The merged file carries the merging process's provenance; each shard's kernel is kept.
        run.attributes[shardKernelsKey] = EnsembleRunInfo.blasKernels(parts.map { ($0.path, $0.contents.run.attributes) })
        return EnsembleSummaryFile.Contents(
            layout: layout,
            arrays: merged!.arrays(latitudeCount: layout.latitudes.count, longitudeCount: layout.longitudes.count),
            memberIndices: selection, run: run)
    }

    /// The `shard` attribute of a part, checked against its file name when that has the
    /// `summary-shard-k-of-N.nc` form (a renamed file would otherwise merge silently).
    static func shard(of contents: EnsembleSummaryFile.Contents, path: String) throws -> ShardSpec {
        guard let text = contents.run.attributes[shardKey] else {
            throw HensError(.badInput, "\(path): no attribute '\(shardKey)'; is it a shard summary written by hens forecast?")
        }
        guard text != mergedShard else {
            throw HensError(.badInput, "\(path): is a merged summary already, not a shard summary")
        }
        let shard: ShardSpec
        do { shard = try ShardSpec.parse(text, source: "\(path): attribute '\(shardKey)'") } catch let error as HensError {
            throw HensError(.badInput, error.message)
        }
        if let named = shardInFileName(path), named != shard {
            throw HensError(.badInput, "\(path): its name says shard \(named) but its attribute '\(shardKey)' says \(shard)")
        }
        return shard
    }

    /// Attribute of a merged summary: the BLAS kernel of each shard, one "file: kernel" per line.
    public static let shardKernelsKey = "shard_blas_kernels"

    /// The shard a file name `summary-shard-k-of-N.nc` names, nil for other names.
    public static func shardInFileName(_ path: String) -> ShardSpec? {
        let name = (path as NSString).lastPathComponent
        guard name.hasPrefix("summary-shard-"), name.hasSuffix(".nc") else { return nil }
        let parts = name.dropFirst("summary-shard-".count).dropLast(".nc".count).components(separatedBy: "-of-")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]),
              parts[0].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isASCII) else { return nil }
        return try? ShardSpec(index: k, count: n)
    }

    /// Throws unless `part` comes from the same run as `reference`.
    static func checkSameRun(_ part: (path: String, contents: EnsembleSummaryFile.Contents),
                             as reference: (path: String, contents: EnsembleSummaryFile.Contents)) throws {
        let a = part.contents, b = reference.contents
        func differ(_ what: String, _ mine: String, _ theirs: String) -> HensError {
            HensError(.badInput, "\(part.path): \(what) (\(mine)) differ\(what.hasSuffix("s") ? "" : "s") from \(reference.path)'s "
                + "(\(theirs)); shards of one run must agree")
        }
        func list<T>(_ values: [T]) -> String {
            values.count <= 8 ? values.map { "\($0)" }.joined(separator: ", ") : "\(values.count) values"
        }
        let la = a.layout, lb = b.layout
        if la.channels != lb.channels {
            throw differ("channels", list(la.channels.map { "\($0.name) [\($0.units)]" }),
                         list(lb.channels.map { "\($0.name) [\($0.units)]" }))
        }
        if la.latitudes != lb.latitudes || la.longitudes != lb.longitudes {
            throw differ("grid", "\(la.latitudes.count)×\(la.longitudes.count)", "\(lb.latitudes.count)×\(lb.longitudes.count)")
        }
        if la.leads != lb.leads || la.leadUnits != lb.leadUnits {
            throw differ("leads", "\(list(la.leads)) \(la.leadUnits)", "\(list(lb.leads)) \(lb.leadUnits)")
        }
        if la.initialTime != lb.initialTime || la.timeUnits != lb.timeUnits || la.calendar != lb.calendar {
            throw differ("initial time", "\(la.initialTime) \(la.timeUnits), \(la.calendar)",
                         "\(lb.initialTime) \(lb.timeUnits), \(lb.calendar)")
        }
        if a.arrays.thresholds != b.arrays.thresholds {
            throw differ("thresholds", list(a.arrays.thresholds.map { "\($0.channel):\($0.value)" }),
                         list(b.arrays.thresholds.map { "\($0.channel):\($0.value)" }))
        }
        let ra = a.run, rb = b.run
        if ra.checkpoints != rb.checkpoints { throw differ("checkpoints", list(ra.checkpoints), list(rb.checkpoints)) }
        if ra.baseSeed != rb.baseSeed { throw differ("base seed", "\(ra.baseSeed)", "\(rb.baseSeed)") }
        if ra.perturbation != rb.perturbation { throw differ("perturbation", ra.perturbation, rb.perturbation) }
        if ra.config != rb.config { throw differ("configuration", "\(ra.config.utf8.count) bytes", "\(rb.config.utf8.count) bytes") }
        for key in [memberCountKey, memberSelectionKey] where ra.attributes[key] != rb.attributes[key] {
            throw differ("attribute '\(key)'", ra.attributes[key] ?? "(missing)", rb.attributes[key] ?? "(missing)")
        }
    }

    /// A part's statistics, checked against its member list (every member is a whole field, so
    /// every (lead, channel) must count exactly the members the file lists).
    static func statistics(of part: (path: String, contents: EnsembleSummaryFile.Contents)) throws -> StreamingSummary {
        let summary: StreamingSummary
        do { summary = try StreamingSummary(arrays: part.contents.arrays) } catch let error as HensError {
            throw HensError(.badInput, "\(part.path): \(error.message)")
        }
        let members = part.contents.memberIndices.count
        for lead in 0..<summary.leads {
            for channel in 0..<summary.channels where summary.count(lead: lead, channel: channel) != members {
                throw HensError(.badInput, "\(part.path): lead \(lead), channel \(channel) summarises "
                    + "\(summary.count(lead: lead, channel: channel)) members but the file lists \(members); is the shard unfinished?")
            }
        }
        return summary
    }
}
