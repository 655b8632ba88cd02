import HensCore
import Spherical

/// Makes the initial perturbations of a forecast, one per perturbation index ("pair"), in a
/// checkpoint's normalised space, and applies them to the analysis.
///
/// Every perturbation depends only on its seed (and, for bred vectors, on the checkpoint and
/// the analyses): a member regenerated alone (`--members 17`) gets exactly the perturbation it
/// had in the full run.
public struct PerturbationSource: Sendable {
    /// The method.
    public let method: PerturbationMethod
    /// Target amplitude τ_c per channel, physical units.
    public let amplitudes: [Double]
    /// Which channels the seed noise perturbs (HENS: z500 only); all others start at 0.
    public let seedChannels: [Bool]
    /// Channels clipped at 0 (physical) after the perturbation is applied.
    public let nonNegative: [Bool]
    /// Breeding cycles K (bred vectors).
    public let cycles: Int
    /// Latitude of the hemispheric bands' equatorward edge (bred vectors).
    public let bandLatitude: Double
    /// The correlated seed noise (bred vectors and seed-noise perturbations).
    public let seedNoise: SeedNoise?
    /// The model grid.
    public let grid: SphericalGrid

    /// A source for `channels` on `grid`.
    /// - Parameter lengthScale: seed-noise correlation length, metres.
    public init(method: PerturbationMethod, amplitudes: [Double], seedChannels: [Bool], nonNegative: [Bool], cycles: Int,
                bandLatitude: Double, lengthScale: Double, grid: SphericalGrid) throws {
        self.method = method
        self.amplitudes = amplitudes
        self.seedChannels = seedChannels
        self.nonNegative = nonNegative
        self.cycles = cycles
        self.bandLatitude = bandLatitude
        self.grid = grid
        let needsNoise = method == .bredVector || method == .seedNoise
        seedNoise = needsNoise ? try SeedNoise(grid: grid, lengthScale: lengthScale) : nil
    }

    /// Analyses needed before the initial time (K for bred vectors, else 0).
    public var history: Int { method == .bredVector ? cycles : 0 }

    /// τ_c in `model`'s normalised units.
    func normalizedAmplitudes(_ model: ForecastModel) -> [Float] {
        zip(amplitudes, model.std).map { Float($0 / Double($1)) }
    }

    /// Writes the perturbations of `seeds` (one each, `[k][stateCount]`, normalised units of
    /// `model`) into `perturbations`.
    /// - Parameters:
    ///   - analyses: the normalised analyses A(t − KΔt) … A(t) (only used by bred vectors).
    ///   - maxBatch: largest batch the breeding passes to the model.
    ///   - analysisSeconds: UTC seconds since 1970 of the last analysis (t), when known; breeding
    ///     cycle k then steps from t − (K − k)Δt, `stepSeconds` = Δt.
    public func make(seeds: [UInt64], model: ForecastModel, analyses: [[Float]], analysisSeconds: Double? = nil,
                     stepSeconds: Double = 0, maxBatch: Int, into perturbations: UnsafeMutablePointer<Float>) throws {
        let n = model.stateCount, points = grid.nlat * grid.nlon
        let tau = normalizedAmplitudes(model)
        let seedAmplitudes = zip(tau, seedChannels).map { $1 ? $0 : 0 }
        for (k, seed) in seeds.enumerated() {
            let dx = perturbations + k * n
            switch method {
            case .none: dx.initialize(repeating: 0, count: n)
            case .gaussian: GaussianNoise.drawState(seed: seed, amplitudes: tau, points: points, into: dx)
            case .seedNoise, .bredVector: seedNoise!.drawState(seed: seed, amplitudes: seedAmplitudes, into: dx)
            }
        }
        guard method == .bredVector, !seeds.isEmpty else { return }
        let norm = try HemisphericNorm(grid: grid, targets: tau, bandLatitude: bandLatitude)
        let breeder = try BredVectorBreeder(cycles: cycles, rescaler: norm, maxBatch: maxBatch)
        // Breeding runs a stochastic model's noise-free path (its noise channels at zero).
        let cycles = self.cycles
        try breeder.breed(analyses: analyses, perturbations: perturbations, count: seeds.count) { input, output, batch, cycle in
            model.step(input, output, batch, validTime: analysisSeconds.map { $0 - Double(cycles - cycle) * stepSeconds })
        }
    }

    /// A member's normalised initial state: `analysis + sign · perturbation` (sign 0: the
    /// analysis itself), then channels flagged `nonNegative` clipped at physical 0.
    public func apply(analysis: UnsafePointer<Float>, perturbation: UnsafePointer<Float>?, sign: Int, model: ForecastModel,
                      into member: UnsafeMutablePointer<Float>) {
        let n = model.stateCount
        guard let perturbation, sign != 0 else {
            member.update(from: analysis, count: n)
            return
        }
        let zero = model.normalizedZero
        BredVectorBreeder.applyPerturbation(analysis: analysis, perturbation: perturbation, sign: sign, count: n,
                                            floors: nonNegative.indices.map { nonNegative[$0] ? zero[$0] : nil }, into: member)
    }
}
