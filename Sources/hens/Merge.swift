import ArgumentParser
import DatasetIO
import Ensemble
import Foundation
import HensCore

/// `hens merge`: the shard summaries of a forecast into one `summary.nc` per initial time.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the shard summaries of a forecast into OUT/<init>/summary.nc.",
        discussion: """
        Reads every OUT/<init>/summary-shard-k-of-N.nc, checks that the shards come from one run
        (same layout, thresholds, checkpoints, seed, perturbation, configuration and member
        selection), that no shard is missing and that every member is summarised exactly once,
        then merges the statistics exactly (Chan et al.) and writes OUT/<init>/summary.nc
        atomically (deflate level 1). Prints one line per folder: members, shards, path.
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Initial-time folders OUT/<init> holding summary-shard-k-of-N.nc files.") var folders: [String] = []
    @Option(help: "Merge every initial-time folder under this forecast output folder.") var forecast: String?
    @Option(help: "Output file (only with a single folder). Default: FOLDER/summary.nc.") var out: String?
    @Flag(help: "Replace an existing merged summary (without it, an existing one is refused).") var overwrite = false

    func run() throws {
        try global.apply()
        let directories = try selectedFolders()
        if out != nil && directories.count != 1 {
            throw HensError.invalid("--out", "only with a single folder, got \(directories.count)")
        }
        let jobs = try directories.map { directory in
            (directory: directory, shards: try SummaryMerge.shardFiles(in: directory), output: out ?? directory + "/summary.nc")
        }
        // Refuse before any work: a cron job must never silently replace a merged summary.
        if !overwrite, let existing = jobs.first(where: { FileManager.default.fileExists(atPath: $0.output) }) {
            throw HensError(.io, "\(existing.output): exists already; pass --overwrite to replace it")
        }
        for job in jobs {
            let parts = try job.shards.map { (path: $0, contents: try EnsembleSummaryFile.read(path: $0)) }
            let merged = try SummaryMerge.merge(parts)
            if let note = EnsembleRunInfo.mixedKernelNote(parts.map { ($0.path, $0.contents.run.attributes) }) {
                LogFormat.emit("hens: note: \(job.directory): \(note)", level: "warning")
            }
            try EnsembleSummaryFile.write(path: job.output, contents: merged, deflateLevel: 1)
            if !global.quiet {
                print("merge: \(merged.memberIndices.count) members from \(parts.count) shard(s) → \(job.output)")
            }
        }
    }

    /// The folders named on the command line, or those under `--forecast` holding shard summaries.
    private func selectedFolders() throws -> [String] {
        guard let forecast else {
            guard !folders.isEmpty else { throw HensError.invalid("hens merge", "one or more OUT/<init> folders, or --forecast OUT") }
            return folders.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        }
        guard folders.isEmpty else { throw HensError.invalid("--forecast", "either folders or --forecast, not both") }
        return try SummaryMerge.shardFolders(under: forecast)
    }
}
