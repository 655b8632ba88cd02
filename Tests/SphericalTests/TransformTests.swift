import XCTest
import HensCore
@testable import Spherical
import HensTestSupport

/// Random band-limited coefficients (the transform's own generator).
func randomCoefficients<T: SHTScalar>(_ sht: SphericalHarmonicTransform<T>, batch: Int = 1, seed: UInt64 = 1) -> [T] {
    sht.randomCoefficients(batch: batch, seed: seed)
}

extension SeededGenerator {
    /// Uniform in (−1, 1), for test data.
    mutating func nextSigned() -> Double { 2 * nextUniform() - 1 }
}


final class TransformTests: XCTestCase {
    func grid(_ kind: GridKind, _ nlat: Int, _ nlon: Int) -> SphericalGrid { try! SphericalGrid(kind, nlat: nlat, nlon: nlon) }

    /// Closed forms of §1.5 (16×32 grid), for each normalisation and both phase settings.
    func testClosedFormCoefficients() throws {
        for kind in GridKind.allCases {
            let g = grid(kind, 16, 32)
            let sht = try SphericalHarmonicTransform<Double>(grid: g, lmax: 8, mmax: 8)
            func field(_ f: (Double, Double) -> Double) -> [Double] {
                var out = [Double]()
                for k in 0..<16 { for j in 0..<32 { out.append(f(g.colatitudes[k], g.longitudes[j])) } }
                return out
            }
            let one = sht.forward(field { _, _ in 1 })
            XCTAssertEqual(one[0], (4 * Double.pi).squareRoot(), accuracy: 1e-13, "\(kind)")
            let cosine = sht.forward(field { t, _ in cos(t) })
            XCTAssertEqual(cosine[(1 * 8 + 0) * 2], (4 * Double.pi / 3).squareRoot(), accuracy: 1e-13)
            let sinCos = sht.forward(field { t, l in sin(t) * cos(l) })
            XCTAssertEqual(sinCos[(1 * 8 + 1) * 2], -1.4472025091165353, accuracy: 1e-13)
            XCTAssertEqual(sinCos[(1 * 8 + 1) * 2 + 1], 0, accuracy: 1e-13)
            let noPhase = try SphericalHarmonicTransform<Double>(grid: g, lmax: 8, mmax: 8, csPhase: false)
            XCTAssertEqual(noPhase.forward(field { t, l in sin(t) * cos(l) })[(1 * 8 + 1) * 2], 1.4472025091165353, accuracy: 1e-13)
            let fourPi = try SphericalHarmonicTransform<Double>(grid: g, lmax: 8, mmax: 8, normalization: .fourPi)
            XCTAssertEqual(fourPi.forward(field { _, _ in 1 })[0], 4 * .pi, accuracy: 1e-12)
            let schmidt = try SphericalHarmonicTransform<Double>(grid: g, lmax: 8, mmax: 8, normalization: .schmidt)
            XCTAssertEqual(schmidt.forward(field { t, _ in cos(t) })[(1 * 8) * 2], 4 * .pi / 3, accuracy: 1e-12)
            // Y₂₀ ∝ (3cos²θ − 1): only c₂₀ is non-zero, = √(16π/5)/… checked through its closed form.
            let y20 = sht.forward(field { t, _ in (5 / (16 * Double.pi)).squareRoot() * (3 * cos(t) * cos(t) - 1) })
            XCTAssertEqual(y20[(2 * 8) * 2], 1, accuracy: 1e-13)
            XCTAssertEqual(maxAbs(y20) , 1, accuracy: 1e-13)
        }
    }

