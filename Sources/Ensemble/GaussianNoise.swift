import HensCore

/// Uncorrelated Gaussian initial-condition noise: every grid point of channel c gets an
/// independent N(0, a_c²) value. It is the simplest perturbation the forecast offers (the
/// baseline bred vectors are compared with), and, like `SeedNoise`, a draw depends on its seed only.
public enum GaussianNoise {
    /// Fills a state `[channel][points]` with white noise of per-channel standard deviation
    /// `amplitudes[c]` (0: the channel is left unperturbed, set to zero). Channel c draws from
    /// the stream `SplitMix64.mix(seed ^ c)`, as `SeedNoise.drawState` does, so a channel's
    /// values do not depend on which other channels are perturbed.
    public static func drawState(seed: UInt64, amplitudes: [Float], points: Int, into state: UnsafeMutablePointer<Float>) {
        for (c, a) in amplitudes.enumerated() {
            let field = state + c * points
            guard a != 0 else { field.initialize(repeating: 0, count: points); continue }
            var rng = SeededGenerator(seed: SplitMix64.mix(seed ^ UInt64(c)))
            for i in 0..<points { field[i] = Float(Double(a) * rng.nextNormal()) }
        }
    }
}
