/// Physical constants of the rotating shallow-water test cases (Earth values, as in
/// torch-harmonics and Williamson et al. 1992).
public struct ShallowWaterParameters: Sendable, Equatable, Codable {
    /// Sphere radius r (m).
    public var radius = 6.37122e6
    /// Rotation rate Ω (1/s).
    public var omega = 7.292e-5
    /// Gravity g (m/s²).
    public var gravity = 9.80616
    /// Mean fluid depth h_avg (m).
    public var meanDepth = 10_000.0
    /// Amplitude of height perturbations h_amp (m).
    public var perturbationAmplitude = 120.0
    /// Hyperdiffusion e-folding time at the truncation degree (s).
    public var hyperdiffusionTime = 7_200.0

    public init() {}

    /// Speed of gravity waves √(g h_avg) (m/s).
    public var gravityWaveSpeed: Double { (gravity * meanDepth).squareRoot() }
}
