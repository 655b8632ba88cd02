import DatasetIO
import Foundation
import HensCore

/// The canonical data set as training sees it: statistics, the normalised train and valid
/// splits, and the grid's quadrature. Loaded once and shared by every seed.
public final class TrainingDataset: @unchecked Sendable {  // unchecked: immutable after loading
    /// The data-set directory.
    public let directory: String
    /// Per-channel statistics from `stats.nc`, reordered to the splits' channel order.
    public let statistics: DatasetStatistics
    /// The normalised train split.
    public let train: NormalizedSplit
    /// The normalised valid split.
    public let valid: NormalizedSplit
    /// Normalised quadrature weights of the grid.
    public let quadrature: GridQuadrature

    /// Loads `stats.nc`, `train.nc` and `valid.nc` from `directory`, checking that both
    /// splits share channels and grid.
    public init(directory: String) throws {
        let statsPath = DatasetLayout.statsPath(directory)
        let trainPath = DatasetLayout.splitPath(directory, "train"), validPath = DatasetLayout.splitPath(directory, "valid")
        for path in [statsPath, trainPath, validPath] where !FileManager.default.fileExists(atPath: path) {
            throw HensError(.badInput, "\(path): missing; training needs stats.nc, train.nc and valid.nc in \(directory)")
        }
        let stats = try DatasetStatistics.read(from: statsPath)
        train = try NormalizedSplit(path: trainPath, statistics: stats)
        valid = try NormalizedSplit(path: validPath, statistics: stats)
        try Self.checkSameLayout(valid, as: train)
        self.directory = directory
        statistics = try Self.reorder(stats, to: train.channels, source: statsPath)
        quadrature = GridQuadrature.forGrid(latitudes: train.latitudes, nlon: train.longitudes.count)
    }

    /// Channel names, in model order.
    public var channels: [String] { train.channels }

    /// The grid description stored in checkpoints.
    public var grid: CheckpointGrid {
        CheckpointGrid(label: train.gridLabel, latitudes: train.latitudes, longitudes: train.longitudes)
    }

    /// Loads another split of the same data set (e.g. `test` for evaluation), checked against
    /// the train split's channels and grid.
    public func loadSplit(_ name: String) throws -> NormalizedSplit {
        let path = DatasetLayout.splitPath(directory, name)
        guard FileManager.default.fileExists(atPath: path) else { throw HensError(.badInput, "\(path): missing split file") }
        let split = try NormalizedSplit(path: path, statistics: statistics)
        try Self.checkSameLayout(split, as: train)
        return split
    }

    /// Throws unless `split` has `reference`'s channels and grid.
    static func checkSameLayout(_ split: NormalizedSplit, as reference: NormalizedSplit) throws {
        guard split.channels == reference.channels else {
            throw HensError(.badInput, "\(split.path): channels (\(split.channels.joined(separator: ", "))) differ from "
                + "\(reference.path)'s (\(reference.channels.joined(separator: ", ")))")
        }
        guard split.latitudes == reference.latitudes, split.longitudes == reference.longitudes else {
            throw HensError(.badInput, "\(split.path): grid differs from \(reference.path)'s")
        }
    }

    /// The statistics restricted and reordered to `channels`.
    static func reorder(_ stats: DatasetStatistics, to channels: [String], source: String) throws -> DatasetStatistics {
        let indices = try channels.map { name in
            guard let i = stats.channels.firstIndex(of: name) else {
                throw HensError(.badInput, "\(source): no statistics for channel '\(name)'")
            }
            return i
        }
        return DatasetStatistics(channels: channels, mean: indices.map { stats.mean[$0] }, std: indices.map { stats.std[$0] },
                                 tendencyStd: indices.map { stats.tendencyStd[$0] })
    }
}
