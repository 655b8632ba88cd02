import DatasetIO
import Foundation
import HensCore
import SFNO
import Spherical
import XCTest
@testable import Training
import HensTestSupport

/// A toy `TrainableModel`: an affine map between channels at every grid point,
/// y[o] = Σᵢ W[o][i] x[i] + c[o], with weights shared by all points (`perPoint: false`) or
/// separate at every point (`perPoint: true`, enough freedom to memorise a few samples).
final class ChannelMapModel: TrainableModel {
    struct Tape {
        let input: [Float]
        let batch: Int
    }

    let inputChannels: Int
    let outputChannels: Int
    let fieldCount: Int
    let perPoint: Bool
    var parameters: [Float]
    /// Set to make the toy stochastic (its last `noise.count` inputs are then noise).
    var noise: NoiseChannels?

    init(inputChannels: Int, outputChannels: Int, fieldCount: Int, perPoint: Bool = false, seed: UInt64) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.fieldCount = fieldCount
        self.perPoint = perPoint
        let points = perPoint ? fieldCount : 1
        var g = SeededGenerator(seed: seed)
        parameters = (0..<(points * outputChannels * (inputChannels + 1))).map { _ in Float(0.3 * g.nextNormal()) }
    }

    private var points: Int { perPoint ? fieldCount : 1 }
    private var weightCount: Int { points * outputChannels * inputChannels }

    var parameterTensors: [ParameterTensor] {
        [ParameterTensor(name: "map.weight", shape: perPoint ? [outputChannels, inputChannels, fieldCount] : [outputChannels, inputChannels],
                         offset: 0, decays: true),
         ParameterTensor(name: "map.bias", shape: perPoint ? [outputChannels, fieldCount] : [outputChannels],
                         offset: weightCount, decays: false)]
    }

    var parameterCount: Int { parameters.count }

    func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try parameters.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Index of W[o][i] at point p and of c[o] at point p.
    private func w(_ o: Int, _ i: Int, _ p: Int) -> Int { ((o * inputChannels + i) * points) + (perPoint ? p : 0) }
    private func c(_ o: Int, _ p: Int) -> Int { weightCount + o * points + (perPoint ? p : 0) }

    func forwardRecording(_ input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>) -> Tape {
        let n = fieldCount
        for b in 0..<batch {
            for o in 0..<outputChannels {
                for p in 0..<n {
                    var y = parameters[c(o, p)]
                    for i in 0..<inputChannels { y += parameters[w(o, i, p)] * input[(b * inputChannels + i) * n + p] }
                    output[(b * outputChannels + o) * n + p] = y
                }
            }
        }
        return Tape(input: Array(UnsafeBufferPointer(start: input, count: batch * inputChannels * n)), batch: batch)
    }

    func backward(_ tape: Tape, gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                  gradParameters: UnsafeMutablePointer<Float>) {
        let n = fieldCount
        if let gradInput { gradInput.update(repeating: 0, count: tape.batch * inputChannels * n) }
        for b in 0..<tape.batch {
            for o in 0..<outputChannels {
                for p in 0..<n {
                    let g = gradOutput[(b * outputChannels + o) * n + p]
                    gradParameters[c(o, p)] += g
                    for i in 0..<inputChannels {
                        let x = (b * inputChannels + i) * n + p
                        gradParameters[w(o, i, p)] += g * tape.input[x]
                        gradInput?[x] += parameters[w(o, i, p)] * g
                    }
                }
            }
        }
    }
}

/// A scratch directory per test, removed afterwards.
class TrainingTestCase: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryFolder("hens-training")
    }
}

/// Small synthetic data sets in the canonical layout, written with DatasetSplitWriter and
/// DatasetStatistics.
enum SyntheticDataset {
    static let channels = ["geopotential", "vorticity"]
    static let nlat = 8, nlon = 16

    /// How states evolve along a trajectory.
    enum Dynamics {
        /// z_{t+1} = 0.95 · rotation(0.3) · z_t: exactly learnable by a shared channel map.
        case rotation
        /// Independent random fields at every time: only memorisable.
        case noise
    }

    /// The physical state (per channel) of one trajectory at every time: channel c is
    /// 10·(c+1) + 3·z_c, so the data have non-trivial means and stds.
    static func trajectory(split: String, index: Int, times: Int, dynamics: Dynamics) -> [[[Float]]] {
        let n = nlat * nlon
        var g = SeededGenerator(seed: UInt64(split.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }) &+ UInt64(index) &* 1000)
        func noise() -> [[Double]] { channels.map { _ in (0..<n).map { _ in g.nextNormal() } } }
        var z = noise()
        var states: [[[Float]]] = []
        let (cosA, sinA) = (0.95 * cos(0.3), 0.95 * sin(0.3))
        for _ in 0..<times {
            states.append(z.enumerated().map { c, field in field.map { Float(10 * Double(c + 1) + 3 * $0) } })
            switch dynamics {
            case .rotation:
                z = [zip(z[0], z[1]).map { cosA * $0 - sinA * $1 }, zip(z[0], z[1]).map { sinA * $0 + cosA * $1 }]
            case .noise:
                z = noise()
            }
        }
        return states
    }

    /// Writes `train.nc`, `valid.nc` (and any other splits given) and `stats.nc` into `dir`.
    @discardableResult
    static func write(to dir: String, splits: [String: Int] = ["train": 3, "valid": 1], times: Int = 12,
                      dynamics: Dynamics = .rotation) throws -> DatasetStatistics {
        let grid = try SphericalGrid(.legendreGauss, nlat: nlat, nlon: nlon)
        var sums = [[Double]](repeating: [0, 0, 0], count: channels.count)  // Σx, Σx², Σ(Δx)²
        var count = 0.0, tendencyCount = 0.0
        for (split, trajectories) in splits.sorted(by: { $0.key < $1.key }) {
            let writer = try DatasetSplitWriter(
                path: DatasetLayout.splitPath(dir, split), channels: channels.map { ChannelInfo(name: $0, units: "1") },
                latitudes: grid.latitudesDegrees, longitudes: grid.longitudesDegrees,
                times: (0..<times).map { Double($0) }, timeUnits: "hours since 2000-01-01 00:00:00",
                trajectories: trajectories, attributes: ["grid": grid.label])
            for k in 0..<trajectories {
                let states = trajectory(split: split, index: k, times: times, dynamics: dynamics)
                for (t, state) in states.enumerated() {
                    for (c, field) in state.enumerated() {
                        try writer.write(channel: c, trajectory: k, timeIndex: t, field: field)
                        guard split == "train" else { continue }
                        for (i, x) in field.enumerated() {
                            sums[c][0] += Double(x)
                            sums[c][1] += Double(x) * Double(x)
                            if t > 0 { let d = Double(x) - Double(states[t - 1][c][i]); sums[c][2] += d * d }
                        }
                    }
                    if split == "train" {
                        count += Double(nlat * nlon)
                        if t > 0 { tendencyCount += Double(nlat * nlon) }
                    }
                }
            }
            try writer.finish()
        }
        let mean = sums.map { $0[0] / count }
        let stats = DatasetStatistics(
            channels: channels, mean: mean,
            std: zip(sums, mean).map { ($0[1] / count - $1 * $1).squareRoot() },
            tendencyStd: sums.map { ($0[2] / tendencyCount).squareRoot() })
        try stats.write(to: DatasetLayout.statsPath(dir))
        return stats
    }
}
