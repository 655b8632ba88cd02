import DatasetIO
import HensCore
import SFNO
import Spherical

/// Per-step stochastic forcing for ensembles of deterministic checkpoints, from a `hens calibrate`
/// file (docs/calibration.md). After every model step each member's normalised state gets
/// - additive: correlated noise of grid-point standard deviation `scale · σ_c / std_c` per channel;
/// - sppt: its step tendency x_{t+1} − x_t multiplied by 1 + scale · σ_c · r, with one correlated
///   unit-variance pattern r shared by all channels.
///
/// It stands for the emulator's own error, which initial perturbations alone cannot represent.
/// A draw depends on (member noise seed, step, channel) only, on a stream apart from a
/// stochastic network's noise channels, so members regenerate bit for bit in any batch.
final class ModelErrorForcing: @unchecked Sendable {  // unchecked: immutable; SeedNoise's transforms are thread-safe
    /// The calibration applied.
    let calibration: ModelErrorFile
    /// Its path (provenance).
    let path: String
    /// `model_error_scale`.
    let scale: Double
    private let noise: SeedNoise

    /// Forcing on `grid` from `calibration` (read from `path`), checked against the forecast's
    /// channels and step.
    init(calibration: ModelErrorFile, path: String, scale: Double, channels: [String], grid: SphericalGrid, stepHours: Double) throws {
        self.calibration = calibration
        try calibration.checkFits(channels: channels, nlat: grid.nlat, nlon: grid.nlon, stepHours: stepHours, source: path)
        self.path = path
        self.scale = scale
        noise = try SeedNoise(grid: grid, lengthScale: calibration.lengthScale)
    }

    /// Separates the forcing's draws from a stochastic network's noise channels.
    static let stream: UInt64 = 0x666f_7263_696e_67

    /// Forces one step of every member of `states` (`[member][channel][point]`, the model's
    /// normalised space); `previous` holds the states before the step (for sppt's tendency),
    /// `seeds` the members' noise seeds in batch order.
    func force(_ states: UnsafeMutablePointer<Float>, previous: UnsafePointer<Float>, seeds: [UInt64], step: Int,
               model: ForecastModel) {
        guard scale > 0 else { return }
        let n = noise.pointCount, stateCount = model.stateCount, channels = calibration.sigma.count
        let sppt = calibration.forcing == .sppt
        let amplitudes = calibration.sigma.enumerated().map {
            Float(scale * $0.element / (sppt ? 1 : Double(model.std[$0.offset])))
        }
        let pointers = StatePointers(states: states, previous: previous)
        Parallel.forEachCyclic(seeds.count) { m in
            let seed = NoiseChannels.stepSeed(member: seeds[m], step: step) ^ Self.stream
            let state = pointers.states + m * stateCount
            if sppt {
                let pattern = UnsafeMutablePointer<Float>.allocate(capacity: n)
                defer { pattern.deallocate() }
                noise.draw(seed: seed, into: pattern)
                let before = pointers.previous + m * stateCount
                for c in 0..<channels {
                    let a = amplitudes[c], x = state + c * n, x0 = before + c * n
                    for i in 0..<n { x[i] += a * pattern[i] * (x[i] - x0[i]) }
                }
            } else {
                let draw = UnsafeMutablePointer<Float>.allocate(capacity: stateCount)
                defer { draw.deallocate() }
                noise.drawState(seed: seed, amplitudes: amplitudes, into: draw)
                for i in 0..<(channels * n) { state[i] += draw[i] }
            }
        }
    }

    private struct StatePointers: @unchecked Sendable {  // unchecked: members are disjoint slices
        let states: UnsafeMutablePointer<Float>
        let previous: UnsafePointer<Float>
    }
}
