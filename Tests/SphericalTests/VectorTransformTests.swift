import XCTest
import HensCore
@testable import Spherical
import HensTestSupport

final class VectorTransformTests: XCTestCase {
    let radius = 6.37122e6

    func field(_ g: SphericalGrid, _ f: (Double, Double) -> Double) -> [Double] {
        var out = [Double]()
        for k in 0..<g.nlat { for j in 0..<g.nlon { out.append(f(g.colatitudes[k], g.longitudes[j])) } }
        return out
    }

    /// Solid-body rotation u = u₀ cos φ: ζ = 2u₀ sin φ / r and δ = 0, for every grid kind.
    func testSolidBodyRotation() throws {
        let u0 = 40.0
        for kind in GridKind.allCases {
            let g = try SphericalGrid(kind, nlat: 33, nlon: 64)
            let vsht = try VectorSphericalHarmonicTransform<Double>(grid: g, lmax: 16, csPhase: false, planning: .estimate)
            let sht = try SphericalHarmonicTransform<Double>(grid: g, lmax: 16, csPhase: false, planning: .estimate)
            let u = field(g) { theta, _ in u0 * sin(theta) }
            let v = [Double](repeating: 0, count: u.count)
            let (zetaHat, deltaHat) = vsht.vorticityDivergence(u: u, v: v, radius: radius)
            let zeta = sht.inverse(zetaHat), delta = sht.inverse(deltaHat)
            let expected = field(g) { theta, _ in 2 * u0 * cos(theta) / radius }
            XCTAssertLessThan(maxAbsDifference(zeta, expected), 1e-12 * 2 * u0 / radius, "\(kind)")
            XCTAssertLessThan(maxAbs(delta), 1e-12 * 2 * u0 / radius, "\(kind)")
        }
    }

    /// A northward v = u₀ cos φ has δ = −2u₀ sin φ / r and no vorticity.
    func testNorthwardFlowDivergence() throws {
        let u0 = 10.0
        let g = try SphericalGrid(.legendreGauss, nlat: 32, nlon: 64)
        let vsht = try VectorSphericalHarmonicTransform<Double>(grid: g, planning: .estimate)
        let sht = try SphericalHarmonicTransform<Double>(grid: g, planning: .estimate)
        let v = field(g) { theta, _ in u0 * sin(theta) }
        let (zetaHat, deltaHat) = vsht.vorticityDivergence(u: [Double](repeating: 0, count: v.count), v: v, radius: radius)
        let expected = field(g) { theta, _ in -2 * u0 * cos(theta) / radius }
        XCTAssertLessThan(maxAbsDifference(sht.inverse(deltaHat), expected), 1e-12 * 2 * u0 / radius)
        XCTAssertLessThan(maxAbs(sht.inverse(zetaHat)), 1e-12 * 2 * u0 / radius)
    }

    /// (ζ, δ) → (u, v) → (ζ, δ) for random band-limited vorticity and divergence, and the
    /// (s, t) round trip of the raw transform, in both precisions.
    func testRoundTrips() throws {
        for (kind, nlat) in [(GridKind.legendreGauss, 48), (.equiangular, 65), (.lobatto, 33)] {
            let g = try SphericalGrid(kind, nlat: nlat, nlon: 2 * (nlat - nlat % 2))
            let sht = try SphericalHarmonicTransform<Double>(grid: g, planning: .estimate)
            let vsht = try VectorSphericalHarmonicTransform<Double>(grid: g, planning: .estimate)
            var zeta = randomCoefficients(sht, seed: 5), delta = randomCoefficients(sht, seed: 6)
            zeta[0] = 0; delta[0] = 0 // a wind field has no l = 0 part
            let (u, v) = vsht.wind(vorticity: zeta, divergence: delta, radius: radius)
            let (zeta2, delta2) = vsht.vorticityDivergence(u: u, v: v, radius: radius)
            XCTAssertLessThan(maxAbsDifference(zeta, zeta2) / maxAbs(zeta), 1e-11, "\(kind)")
            XCTAssertLessThan(maxAbsDifference(delta, delta2) / maxAbs(delta), 1e-11, "\(kind)")
            // And winds → (ζ, δ) → winds reproduces the winds.
            let (u2, v2) = vsht.wind(vorticity: zeta2, divergence: delta2, radius: radius)
            XCTAssertLessThan(maxAbsDifference(u, u2) / maxAbs(u), 1e-11)
            XCTAssertLessThan(maxAbsDifference(v, v2) / maxAbs(v), 1e-11)
        }
        let g = try SphericalGrid(.legendreGauss, nlat: 40, nlon: 80)
        let v32 = try VectorSphericalHarmonicTransform<Float>(grid: g, planning: .estimate)
        let s32 = try SphericalHarmonicTransform<Float>(grid: g, planning: .estimate)
        var st = randomCoefficients(s32, batch: 2, seed: 9)
        for b in 0..<2 { st[b * s32.coefficientCount(batch: 1)] = 0; st[b * s32.coefficientCount(batch: 1) + 1] = 0 }
        let back = v32.forward(v32.inverse(st))
        XCTAssertLessThan(maxAbsDifference(st, back) / maxAbs(st), 5e-6)
    }

    /// Batched vector transforms equal per-field ones.
    func testBatchEqualsSingle() throws {
        let g = try SphericalGrid(.legendreGauss, nlat: 24, nlon: 48)
        let vsht = try VectorSphericalHarmonicTransform<Double>(grid: g, planning: .estimate)
        var rng = SeededGenerator(seed: 3)
        let batch = 3
        let vectors = (0..<vsht.gridCount(batch: batch)).map { _ in rng.nextSigned() }
        let all = vsht.forward(vectors, batch: batch)
        let n = vsht.gridCount(batch: 1), c = vsht.coefficientCount(batch: 1)
        for b in 0..<batch {
            let single = vsht.forward(Array(vectors[b * n..<(b + 1) * n]))
            // Determinism contract (B): one field is a GEMM of another shape than the batch of 3,
            // so it agrees to double rounding only.
            XCTAssertLessThan(maxAbsDifference(single, Array(all[b * c..<(b + 1) * c])), 1e-13)
        }
    }
}
