import Foundation
import HensCore
import NumericsBackend

/// Spatially correlated Gaussian noise on the sphere: the SPPT-style spectral pattern of HENS'
/// `CorrelatedSphericalField` (Mahesh et al. 2024; Palmer et al. 2009), drawn in spectral space and
/// transformed onto the model grid with the SHT.
///
/// Spectrum: cₗₘ = A·exp(−κ l(l+1)/2)·ξₗₘ with κ = (L/R)²/2, so the covariance spectrum is the
/// heat kernel exp(−κ l(l+1)) and the correlation at great-circle distance d is
/// ≈ exp(−d²/(2L²)) — L is the distance at which the correlation falls to e^(−1/2).
///
/// Differences from the reference, all deliberate:
/// - Only the stationary first draw of the AR(1) is used (as the HENS fork does), so the time
///   scale cancels and is not a parameter.
/// - Every draw is independent and fully determined by its seed (the Earth2Studio port advances
///   the AR(1) between batch members, which lag-correlates them by ρ = e^(−6 h/48 h) ≈ 0.88).
/// - m = 0 coefficients are real with twice the variance of each part of m > 0 ones, which makes
///   the grid-point variance exactly uniform (the reference's complex m = 0 loses half of it, so its
///   variance dips towards the equator); A is then set from the degrees actually used so that
///   the grid-point std is σ in expectation: σ² = Σₗ 2(2l+1)·A²·exp(−κ l(l+1))/(4π).
/// - l = 0 is zero (a global-mean offset is not a correlated pattern) and orders at or above
///   nlon/2 are zero (the grid cannot represent their imaginary part).
public final class SeedNoise: @unchecked Sendable {  // unchecked: immutable after init apart from its transforms, which are thread-safe
    /// Correlation length L in metres.
    public let lengthScale: Double
    /// Target grid-point standard deviation σ.
    public let sigma: Double
    /// Sphere radius in metres (converts L to an angle).
    public let earthRadius: Double
    /// The transform onto the model grid (orthonormal harmonics).
    public let transform: SphericalHarmonicTransform<Double>
    /// Standard deviation of the real and imaginary parts of each cₗₘ (m > 0), per degree.
    public let degreeAmplitudes: [Double]

    /// Creates a noise generator for `grid`.
    /// - Parameters:
    ///   - lengthScale: correlation length L in metres (HENS: 500 km).
    ///   - sigma: grid-point standard deviation (HENS: 1, scaled later by τ).
    ///   - lmax: exclusive band limit (default: the grid's).
    /// - Throws: `invalidArgument` for non-positive L or σ < 0, or a band limit that does not fit.
    public init(grid: SphericalGrid, lengthScale: Double, sigma: Double = 1, earthRadius: Double = 6.371e6,
                lmax: Int? = nil) throws {
        guard lengthScale > 0, lengthScale.isFinite else {
            throw HensError.invalid("seed noise length scale", "a positive length in metres, got \(lengthScale)")
        }
        guard sigma >= 0, sigma.isFinite else { throw HensError.invalid("seed noise sigma", "σ ≥ 0, got \(sigma)") }
        self.lengthScale = lengthScale
        self.sigma = sigma
        self.earthRadius = earthRadius
        transform = try SphericalHarmonicTransform<Double>(grid: grid, lmax: lmax, planning: .estimate)
        let kappa = (lengthScale / earthRadius) * (lengthScale / earthRadius) / 2
        let shape = (0..<transform.lmax).map { l in l == 0 ? 0 : exp(-kappa * Double(l * (l + 1)) / 2) }
        let variance = shape.enumerated().reduce(0.0) { $0 + 2 * Double(2 * $1.offset + 1) * $1.element * $1.element } / (4 * .pi)
        let scale = variance > 0 ? sigma / variance.squareRoot() : 0
        degreeAmplitudes = shape.map { $0 * scale }
    }

    /// Grid points per field.
    public var pointCount: Int { transform.grid.nlat * transform.grid.nlon }

    /// Fills `coefficients` (`transform.coefficientCount(batch: 1)` values) with the spectral
    /// draw of `seed`, visiting (l, m) in a fixed order so the draw depends on the seed only.
    public func coefficients(seed: UInt64, into coefficients: UnsafeMutablePointer<Double>) {
        let lmax = transform.lmax, mmax = transform.mmax
        let orders = min(mmax, (transform.grid.nlon + 1) / 2)   // m < nlon/2 carry both parts
        coefficients.initialize(repeating: 0, count: transform.coefficientCount(batch: 1))
        var rng = SeededGenerator(seed: seed)
        for l in 1..<max(1, lmax) {
            let a = degreeAmplitudes[l]
            coefficients[l * mmax * 2] = a * Double(2).squareRoot() * rng.nextNormal()
            for m in 1..<max(1, min(l + 1, orders)) {
                let i = (l * mmax + m) * 2
                coefficients[i] = a * rng.nextNormal()
                coefficients[i + 1] = a * rng.nextNormal()
            }
        }
    }

    /// Draws the field of `seed` onto the grid, scaled by `amplitude`, into `field`
    /// (`pointCount` Float32 values, rows north → south).
    public func draw(seed: UInt64, amplitude: Double = 1, into field: UnsafeMutablePointer<Float>) {
        let c = UnsafeMutablePointer<Double>.allocate(capacity: transform.coefficientCount(batch: 1))
        let g = UnsafeMutablePointer<Double>.allocate(capacity: pointCount)
        defer { c.deallocate(); g.deallocate() }
        coefficients(seed: seed, into: c)
        transform.inverse(c, into: g, batch: 1)
        for i in 0..<pointCount { field[i] = Float(amplitude * g[i]) }
    }

    /// Array convenience for `draw(seed:amplitude:into:)`.
    public func draw(seed: UInt64, amplitude: Double = 1) -> [Float] {
        var out = [Float](repeating: 0, count: pointCount)
        out.withUnsafeMutableBufferPointer { draw(seed: seed, amplitude: amplitude, into: $0.baseAddress!) }
        return out
    }

    /// Fills a whole state `[channel][point]` with independent draws scaled per channel
    /// (HENS seeds z500 only: amplitude τ_z500 there, 0 elsewhere). Channel c uses the seed
    /// `SplitMix64.mix(seed ^ c)`, so channels are independent and a channel's draw does not
    /// depend on which other channels are seeded.
    public func drawState(seed: UInt64, amplitudes: [Float], into state: UnsafeMutablePointer<Float>) {
        for (c, a) in amplitudes.enumerated() {
            let field = state + c * pointCount
            if a == 0 {
                field.initialize(repeating: 0, count: pointCount)
            } else {
                draw(seed: SplitMix64.mix(seed ^ UInt64(c)), amplitude: Double(a), into: field)
            }
        }
    }
}
