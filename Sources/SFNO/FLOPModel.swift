import Foundation

/// Parameter counts and floating-point operations of one member-step of an SFNO, counted as the
/// torch-harmonics anchor benchmark (`sfno_anchor.py`) counts them, so throughput can be compared
/// with torch-harmonics as dense-equivalent GFLOP/s (docs/formulas.md#parameter-and-flop-counts).
///
/// FLOP conventions: a real multiply-add is 2 FLOP, a complex one 8; a real FFT of
/// length n costs 2.5·n·log₂n; the Legendre stage of a transform of E fields on nlat rings
/// costs 4·K²·nlat·E with K² the number of (l, m) modes; GELU, bias and adds 1 per element,
/// an instance norm 6 per element.
public struct SFNOFLOPModel: Sendable {
    /// How the spectral terms are counted.
    public enum Counting: String, CaseIterable, Sendable {
        /// torch-harmonics' dense (lmax × mmax) layout, structural zeros included.
        case dense
        /// Only the modes with m ≤ l (what hens computes in the contraction).
        case triangular
        /// Triangular, with the Legendre sums halved by equatorial parity folding (what the
        /// hens SHT computes).
        case triangularParity = "triangular-parity"
    }

    /// FLOPs per member-step by component.
    public struct Breakdown: Equatable, Sendable {
        /// Encoder, position embedding, decoder, residual prediction / big skip.
        public var encoderDecoder: Double = 0
        /// FFTs along longitude of every transform.
        public var fft: Double = 0
        /// Legendre sums of every transform.
        public var legendre: Double = 0
        /// The per-degree channel contraction.
        public var contraction: Double = 0
        /// Block MLPs (GEMMs, biases, GELUs) and makani's GELU after the first norm.
        public var mlp: Double = 0
        /// Instance norms.
        public var norm: Double = 0
        /// Outer skips (adds, makani's 1×1 skip).
        public var skip: Double = 0

        /// All of it.
        public var total: Double { encoderDecoder + fft + legendre + contraction + mlp + norm + skip }
    }

    /// The configuration counted.
    public let config: SFNOConfig
    private let architecture: SFNOArchitecture

    /// - Throws: `HensError` for an invalid configuration.
    public init(config: SFNOConfig) throws {
        try config.validate()
        self.config = config
        architecture = SFNOArchitecture(config)
    }

    /// Parameters as torch's `numel` counts them (a complex weight counts once).
    public var parameterCount: Int { realParameterCount - complexWeightCount }

    /// Real scalars (a complex weight counts twice): the length of hens' flat buffer.
    public var realParameterCount: Int { architecture.parameterCount }

    /// Complex spectral weights: E²·lmax per block.
    public var complexWeightCount: Int { config.layers * config.embedDim * config.embedDim * config.lmax }

    /// Number of (l, m) modes a spectral term touches.
    func modes(_ counting: Counting) -> Double {
        switch counting {
        case .dense: return Double(config.lmax * config.mmax)
        case .triangular, .triangularParity:
            return Double((0..<config.lmax).reduce(0) { $0 + min($1 + 1, config.mmax) })
        }
    }

    /// FLOPs of one member-step.
    public func flops(_ counting: Counting) -> Breakdown {
        let c = config, a = architecture
        let e = Double(c.embedDim), cout = Double(c.outChannels)
        let pd = Double(c.dataPoints)
        let k2 = modes(counting)
        let legendreFactor = counting == .triangularParity ? 0.5 : 1
        func rfft(_ n: Int) -> Double { 2.5 * Double(n) * log2(Double(n)) }
        func shape(_ role: GridRole) -> (nlat: Int, nlon: Int) {
            role == .data ? (c.nlat, c.nlon) : (c.internalNlat, c.internalNlon)
        }
        var f = Breakdown()
        func transform(_ role: GridRole) {
            let g = shape(role)
            f.fft += e * Double(g.nlat) * rfft(g.nlon)
            f.legendre += legendreFactor * 4 * k2 * Double(g.nlat) * e
        }
        /// A 1×1 layer over `points`: GEMM plus bias.
        func linear(_ l: PointwiseLinear, _ points: Double) -> Double {
            2 * Double(l.inChannels * l.outChannels) * points + (l.bias != nil ? Double(l.outChannels) * points : 0)
        }
        func stage(_ s: PointwiseStage, _ points: Double) -> Double {
            switch s {
            case .linear(let l): return linear(l, points)
            case .mlp(let m): return linear(m.fc1, points) + Double(m.hidden) * points + linear(m.fc2, points)
            }
        }

        f.encoderDecoder += stage(a.encoder, pd) + stage(a.decoder, pd)
        if a.positionEmbedding != nil { f.encoderDecoder += e * pd }
        if let big = a.bigSkip { f.encoderDecoder += linear(big, pd) + cout * pd }
        if c.variant == .thExample && c.residualPrediction { f.encoderDecoder += cout * pd }

        for block in a.blocks {
            let out = shape(block.output)
            let points = Double(out.nlat * out.nlon)
            transform(block.input)
            transform(block.output)
            if block.resamples { transform(block.output) }
            f.contraction += 8 * e * e * k2
            let norms = (block.norm0 != nil ? 1.0 : 0) + (block.norm1 != nil ? 1.0 : 0)
            f.norm += norms * 6 * e * points
            f.mlp += stage(.mlp(block.mlp), points)
            if c.variant == .makani { f.mlp += e * points } // GELU after the first norm
            f.skip += e * points
            if let skip = block.skip { f.skip += linear(skip, points) }
        }
        return f
    }
}