    /// Ortho table values against closed forms: P̄₁₁ = −√(3/8π) sin θ with CS phase applied outside.
    func testLegendreTableClosedForms() {
        let x = [0.3, -0.7, 0.95]
        let t = legendreTable(mmax: 3, lmax: 3, cosTheta: x)
        for (k, xx) in x.enumerated() {
            let s = (1 - xx * xx).squareRoot()
            XCTAssertEqual(t[(0 * 3 + 0) * 3 + k], 1 / (4 * Double.pi).squareRoot(), accuracy: 1e-15)
            XCTAssertEqual(t[(0 * 3 + 1) * 3 + k], (3 / (4 * Double.pi)).squareRoot() * xx, accuracy: 1e-15)
            XCTAssertEqual(t[(1 * 3 + 1) * 3 + k], (3 / (8 * Double.pi)).squareRoot() * s, accuracy: 1e-15)
            XCTAssertEqual(t[(0 * 3 + 2) * 3 + k], (5 / (16 * Double.pi)).squareRoot() * (3 * xx * xx - 1), accuracy: 1e-15)
            XCTAssertEqual(t[(1 * 3 + 2) * 3 + k], (15 / (8 * Double.pi)).squareRoot() * s * xx, accuracy: 1e-15)
            XCTAssertEqual(t[(2 * 3 + 2) * 3 + k], (15 / (32 * Double.pi)).squareRoot() * s * s, accuracy: 1e-15)
        }
    }

    func roundTripErrors<T: SHTScalar>(_ sht: SphericalHarmonicTransform<T>, algorithm: LegendreAlgorithm) -> (coeff: Double, grid: Double) {
        let c = randomCoefficients(sht)
        let f = sht.inverse(c, algorithm: algorithm)
        let c2 = sht.forward(f, algorithm: algorithm)
        let f2 = sht.inverse(c2, algorithm: algorithm)
        return (maxAbsDifference(c, c2) / maxAbs(c), maxAbsDifference(f, f2) / maxAbs(f))
    }

    func testRoundTripFloat64() throws {
        let cases: [(GridKind, Int, Int)] = [(.legendreGauss, 32, 64), (.legendreGauss, 33, 64), (.legendreGauss, 128, 256),
                                             (.equiangular, 33, 64), (.equiangular, 32, 64), (.equiangular, 129, 256),
                                             (.lobatto, 32, 64), (.lobatto, 65, 128)]
        for (kind, nlat, nlon) in cases {
            let sht = try SphericalHarmonicTransform<Double>(grid: grid(kind, nlat, nlon), planning: .estimate)
            for algorithm in [LegendreAlgorithm.table, .recurrence] {
                let e = roundTripErrors(sht, algorithm: algorithm)
                XCTAssertLessThan(e.coeff, 1e-12, "\(kind) \(nlat)×\(nlon) \(algorithm) lmax \(sht.lmax)")
                XCTAssertLessThan(e.grid, 1e-12, "\(kind) \(nlat)×\(nlon) \(algorithm)")
            }
        }
    }

    /// The large case of the issue: Gauss–Legendre 360×720 at lmax 360, Float64, both paths.
    func testRoundTripLargeGrid() throws {
        let sht = try SphericalHarmonicTransform<Double>(grid: grid(.legendreGauss, 360, 720), planning: .estimate)
        for algorithm in [LegendreAlgorithm.recurrence, .table] {
            let e = roundTripErrors(sht, algorithm: algorithm)
            XCTAssertLessThan(e.coeff, 1e-10, "\(algorithm)")
            XCTAssertLessThan(e.grid, 1e-10, "\(algorithm)")
        }
    }

    func testRoundTripFloat32() throws {
        for (kind, nlat) in [(GridKind.legendreGauss, 64), (.equiangular, 129), (.legendreGauss, 91)] {
            let sht = try SphericalHarmonicTransform<Float>(grid: grid(kind, nlat, 2 * nlat), planning: .estimate)
            for algorithm in [LegendreAlgorithm.table, .recurrence] {
                let e = roundTripErrors(sht, algorithm: algorithm)
                XCTAssertLessThan(e.coeff, 5e-6, "\(kind) \(nlat) \(algorithm)")
                XCTAssertLessThan(e.grid, 5e-6, "\(kind) \(nlat) \(algorithm)")
            }
        }
    }

    /// The round trip fails (as it must) when the band limit exceeds what the quadrature integrates.
    func testRoundTripDetectsAliasing() throws {
        let sht = try SphericalHarmonicTransform<Double>(grid: grid(.equiangular, 32, 64), lmax: 32, planning: .estimate)
        XCTAssertGreaterThan(roundTripErrors(sht, algorithm: .table).coeff, 1e-3)
    }

