import HensCore
import Spherical

/// The noise a stochastic SFNO reads: `count` input channels (the last ones) of spatially
/// correlated Gaussian fields with unit grid-point variance, drawn fresh for every member and
/// every step (docs/formulas.md#stochastic-sfno).
///
/// A draw depends on its seed only: `stepSeed(member:step:)` mixes a member's noise seed with
/// the step index, and channel c uses `SplitMix64.mix(seed ^ c)` (`SeedNoise.drawState`), so a
/// member regenerates bit for bit from its seed whatever batch, shard or thread count ran it.
/// The network learns how to use the noise; `scale` (the forecast's `noise_scale`) multiplies
/// it at run time (1 = as trained, 0 = the noise-free path).
public final class NoiseChannels: @unchecked Sendable {  // unchecked: immutable; SeedNoise's transforms are thread-safe
    /// Correlation length when the model configuration names none (about 9° of arc).
    public static let defaultLengthScale = 1_000_000.0
    /// The most noise channels a model may read.
    public static let maximumCount = 64
    /// The longest correlation length accepted (half the Earth's circumference).
    public static let maximumLengthScale = 20_000_000.0

    /// Noise channels per member.
    public let count: Int
    /// Points of one field.
    public let pointCount: Int
    private let noise: SeedNoise

    /// The noise of `config`'s model (`noise_channels`, `noise_length_scale`) on its data grid.
    public convenience init(config: SFNOConfig) throws {
        try self.init(grid: try config.dataGrid(), count: config.noiseChannels, lengthScale: config.noiseLengthScale)
    }

    /// `count` noise channels of correlation length `lengthScale` (metres) on `grid`.
    public init(grid: SphericalGrid, count: Int, lengthScale: Double) throws {
        self.count = count
        pointCount = grid.nlat * grid.nlon
        noise = try SeedNoise(grid: grid, lengthScale: lengthScale)
    }

    /// The seed of one member's noise at autoregressive step `step` (0 = the first model call).
    public static func stepSeed(member: UInt64, step: Int) -> UInt64 {
        SplitMix64.mix(SplitMix64.mix(member) ^ UInt64(step))
    }

    /// Writes the `count × pointCount` noise values of `seed`, times `scale`, into `destination`.
    public func fill(seed: UInt64, scale: Float = 1, into destination: UnsafeMutablePointer<Float>) {
        noise.drawState(seed: seed, amplitudes: [Float](repeating: scale, count: count), into: destination)
    }
}
