import DatasetIO
import HensCore
import SFNO
import Spherical

/// Per-step stochastic forcing for ensembles of deterministic checkpoints: after every model
/// step each member's normalised state gets correlated noise of grid-point standard deviation
/// `scale · σ_c / std_c` per channel, σ from a `hens calibrate` file (docs/calibration.md).
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

    /// Forcing on `grid` from the calibration at `path`, checked against the forecast's channels and step.
    init(path: String, scale: Double, channels: [String], grid: SphericalGrid, stepHours: Double) throws {
        calibration = try ModelErrorFile.read(path: path)
        try calibration.checkFits(channels: channels, nlat: grid.nlat, nlon: grid.nlon, stepHours: stepHours, source: path)
        self.path = path
        self.scale = scale
        noise = try SeedNoise(grid: grid, lengthScale: calibration.lengthScale)
    }

    /// Separates the forcing's draws from a stochastic network's noise channels.
    static let stream: UInt64 = 0x666f_7263_696e_67

    /// Adds one step's forcing to every member of `states` (`[member][channel][point]`, the
    /// model's normalised space); `seeds` holds the members' noise seeds in batch order.
    func force(_ states: UnsafeMutablePointer<Float>, seeds: [UInt64], step: Int, model: ForecastModel) {
        guard scale > 0 else { return }
        let n = noise.pointCount, stateCount = model.stateCount
        let amplitudes = calibration.sigma.enumerated().map { Float(scale * $0.element / Double(model.std[$0.offset])) }
        let pointer = StatePointer(base: states)
        Parallel.forEachCyclic(seeds.count) { m in
            let draw = UnsafeMutablePointer<Float>.allocate(capacity: stateCount)
            defer { draw.deallocate() }
            let seed = NoiseChannels.stepSeed(member: seeds[m], step: step) ^ Self.stream
            noise.drawState(seed: seed, amplitudes: amplitudes, into: draw)
            let state = pointer.base + m * stateCount
            for i in 0..<(amplitudes.count * n) { state[i] += draw[i] }
        }
    }

    private struct StatePointer: @unchecked Sendable {  // unchecked: members are disjoint slices
        let base: UnsafeMutablePointer<Float>
    }
}
