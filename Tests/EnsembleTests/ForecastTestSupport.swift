import DatasetIO
import Foundation
import HensCore
import SFNO
import Spherical
import Training
@testable import Ensemble

/// Tiny data sets and random-weight SFNO checkpoints for end-to-end tests of `hens skill` and
/// `hens forecast`: a few Gauss–Legendre grid points, two channels, fields drawn from the
/// statistics' normal distributions.
enum ForecastFixture {
    /// The default channels: geopotential and vorticity.
    static let channels = [ChannelInfo(name: "geopotential", units: "m2 s-2"), ChannelInfo(name: "vorticity", units: "s-1")]

    /// Statistics of `channels` (physical means and standard deviations the fields are drawn from).
    static func statistics(channels: [ChannelInfo] = channels) -> DatasetStatistics {
        let mean: [Double] = [10, -2, 4, 1], std: [Double] = [3, 0.5, 2, 0.25], tendency: [Double] = [1, 0.1, 0.5, 0.05]
        return DatasetStatistics(channels: channels.map(\.name), mean: Array(mean.prefix(channels.count)),
                                 std: Array(std.prefix(channels.count)), tendencyStd: Array(tendency.prefix(channels.count)))
    }

    /// One split of a data set.
    struct Split {
        var name: String
        var trajectories: Int
        var times: Int
    }

    /// Writes a data-set folder `dir`: `stats.nc` and the `splits` on an `nlat`×`nlon`
    /// Gauss–Legendre grid, times `stepHours` apart, fields i.i.d. normal with the statistics'
    /// mean and std per channel (drawn in split, trajectory, time, channel order from `seed`).
    @discardableResult
    static func writeDataset(at dir: String, nlat: Int = 8, nlon: Int = 16, channels: [ChannelInfo] = channels,
                             splits: [Split], stepHours: Double = 6, seed: UInt64 = 5) throws
        -> (grid: SphericalGrid, statistics: DatasetStatistics) {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let grid = try SphericalGrid(.legendreGauss, nlat: nlat, nlon: nlon)
        let statistics = statistics(channels: channels)
        try statistics.write(to: DatasetLayout.statsPath(dir))
        var rng = SeededGenerator(seed: seed)
        for split in splits {
            let writer = try DatasetSplitWriter(
                path: DatasetLayout.splitPath(dir, split.name), channels: channels, latitudes: grid.latitudesDegrees,
                longitudes: grid.longitudesDegrees, times: (0..<split.times).map { stepHours * Double($0) },
                timeUnits: "hours since 2000-01-01 00:00:00", trajectories: split.trajectories, attributes: ["grid": grid.label])
            for k in 0..<split.trajectories {
                for t in 0..<split.times {
                    for c in channels.indices {
                        let field = (0..<(nlat * nlon)).map { _ in
                            Float(statistics.mean[c] + statistics.std[c] * rng.nextNormal())
                        }
                        try writer.write(channel: c, trajectory: k, timeIndex: t, field: field)
                    }
                }
            }
            try writer.finish()
        }
        return (grid, statistics)
    }

    /// The model text stored in a tiny checkpoint; without `channelCounts` it omits
    /// `in_channels`/`out_channels`, as `hens train` allows.
    /// With `noiseChannels` > 0 the model is stochastic (trained with loss: crps).
    static func modelText(nlat: Int, nlon: Int, embed: Int, layers: Int, channelCounts: Int? = nil, noiseChannels: Int = 0) -> String {
        var text = "variant: makani\ngrid: legendre-gauss\nnlat: \(nlat)\nnlon: \(nlon)\nembed_dim: \(embed)\nlayers: \(layers)\n"
        if let n = channelCounts { text += "in_channels: \(n + noiseChannels)\nout_channels: \(n)\n" }
        if noiseChannels > 0 { text += "noise_channels: \(noiseChannels)\nnoise_length_scale: 1500km\n" }
        return text
    }

    /// Writes a random-weight SFNO checkpoint (weights from `seed`) for `grid` and `statistics`.
    /// - Parameter storeChannelCounts: whether the stored model text names the channel counts.
    static func writeCheckpoint(to path: String, grid: SphericalGrid, statistics: DatasetStatistics, seed: UInt64,
                                embed: Int = 8, layers: Int = 1, storeChannelCounts: Bool = true, noiseChannels: Int = 0) throws {
        let n = statistics.channels.count
        let stored = modelText(nlat: grid.nlat, nlon: grid.nlon, embed: embed, layers: layers,
                               channelCounts: storeChannelCounts ? n : nil, noiseChannels: noiseChannels)
        let full = modelText(nlat: grid.nlat, nlon: grid.nlon, embed: embed, layers: layers, channelCounts: n, noiseChannels: noiseChannels)
        let model = try SFNOModel<Float>(config: try SFNOConfig(yaml: full), seed: seed)
        var training = TrainingConfig()
        training.batchSize = 2
        if noiseChannels > 0 {
            training.loss = .crps
            training.crpsMembers = 2
        }
        try Checkpoint(model: model, modelConfig: stored, trainingConfig: training.jsonText(), statistics: statistics,
                       grid: CheckpointGrid(label: grid.label, latitudes: grid.latitudesDegrees, longitudes: grid.longitudesDegrees),
                       epoch: 1, step: 1, seed: seed).write(to: path)
    }

    /// Every regular file under `dir` (relative paths, sorted); empty when `dir` does not exist.
    static func files(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let name = e.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(name)
            }
        }
        return out.sorted()
    }
}
