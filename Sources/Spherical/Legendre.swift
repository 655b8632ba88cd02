import Foundation

/// Normalisation of the spherical harmonics, as in torch-harmonics.
public enum Normalization: String, CaseIterable, Sendable, Codable {
    /// ∫|Yₗₘ|² dΩ = 1.
    case ortho
    /// ∫|Yₗₘ|² dΩ = 4π: coefficients are √(4π) × the ortho ones.
    case fourPi = "four-pi"
    /// Schmidt semi-normalised: coefficients are √(4π/(2l+1)) × the ortho ones.
    case schmidt

    /// Factor that turns an ortho forward coefficient of degree l into this normalisation.
    /// The inverse transform applies its reciprocal.
    public func forwardScale(degree l: Int) -> Double {
        switch self {
        case .ortho: return 1
        case .fourPi: return (4 * Double.pi).squareRoot()
        case .schmidt: return (4 * Double.pi / Double(2 * l + 1)).squareRoot()
        }
    }
}

/// Coefficients of the fully normalised associated Legendre recurrence for one order m,
/// rescaled so that each step costs one multiply and one fused multiply-add:
///
///     q(m) = P̄ₘᵐ,  q(m+1) = √(2m+3) x P̄ₘᵐ,  q(l) = αₗ x q(l−1) + q(l−2),  P̄ₗᵐ = sₗ q(l).
///
/// It follows from the standard column recurrence P̄ₗ = aₗ x P̄ₗ₋₁ − bₗ P̄ₗ₋₂ with
/// sₗ = −bₗ sₗ₋₂ and αₗ = aₗ sₗ₋₁/sₗ (s_m = s_{m+1} = 1); the sign flip in sₗ turns the
/// subtraction into an addition, so a step is exactly one FMA after αₗ·x. Values are ortho-normalised
/// (∫|Y|² dΩ = 1) without the Condon–Shortley phase; transforms apply norm and phase afterwards.
public struct LegendreRecurrence: Sendable {
    /// The order m.
    public let m: Int
    /// Exclusive degree bound.
    public let lmax: Int
    /// αₗ for l = m … lmax−1 (entries for l < m + 2 are unused and zero).
    public let alpha: [Double]
    /// sₗ for l = m … lmax−1.
    public let scale: [Double]
    /// √(2m+3), the first off-diagonal factor.
    public let firstStep: Double
    /// √((2m+1)!!/(2m)!!) / √(4π): P̄ₘᵐ = sectoralFactor · sinᵐθ.
    public let sectoralFactor: Double

    /// Builds the recurrence for order `m` and degrees `m ..< lmax`.
    public init(m: Int, lmax: Int) {
        self.m = m
        self.lmax = lmax
        let count = max(0, lmax - m)
        var alpha = [Double](repeating: 0, count: count)
        var scale = [Double](repeating: 1, count: count)
        let dm = Double(m)
        if count > 2 {
            for i in 2..<count {
                let l = Double(m + i)
                let a = ((2 * l - 1) * (2 * l + 1) / ((l - dm) * (l + dm))).squareRoot()
                let b = ((l + dm - 1) * (l - dm - 1) * (2 * l + 1) / ((l - dm) * (l + dm) * (2 * l - 3))).squareRoot()
                scale[i] = -b * scale[i - 2]
                alpha[i] = a * scale[i - 1] / scale[i]
            }
        }
        self.alpha = alpha
        self.scale = scale
        firstStep = (2 * dm + 3).squareRoot()
        var factor = 1 / (4 * Double.pi).squareRoot()
        if m > 0 {
            for i in 1...m { factor *= (Double(2 * i + 1) / Double(2 * i)).squareRoot() }
        }
        sectoralFactor = factor
    }

    /// P̄ₘᵐ(cos θ) for a ring with the given sin θ, flushed to zero below 1e-290 (far below
    /// anything that matters in Float64, and clear of subnormal arithmetic).
    @inline(__always)
    public func sectoral(sinTheta: Double) -> Double {
        if m == 0 { return sectoralFactor }
        if sinTheta <= 0 { return 0 }
        // Decide underflow in log space first; pow then stays in the normal range.
        if Double(m) * log(sinTheta) + log(sectoralFactor) < log(1e-290) { return 0 }
        return sectoralFactor * pow(sinTheta, Double(m))
    }

    /// Evaluates P̄ₗᵐ(x) for l = m ..< lmax at one point (reference path, used to build tables).
    public func values(x: Double, sinTheta: Double) -> [Double] {
        let count = max(0, lmax - m)
        var out = [Double](repeating: 0, count: count)
        guard count > 0 else { return out }
        var q0 = sectoral(sinTheta: sinTheta)
        out[0] = q0
        guard count > 1 else { return out }
        var q1 = firstStep * x * q0
        out[1] = q1
        for i in 2..<count {
            let q2 = alpha[i] * x * q1 + q0
            q0 = q1
            q1 = q2
            out[i] = scale[i] * q2
        }
        return out
    }
}

/// A dense table of ortho-normalised P̄ₗᵐ(xₖ) without the Condon–Shortley phase,
/// laid out `[m][l][k]` with m < mmax, l < lmax (zeros for l < m). For tests and small grids.
public func legendreTable(mmax: Int, lmax: Int, cosTheta: [Double]) -> [Double] {
    let n = cosTheta.count
    var table = [Double](repeating: 0, count: mmax * lmax * n)
    for m in 0..<min(mmax, lmax) {
        let rec = LegendreRecurrence(m: m, lmax: lmax)
        for (k, x) in cosTheta.enumerated() {
            let s = (max(0, 1 - x * x)).squareRoot()
            let v = rec.values(x: x, sinTheta: s)
            for (i, p) in v.enumerated() { table[(m * lmax + m + i) * n + k] = p }
        }
    }
    return table
}
