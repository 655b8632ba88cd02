import Foundation
import HensCore

extension SummaryMerge {
    /// The initial-time folders under a forecast output folder that hold shard summaries, sorted.
    /// - Throws: `.badInput` naming the folder when it cannot be listed or holds none.
    public static func shardFolders(under forecast: String) throws -> [String] {
        let root = forecast.hasSuffix("/") ? String(forecast.dropLast()) : forecast
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: root) } catch {
            throw HensError(.badInput, "\(root): cannot list the forecast folder (\(error.localizedDescription))")
        }
        let found = names.sorted().map { root + "/" + $0 }.filter { !((try? shardFiles(in: $0)) ?? []).isEmpty }
        guard !found.isEmpty else {
            throw HensError(.badInput, "\(root): no <init> folder holds summary-shard-k-of-N.nc files")
        }
        return found
    }

    /// The shard summaries in `directory`, in name order (state checkpoints and temporary files excluded).
    /// - Throws: `.badInput` naming the folder when it cannot be listed or holds none.
    public static func shardFiles(in directory: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw HensError(.badInput, "\(directory): cannot list the folder (\(error.localizedDescription))")
        }
        let shards = names.filter { shardInFileName($0) != nil }.sorted().map { directory + "/" + $0 }
        guard !shards.isEmpty else {
            throw HensError(.badInput, "\(directory): no summary-shard-k-of-N.nc files to merge")
        }
        return shards
    }
}
