import Foundation
import HensCore

/// The ensembles of a `hens forecast` output folder, as `hens evaluate --forecast` scores them.
public enum ForecastOutput {
    /// The initial-time folders of a forecast output (or the folder itself when it holds shards).
    public static func sources(_ folder: String) throws -> [EnsembleSource] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HensError(.badInput, "\(folder): no such forecast folder")
        }
        let names = try fm.contentsOfDirectory(atPath: folder).sorted()
        if names.contains(where: { $0.hasPrefix("members-shard-") }) { return [try ForecastShardSource(folder: folder)] }
        let inits = names.filter { name in
            ((try? fm.contentsOfDirectory(atPath: folder + "/" + name)) ?? []).contains { $0.hasPrefix("members-shard-") || $0 == "summary.nc" }
        }
        guard !inits.isEmpty else {
            throw HensError(.badInput, "\(folder): no initial-time folders with member files (members-shard-K-of-N.nc) — not a hens forecast output")
        }
        return try inits.map { name -> EnsembleSource in
            let path = folder + "/" + name
            let files = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            // A run with write_members: false kept only its summary: scored from the moments.
            return files.contains { $0.hasPrefix("members-shard-") } ? try ForecastShardSource(folder: path) : try ForecastSummarySource(folder: path)
        }
    }

    /// The dataset a hens forecast was run on (its `dataset` attribute).
    public static func dataset(of source: EnsembleSource) throws -> String {
        guard let path = (source as? ForecastShardSource)?.attributes["dataset"] ?? (try? source.summary())??.run.attributes["dataset"] else {
            throw HensError.invalid("--dataset", "the dataset folder with the truth")
        }
        return path
    }
}