    func testTableAndRecurrenceAgreeAndBatchEqualsSingle() throws {
        for (kind, nlat) in [(GridKind.legendreGauss, 48), (.equiangular, 49)] {
            let g = grid(kind, nlat, 2 * nlat)
            let sht = try SphericalHarmonicTransform<Float>(grid: g, planning: .estimate)
            let batch = 5
            let c = randomCoefficients(sht, batch: batch, seed: 7)
            let fTable = sht.inverse(c, batch: batch, algorithm: .table)
            let fRec = sht.inverse(c, batch: batch, algorithm: .recurrence)
            XCTAssertLessThan(maxAbsDifference(fTable, fRec) / maxAbs(fTable), 2e-6)
            let cTable = sht.forward(fTable, batch: batch, algorithm: .table)
            let cRec = sht.forward(fTable, batch: batch, algorithm: .recurrence)
            XCTAssertLessThan(maxAbsDifference(cTable, cRec) / maxAbs(cTable), 2e-6)
            // Each member of the batch equals its single-field transform. Determinism contract (B)
            // for the table path: a batch of 5 is a Legendre GEMM of another shape than 1 field,
            // so BLAS may sum it in another order (relative 1e-6 in float32). The recurrence path
            // runs field by field in a fixed order, so it is exact — stricter than the contract.
            let per = sht.gridCount(batch: 1), perC = sht.coefficientCount(batch: 1)
            for b in [0, batch - 1] {
                let single = sht.forward(Array(fTable[b * per..<(b + 1) * per]), batch: 1, algorithm: .table)
                let slice = Array(cTable[b * perC..<(b + 1) * perC])
                XCTAssertLessThanOrEqual(maxAbsDifference(single, slice), 1e-6 * maxAbs(slice))
                let singleR = sht.forward(Array(fTable[b * per..<(b + 1) * per]), batch: 1, algorithm: .recurrence)
                XCTAssertEqual(singleR, Array(cRec[b * perC..<(b + 1) * perC]), "recurrence path is per-field: bitwise")
            }
        }
    }

    /// ∫ f² dΩ = Σ wₘ |cₗₘ|² for the ortho norm.
    func testParseval() throws {
        let g = grid(.legendreGauss, 40, 80)
        let sht = try SphericalHarmonicTransform<Double>(grid: g, planning: .estimate)
        let c = randomCoefficients(sht, seed: 3)
        let f = sht.inverse(c)
        var integral = 0.0
        for k in 0..<g.nlat { for j in 0..<g.nlon { integral += g.cellAreas[k] * f[k * g.nlon + j] * f[k * g.nlon + j] } }
        let spectrum = powerSpectrum(c, lmax: sht.lmax, mmax: sht.mmax)
        XCTAssertEqual(spectrum.reduce(0, +), integral, accuracy: 1e-11 * integral)
    }

    /// Band-limited data moved between grids by forward on one and inverse on another is exact.
    func testResolutionChange() throws {
        let fine = grid(.equiangular, 65, 128), coarse = grid(.legendreGauss, 32, 64)
        let down = try SphericalHarmonicTransform<Double>(grid: fine, lmax: 32, planning: .estimate)
        let up = try SphericalHarmonicTransform<Double>(grid: coarse, lmax: 32, planning: .estimate)
        let c = randomCoefficients(up, seed: 11)
        let onFine = down.inverse(c)
        let onCoarse = up.inverse(down.forward(onFine))
        XCTAssertLessThan(maxAbsDifference(onCoarse, up.inverse(c)) / maxAbs(onCoarse), 1e-12)
    }

    func testInvalidBandLimitThrows() throws {
        XCTAssertThrowsError(try SphericalHarmonicTransform<Double>(grid: grid(.legendreGauss, 8, 8), lmax: 8, mmax: 8))
        XCTAssertThrowsError(try SphericalHarmonicTransform<Double>(grid: grid(.legendreGauss, 8, 16), lmax: 0))
    }
}
