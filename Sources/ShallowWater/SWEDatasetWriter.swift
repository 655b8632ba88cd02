import DatasetIO
import Foundation
import HensCore
import Spherical

/// Writes a complete canonical dataset of shallow-water trajectories: one file per split
/// (trajectories integrated in parallel, one per worker) and `stats.nc` from the train split.
public struct SWEDatasetWriter {
    public let config: SWEDatasetConfig
    public let solver: ShallowWaterSolver
    public let folder: String

    public init(config: SWEDatasetConfig, solver: ShallowWaterSolver, folder: String) {
        self.config = config
        self.solver = solver
        self.folder = folder
    }

    /// Time axis units: model time, hours from the first output of each trajectory.
    public static let timeUnits = "hours since 2000-01-01 00:00:00"

    /// Generates every split and the statistics file.
    public func write(progress: ProgressReporter) throws {
        guard config.splits.contains(where: { $0.name == "train" && $0.trajectories > 0 }) else {
            throw HensError(.invalidArgument, "splits.train: at least one training trajectory is needed (stats.nc comes from it)")
        }
        var trainMoments: [ChannelMoments] = []
        for (split, count) in config.splits where count > 0 {
            let moments = try writeSplit(split, trajectories: count, progress: progress)
            if split == "train" { trainMoments = moments }
        }
        let moments = trainMoments
        let stats = DatasetStatistics(channels: config.channels.map(\.rawValue),
                                      mean: moments.map(\.values.mean), std: moments.map(\.values.std),
                                      tendencyStd: moments.map(\.tendencies.std))
        try stats.write(to: DatasetLayout.statsPath(folder), attributes: attributes(split: "stats"))
    }

    /// Global attributes of every file.
    private func attributes(split: String) -> [String: String] {
        [
            "title": "hens shallow-water dataset (\(split) split)",
            "source": "rotating shallow-water equations on the sphere, spectral solver (hens ShallowWater)",
            "generator": "hens generate swe",
            "split": split,
            "seed": String(config.seed),
            "config": config.text,
            "grid": solver.grid.label,
            "solver_lmax": String(solver.lmax),
            "solver_dt_seconds": String(config.dt),
            "initial_condition": config.initialCondition.rawValue,
        ]
    }

    private func writeSplit(_ split: String, trajectories: Int, progress: ProgressReporter) throws -> [ChannelMoments] {
        let grid = solver.grid
        let times = (0..<config.outputsPerTrajectory).map { Double($0) * config.dtOut / 3600 }
        let channels = config.channels.map {
            ChannelInfo(name: $0.rawValue, units: $0.units, longName: $0.longName, standardName: $0.standardName)
        }
        let writer = try DatasetSplitWriter(
            path: DatasetLayout.splitPath(folder, split), channels: channels,
            latitudes: grid.latitudesDegrees, longitudes: grid.longitudesDegrees,
            times: times, timeUnits: Self.timeUnits, calendar: "proleptic_gregorian",
            trajectories: trajectories, attributes: attributes(split: split))
        let generator = TrajectoryGenerator(config: config, solver: solver)
        let weights = grid.weights // per-row quadrature weights: area-weighted moments
        // Per-trajectory moments, merged in trajectory order so the statistics do not depend on
        // which worker finished first.
        var perTrajectory = [[ChannelMoments]](repeating: [], count: trajectories)
        var failure: Error?
        let lock = NSLock()
        Parallel.forEachCyclic(trajectories) { index in
            lock.lock(); let failed = failure != nil; lock.unlock()
            if failed { return }
            var moments = config.channels.map { _ in ChannelMoments() }
            var previous: [[Float]] = []
            do {
                try generator.run(split: split, index: index, emit: { t, fields in
                    for c in fields.indices {
                        moments[c].values.add(values: fields[c], weights: weights)
                        if !previous.isEmpty {
                            moments[c].tendencies.add(values: zip(fields[c], previous[c]).map { $0 - $1 }, weights: weights)
                        }
                    }
                    previous = fields
                    lock.lock(); defer { lock.unlock() }
                    for c in fields.indices {
                        try writer.write(channel: c, trajectory: index, timeIndex: t, field: fields[c])
                    }
                }, stepped: { progress.advance($0) })
            } catch {
                lock.lock(); if failure == nil { failure = error }; lock.unlock()
                return
            }
            lock.lock(); perTrajectory[index] = moments; lock.unlock()
        }
        if let failure {
            writer.abort()
            throw failure
        }
        try writer.finish()
        var total = config.channels.map { _ in ChannelMoments() }
        for moments in perTrajectory {
            for c in total.indices { total[c].merge(moments[c]) }
        }
        return total
    }
}

/// Area-weighted moments of a channel's values and of its one-output tendencies.
struct ChannelMoments {
    var values = RunningMoments()
    var tendencies = RunningMoments()

    mutating func merge(_ other: ChannelMoments) {
        values.merge(other.values)
        tendencies.merge(other.tendencies)
    }
}
