import Foundation
import HensCore
import Spherical

/// `InstanceNorm2d(eps 1e-6, affine)` of one sample: for each channel c over its P grid
/// points, y = γ_c·(x − μ_c)·ρ_c + β_c with the unweighted mean μ_c, the biased variance σ²_c
/// and ρ_c = 1/√(σ²_c + ε) (torch's definition; no quadrature weights).
///
/// Statistics are stored as `[mean₀ … mean_{C−1}, ρ₀ … ρ_{C−1}]` (2C values) so the backward
/// pass and the tiled apply step use exactly the forward's numbers. Sums run in Float64.
struct InstanceNorm {
    static let epsilon = 1e-6
    let channels: Int
    /// Offsets of γ and β in the parameter buffer.
    let weight: Int
    let bias: Int

    /// Mean and ρ of every channel of `x` (`channels` rows of `points`, leading dimension `ld`).
    func statistics<T: SHTScalar>(_ x: UnsafePointer<T>, ld: Int, points: Int, into stats: UnsafeMutablePointer<T>) {
        let c = channels
        Parallel.forEachCyclic(c) { ch in
            let row = x + ch * ld
            let mean = Elementwise.sum(row, count: points) { $0 } / Double(points)
            let squares = Elementwise.sum(row, count: points) { ($0 - mean) * ($0 - mean) }
            stats[ch] = T(mean)
            stats[c + ch] = T(1 / (squares / Double(points) + Self.epsilon).squareRoot())
        }
    }

    /// y = γ(x − μ)ρ + β for the given columns of every channel (y may be x).
    func apply<T: SHTScalar>(_ parameters: UnsafePointer<T>, stats: UnsafePointer<T>, _ x: UnsafePointer<T>, ldx: Int,
                             _ y: UnsafeMutablePointer<T>, ldy: Int, columns: Int) {
        for ch in 0..<channels {
            let scale = parameters[weight + ch] * stats[channels + ch]
            let shift = parameters[bias + ch] - scale * stats[ch]
            let s = x + ch * ldx, d = y + ch * ldy
            for p in 0..<columns { d[p] = s[p] * scale + shift }
        }
    }

    /// Backward over whole fields: given ∂L/∂y, writes ∂L/∂x and adds ∂L/∂γ, ∂L/∂β.
    ///
    /// With x̂ = (x − μ)ρ and ĝ = γ·∂L/∂y: ∂L/∂x = ρ(ĝ − mean(ĝ) − x̂·mean(ĝ x̂)), the
    /// statistics' dependence on x included. `gradX` may be `gradY`.
    func backward<T: SHTScalar>(_ parameters: UnsafePointer<T>, stats: UnsafePointer<T>, x: UnsafePointer<T>,
                                gradY: UnsafePointer<T>, gradX: UnsafeMutablePointer<T>, points: Int,
                                gradParameters: UnsafeMutablePointer<T>) {
        let c = channels
        Parallel.forEachCyclic(c) { ch in
            let mean = stats[ch].double, rho = stats[c + ch].double
            let gamma = parameters[weight + ch].double
            let xs = x + ch * points, gy = gradY + ch * points, gx = gradX + ch * points
            var sumG = 0.0, sumGX = 0.0
            for p in 0..<points {
                let g = gy[p].double
                sumG += g
                sumGX += g * (xs[p].double - mean) * rho
            }
            // Each channel owns its γ, β entries, so workers never write the same gradient.
            gradParameters[weight + ch] += T(sumGX)
            gradParameters[bias + ch] += T(sumG)
            let meanG = gamma * sumG / Double(points), meanGX = gamma * sumGX / Double(points)
            for p in 0..<points {
                let xhat = (xs[p].double - mean) * rho
                gx[p] = T(rho * (gamma * gy[p].double - meanG - xhat * meanGX))
            }
        }
    }
}
