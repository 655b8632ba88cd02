import Foundation
import HensCore
import NumericsBackend
import Spherical

/// Spectral solver for the rotating shallow-water equations on the sphere in
/// vorticity–divergence form (torch-harmonics' `ShallowWaterSolver`, Bonev et al. 2023;
/// docs/formulas.md#shallow-water-equations):
///
///     ∂Φ/∂t = −∇·(Φu),  ∂ζ/∂t = −∇·((ζ+f)u),  ∂δ/∂t = k·∇×((ζ+f)u) − ∇²(Φ + ½|u|²),
///
/// with third-order Adams–Bashforth steps (`AdamsBashforth3`) and implicit hyperdiffusion
/// exp(−(dt/τ)(l(l+1)/(L(L+1)))⁴) on ζ and δ after every step (τ = 2 h, L = lmax − 1).
/// Transforms use the ortho norm without the Condon–Shortley phase, in Float64.
public final class ShallowWaterSolver: @unchecked Sendable {  // unchecked: immutable after init; transforms are thread-safe, states belong to the caller
    public let grid: SphericalGrid
    public let lmax: Int
    public let mmax: Int
    /// Time step (s).
    public let dt: Double
    public let parameters: ShallowWaterParameters
    public let sht: SphericalHarmonicTransform<Double>
    public let vsht: VectorSphericalHarmonicTransform<Double>
    /// Coriolis parameter f = 2Ω sin φ per grid row.
    public let coriolis: [Double]
    /// Hyperdiffusion factor per coefficient (`[lmax][mmax]`, repeated for re and im).
    let hyperdiffusion: [Double]

    /// The solver's default band limit for a grid: ceil(nlat/3), the 3/2-rule-like margin
    /// against aliasing of the quadratic terms.
    public static func defaultBandLimit(nlat: Int) -> Int { (nlat + 2) / 3 }

    /// Creates a solver.
    /// - Throws: for a non-positive time step or a band limit the grid cannot resolve.
    public init(grid: SphericalGrid, lmax: Int? = nil, dt: Double,
                parameters: ShallowWaterParameters = ShallowWaterParameters()) throws {
        guard dt > 0, dt.isFinite else { throw HensError.invalid("dt", "a positive number of seconds, got \(dt)") }
        let l = lmax ?? Self.defaultBandLimit(nlat: grid.nlat)
        guard l >= 3 else { throw HensError.invalid("lmax", "at least 3 for the shallow-water solver, got \(l)") }
        guard l <= grid.defaultBandLimit else {
            throw HensError.invalid("lmax", "at most \(grid.defaultBandLimit) on a \(grid.label) grid, got \(l)")
        }
        self.grid = grid
        self.lmax = l
        self.mmax = l
        self.dt = dt
        self.parameters = parameters
        sht = try SphericalHarmonicTransform<Double>(grid: grid, lmax: l, mmax: l, csPhase: false)
        vsht = try VectorSphericalHarmonicTransform<Double>(grid: grid, lmax: l, mmax: l, csPhase: false)
        coriolis = grid.cosColatitudes.map { 2 * parameters.omega * $0 }
        let top = Double((l - 1) * l)
        var h = [Double](repeating: 1, count: 2 * l * l)
        for degree in 0..<l {
            let ratio = Double(degree * (degree + 1)) / top
            let factor = exp(-(dt / parameters.hyperdiffusionTime) * pow(ratio, 4))
            for i in (2 * degree * l)..<(2 * (degree + 1) * l) { h[i] = factor }
        }
        hyperdiffusion = h
    }

    /// Number of reals per spectral field.
    public var coefficientCount: Int { 2 * lmax * mmax }
    /// Number of grid points.
    public var gridCount: Int { grid.nlat * grid.nlon }

    /// Largest Courant number of gravity waves plus a wind speed: (c + |u|)·dt·√(L(L+1))/r.
    /// Third-order Adams–Bashforth is stable for oscillatory modes up to about 0.72.
    public func courantNumber(maxWind: Double) -> Double {
        let k = Double((lmax - 1) * lmax).squareRoot()
        return (parameters.gravityWaveSpeed + maxWind) * dt * k / parameters.radius
    }

    /// Stability limit of AB3 on the imaginary axis.
    public static let adamsBashforth3Limit = 0.723

    // MARK: Tendency

    /// d/dt of the state (docs/formulas.md#shallow-water-equations).
    public func tendency(_ state: SpectralState) -> SpectralState {
        let n = gridCount, r = parameters.radius
        // Grid values of Φ and ζ (one batched inverse) and the winds.
        let phiZeta = sht.inverse(state.geopotential + state.vorticity, batch: 2)
        let (u, v) = vsht.wind(vorticity: state.vorticity, divergence: state.divergence, radius: r)
        // Fluxes (ζ + f)u and Φu, batched into one forward vector transform.
        var fluxU = [Double](repeating: 0, count: 2 * n), fluxV = fluxU
        var energy = [Double](repeating: 0, count: n)
        let nlon = grid.nlon
        for k in 0..<grid.nlat {
            let f = coriolis[k]
            for j in 0..<nlon {
                let i = k * nlon + j
                let absolute = phiZeta[n + i] + f, phi = phiZeta[i]
                fluxU[i] = u[i] * absolute; fluxV[i] = v[i] * absolute
                fluxU[n + i] = u[i] * phi; fluxV[n + i] = v[i] * phi
                energy[i] = phi + 0.5 * (u[i] * u[i] + v[i] * v[i])
            }
        }
        let (curl, div) = vsht.vorticityDivergence(u: fluxU, v: fluxV, batch: 2, radius: r)
        let energyHat = sht.forward(energy)
        let c = coefficientCount
        var out = SpectralState(lmax: lmax, mmax: mmax)
        for i in 0..<c {
            out.vorticity[i] = -div[i]
            out.geopotential[i] = -div[c + i]
        }
        for l in 0..<lmax {
            let minusLaplacian = Double(l * (l + 1)) / (r * r)
            for i in (2 * l * mmax)..<(2 * (l + 1) * mmax) {
                out.divergence[i] = curl[i] + minusLaplacian * energyHat[i]
            }
        }
        return out
    }

    /// Applies the implicit hyperdiffusion to ζ and δ.
    func diffuse(_ state: inout SpectralState) {
        for i in 0..<coefficientCount {
            state.vorticity[i] *= hyperdiffusion[i]
            state.divergence[i] *= hyperdiffusion[i]
        }
    }

    // MARK: Grid fields

    /// Grid values (each `[nlat][nlon]`) of a state.
    public struct GridFields: Sendable {
        public var geopotential: [Double]
        public var vorticity: [Double]
        public var divergence: [Double]
        public var u: [Double]
        public var v: [Double]
    }

    /// Φ, ζ, δ, u, v on the grid.
    public func gridFields(_ state: SpectralState) -> GridFields {
        let n = gridCount
        let all = sht.inverse(state.geopotential + state.vorticity + state.divergence, batch: 3)
        let (u, v) = vsht.wind(vorticity: state.vorticity, divergence: state.divergence, radius: parameters.radius)
        return GridFields(geopotential: Array(all[0..<n]), vorticity: Array(all[n..<2 * n]),
                          divergence: Array(all[2 * n..<3 * n]), u: u, v: v)
    }
}
