import Foundation
import HensCore

/// The layout of a `hens train` output folder: one `seed-<N>/` folder per seed, holding
/// `checkpoint.nc`, `metrics.jsonl` and, once the seed has finished, `test-metrics.json`.
///
/// Kept beside the file formats so that the stages which read checkpoints (forecast, model
/// climate, report) find them the way training wrote them, without a shell `ls` in between.
public enum CheckpointFolder {
    /// `<directory>/seed-<seed>/`.
    public static func seedFolder(_ directory: String, seed: UInt64) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + "seed-\(seed)/"
    }

    /// The checkpoint files of a training output folder, by ascending seed (`seed-2` before `seed-10`).
    /// - Throws: `.badInput` when the folder holds no `seed-<N>/checkpoint.nc`.
    public static func checkpoints(in directory: String) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let seeds = names.compactMap { name -> UInt64? in
            guard name.hasPrefix("seed-") else { return nil }
            return UInt64(name.dropFirst("seed-".count))
        }.sorted()
        let files = seeds.map { seedFolder(directory, seed: $0) + "checkpoint.nc" }.filter { FileManager.default.fileExists(atPath: $0) }
        guard !files.isEmpty else {
            throw HensError(.badInput, "\(directory): no seed-N/checkpoint.nc in this folder — not a hens train output")
        }
        return files
    }

    /// Each path as given when it is a file, or the checkpoints of the training output folder it names.
    public static func expand(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
            return try checkpoints(in: path)
        }
    }
}
