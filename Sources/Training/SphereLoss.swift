import HensCore

/// The training loss: squared L2, absolute or divided by the target's own squared norm, or the
/// fair CRPS over several members of a stochastic model.
public enum LossKind: String, Codable, Sendable, CaseIterable {
    /// A = Σ q (ŷ − y)² (makani `l2`, squared).
    case absolute
    /// A / (Σ q y² + 1e-6) (makani `l2` with `relative: True`; what HENS trained with).
    case relative
    /// The area-weighted fair CRPS over `crps_members` members (`EnsembleCRPSLoss`); validation
    /// still reports the absolute squared L2 of one member.
    case crps
}

/// The area-weighted squared L2 loss on the sphere (docs/formulas.md#loss):
///
///     L_{b,c} = Σ_{k,j} q_k (ŷ − y)²   [÷ (Σ q_k y² + 1e-6) when relative]
///     loss    = (1/B) Σ_b Σ_c w_c · L_{b,c}
///
/// with q the normalised grid quadrature (Σ q = 1 over the grid) and w the channel weights.
/// Fields are laid out `[batch][channel][nlat][nlon]`. Sums are taken in Float64 per
/// (sample, channel) and combined in a fixed order, so results do not depend on thread count.
public struct SphereLoss: Sendable {
    /// Absolute or relative.
    public let kind: LossKind
    /// Normalised quadrature of the data grid.
    public let quadrature: GridQuadrature
    /// One weight per channel.
    public let channelWeights: [Double]

    /// The epsilon of makani's relative loss denominator.
    public static let relativeEpsilon = 1e-6

    /// A loss over `channelWeights.count` channels on `quadrature`'s grid.
    public init(kind: LossKind, quadrature: GridQuadrature, channelWeights: [Double]) {
        precondition(!channelWeights.isEmpty, "a loss needs at least one channel")
        self.kind = kind
        self.quadrature = quadrature
        self.channelWeights = channelWeights
    }

    /// Channels per sample.
    public var channels: Int { channelWeights.count }
    /// Points per field.
    public var fieldCount: Int { quadrature.fieldCount }

    /// The loss of `prediction` against `target` (both `batch × channels × fieldCount`).
    ///
    /// When `gradient` is non-nil, **writes** `gradientScale · ∂loss/∂prediction` there (same
    /// layout); the scale lets multistep training weight each step (1/k) without a second pass.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, batch: Int,
                         gradient: UnsafeMutablePointer<Float>? = nil, gradientScale: Double = 1) -> Double {
        let n = fieldCount, nlon = quadrature.nlon, q = quadrature.pointWeights
        let pairs = batch * channels
        var perPair = [Double](repeating: 0, count: pairs)
        perPair.withUnsafeMutableBufferPointer { out in
            Parallel.forEachCyclic(pairs) { pair in
                let c = pair % channels
                let p = prediction + pair * n, t = target + pair * n
                var error = 0.0, norm = 0.0
                for k in 0..<quadrature.nlat {
                    var ringError = 0.0, ringNorm = 0.0
                    for j in (k * nlon)..<((k + 1) * nlon) {
                        let d = Double(p[j]) - Double(t[j])
                        ringError += d * d
                        ringNorm += Double(t[j]) * Double(t[j])
                    }
                    error += q[k] * ringError
                    norm += q[k] * ringNorm
                }
                let denominator = kind == .relative ? norm + Self.relativeEpsilon : 1
                out[pair] = error / denominator
                if let g = gradient {
                    let g = g + pair * n
                    // ∂/∂ŷ of w_c · A / D / B is w_c · 2 q (ŷ − y) / (D · B); D depends on y only.
                    let factor = gradientScale * channelWeights[c] * 2 / (denominator * Double(batch))
                    for k in 0..<quadrature.nlat {
                        let s = factor * q[k]
                        for j in (k * nlon)..<((k + 1) * nlon) {
                            g[j] = Float(s * (Double(p[j]) - Double(t[j])))
                        }
                    }
                }
            }
        }
        var total = 0.0
        for pair in 0..<pairs { total += channelWeights[pair % channels] * perPair[pair] }
        return total / Double(batch)
    }

    /// The area-weighted mean square Σ q (a − b)² of every (sample, channel) field, `[b][c]`;
    /// with `b` nil, Σ q a². Validation turns these into RMSEs.
    public func meanSquares(_ a: UnsafePointer<Float>, minus b: UnsafePointer<Float>?, batch: Int) -> [Double] {
        let n = fieldCount, nlon = quadrature.nlon, q = quadrature.pointWeights
        let pairs = batch * channels
        var result = [Double](repeating: 0, count: pairs)
        result.withUnsafeMutableBufferPointer { out in
            Parallel.forEachCyclic(pairs) { pair in
                let x = a + pair * n, y = b.map { $0 + pair * n }
                var sum = 0.0
                for k in 0..<quadrature.nlat {
                    var ring = 0.0
                    let ringPoints = (k * nlon)..<((k + 1) * nlon)
                    if let y {
                        for j in ringPoints { let d = Double(x[j]) - Double(y[j]); ring += d * d }
                    } else {
                        for j in ringPoints { ring += Double(x[j]) * Double(x[j]) }
                    }
                    sum += q[k] * ring
                }
                out[pair] = sum
            }
        }
        return result
    }
}
