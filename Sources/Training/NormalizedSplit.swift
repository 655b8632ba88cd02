import DatasetIO
import Foundation
import HensCore

/// One split of the canonical data set held in memory, z-scored with the data set's
/// statistics: x̃ = (x − μ_c) / σ_c (docs/formulas.md#normalisation).
///
/// Layout `[trajectory][time][channel][lat][lon]`, so the whole state of one (trajectory,
/// time) is contiguous and a batch is assembled with one copy per sample. The default SWE
/// train split is 16 × 121 × 3 × 64 × 128 Float32 ≈ 190 MB. Immutable after loading, so
/// several threads (the prefetcher, the trainer) and several seeds share one instance.
public final class NormalizedSplit: @unchecked Sendable {  // unchecked: immutable after loading
    /// The file it was read from.
    public let path: String
    /// Channel names, in file order.
    public let channels: [String]
    /// Latitudes in degrees north, north first.
    public let latitudes: [Double]
    /// Longitudes in degrees east.
    public let longitudes: [Double]
    /// The split's `grid` attribute, or a description from its size.
    public let gridLabel: String
    /// Trajectories in the split.
    public let trajectoryCount: Int
    /// Times per trajectory.
    public let timeCount: Int
    /// Points per field.
    public let fieldCount: Int
    private let values: [Float]

    /// Reads every field of `path` and normalises it with `statistics` (matched by channel name).
    public init(path: String, statistics: DatasetStatistics) throws {
        let reader = try DatasetSplitReader(path: path)
        defer { reader.close() }
        let names = reader.channels.map(\.name)
        var mean: [Double] = [], std: [Double] = []
        for name in names {
            guard let i = statistics.channels.firstIndex(of: name) else {
                throw HensError(.badInput, "\(path): channel '\(name)' has no entry in the statistics file")
            }
            guard statistics.std[i] > 0, statistics.std[i].isFinite, statistics.mean[i].isFinite else {
                throw HensError(.badInput, "statistics: channel '\(name)' has std \(statistics.std[i]) and mean "
                    + "\(statistics.mean[i]); normalising needs a finite mean and a positive std")
            }
            mean.append(statistics.mean[i])
            std.append(statistics.std[i])
        }
        let c = names.count, n = reader.fieldCount
        var values = [Float](repeating: 0, count: reader.trajectoryCount * reader.timeCount * c * n)
        try values.withUnsafeMutableBufferPointer { all in
            for k in 0..<reader.trajectoryCount {
                for t in 0..<reader.timeCount {
                    for ch in 0..<c {
                        let start = ((k * reader.timeCount + t) * c + ch) * n
                        let field = UnsafeMutableBufferPointer(rebasing: all[start..<(start + n)])
                        try reader.read(channel: ch, trajectory: k, timeIndex: t, into: field)
                        for i in field.indices {
                            let x = Double(field[i])
                            guard x.isFinite else {
                                throw HensError(.badInput, "\(path): non-finite value in '\(names[ch])' at trajectory \(k), time \(t)")
                            }
                            field[i] = Float((x - mean[ch]) / std[ch])
                        }
                    }
                }
            }
        }
        self.path = path
        channels = names
        latitudes = reader.latitudes
        longitudes = reader.longitudes
        gridLabel = reader.attributes["grid"] ?? "\(reader.latitudes.count)×\(reader.longitudes.count)"
        trajectoryCount = reader.trajectoryCount
        timeCount = reader.timeCount
        fieldCount = n
        self.values = values
    }

    /// Values in one state (all channels at one time): `channels.count × fieldCount`.
    public var stateCount: Int { channels.count * fieldCount }

    /// Copies the normalised state at (`trajectory`, `time`) to `destination`.
    public func copyState(trajectory: Int, time: Int, to destination: UnsafeMutablePointer<Float>) {
        precondition((0..<trajectoryCount).contains(trajectory) && (0..<timeCount).contains(time),
                     "state (\(trajectory), \(time)) outside the split")
        let start = (trajectory * timeCount + time) * stateCount
        values.withUnsafeBufferPointer { all in
            destination.update(from: all.baseAddress! + start, count: stateCount)
        }
    }

    /// The normalised state at (`trajectory`, `time`) as a new array.
    public func state(trajectory: Int, time: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: stateCount) { buffer, count in
            copyState(trajectory: trajectory, time: time, to: buffer.baseAddress!)
            count = stateCount
        }
    }
}
