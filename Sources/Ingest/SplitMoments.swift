import DatasetIO
import HensCore

/// The content of `stats.nc`, accumulated field by field over a split's trajectories: per
/// channel, the area-weighted moments of the values and of the one-step differences (which never
/// cross from one trajectory into the next). Missing values (NaN) count as 0, as they always have.
///
/// Ingest feeds it while writing the training split; `--append` feeds it the training split read
/// back, in the same order, so both give identical statistics for identical trajectories.
struct SplitMoments {
    /// Row weights of the grid (one per latitude), e.g. quadrature weights or cos φ.
    let weights: [Double]
    private(set) var values: [RunningMoments]
    private(set) var differences: [RunningMoments]
    private var previous: [[Float]?]

    init(channels: Int, weights: [Double]) {
        self.weights = weights
        values = Array(repeating: RunningMoments(), count: channels)
        differences = values
        previous = Array(repeating: nil, count: channels)
    }

    /// Starts a new trajectory: the next field of each channel has no predecessor.
    mutating func startTrajectory() {
        previous = previous.map { _ in nil }
    }

    /// Adds the next field (in time order) of a channel.
    mutating func add(channel c: Int, field: [Float]) {
        values[c].add(values: field.map { $0.isNaN ? 0 : $0 }, weights: weights)
        if let before = previous[c] {
            differences[c].add(values: zip(field, before).map { ($0 - $1).isNaN ? 0 : $0 - $1 }, weights: weights)
        }
        previous[c] = field
    }

    /// The statistics file's content (tendency std 0 when no trajectory has two times).
    func statistics(channels: [String]) -> DatasetStatistics {
        DatasetStatistics(channels: channels, mean: values.map(\.mean), std: values.map(\.std),
                          tendencyStd: differences.map { $0.count > 0 ? $0.std : 0 })
    }

    /// The moments of every field of a split file, read back trajectory by trajectory.
    static func read(_ path: String, channels: [String], weights: [Double]) throws -> SplitMoments {
        let reader = try DatasetSplitReader(path: path)
        defer { reader.close() }
        let indices = try channels.map { name -> Int in
            guard let i = reader.channelIndex(named: name) else {
                throw HensError(.badInput, "\(path): has no channel '\(name)'")
            }
            return i
        }
        var moments = SplitMoments(channels: channels.count, weights: weights)
        for k in 0..<reader.trajectoryCount {
            moments.startTrajectory()
            for t in 0..<reader.timeCount {
                for (c, index) in indices.enumerated() {
                    moments.add(channel: c, field: try reader.read(channel: index, trajectory: k, timeIndex: t))
                }
            }
        }
        return moments
    }
}
