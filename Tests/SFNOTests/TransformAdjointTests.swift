import Spherical
import XCTest
@testable import SFNO

/// Dot-product tests of the SHT adjoints (sfno.md §7): ⟨A c, g⟩ = ⟨c, Aᵀ g⟩ and
/// ⟨F f, c⟩ = ⟨f, Fᵀ c⟩ in Float64, for random c over *every* stored coefficient (including the
/// imaginary parts of m = 0 and the entries m > l, which the transforms ignore).
final class TransformAdjointTests: SFNOTestCase {
    private func check(_ kind: GridKind, nlat: Int, nlon: Int, lmax: Int, mmax: Int,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let grid = try SphericalGrid(kind, nlat: nlat, nlon: nlon)
        let t = try GridTransform<Double>(grid: grid, modes: TriangularModes(lmax: lmax, mmax: mmax), planning: .estimate)
        let fields = 3
        let gridCount = fields * t.points, coefficientCount = t.coefficientCount(fields: fields)
        var c: [Double] = randomValues(coefficientCount, seed: 1)
        var g: [Double] = randomValues(gridCount, seed: 2)
        var f: [Double] = randomValues(gridCount, seed: 3)
        var out = [Double](repeating: 0, count: gridCount)
        var coefficientOut = [Double](repeating: 0, count: coefficientCount)
        var scratch = [Double](repeating: 0, count: t.scratchCount(fields: fields))

        // Inverse: ⟨A c, g⟩ vs ⟨c, Aᵀ g⟩.
        c.withPointer { cp in out.withPointer { o in scratch.withPointer { t.inverse(cp, into: o, count: fields, scratch: $0) } } }
        g.withPointer { gp in
            coefficientOut.withPointer { co in
                scratch.withPointer { t.inverseAdjoint(gp, into: co, count: fields, scratch: $0) }
            }
        }
        let lhsA = dot(out, g), rhsA = dot(c, coefficientOut)
        XCTAssertEqual(lhsA, rhsA, accuracy: 1e-12 * max(1, abs(lhsA)), "inverse adjoint on \(grid.label)", file: file, line: line)

        // Forward: ⟨F f, c⟩ vs ⟨f, Fᵀ c⟩.
        f.withPointer { fp in coefficientOut.withPointer { co in scratch.withPointer { t.forward(fp, into: co, count: fields, scratch: $0) } } }
        c.withPointer { cp in
            out.withPointer { o in
                scratch.withPointer { t.forwardAdjoint(cp, into: o, count: fields, scratch: $0) }
            }
        }
        let lhsF = dot(coefficientOut, c), rhsF = dot(f, out)
        XCTAssertEqual(lhsF, rhsF, accuracy: 1e-12 * max(1, abs(lhsF)), "forward adjoint on \(grid.label)", file: file, line: line)
    }

    func testGaussLegendre() throws {
        try check(.legendreGauss, nlat: 8, nlon: 16, lmax: 8, mmax: 8)
        try check(.legendreGauss, nlat: 7, nlon: 16, lmax: 6, mmax: 5)
    }

    /// Clenshaw–Curtis with both poles: the pole weights (1/((n−1)² − 1) for odd n) are small
    /// but not zero, so dividing by them in Aᵀ = w ⊙ F(· ⊘ Q) is safe.
    func testEquiangularWithPoles() throws {
        try check(.equiangular, nlat: 9, nlon: 16, lmax: 4, mmax: 4)
        try check(.equiangular, nlat: 17, nlon: 32, lmax: 8, mmax: 8)
        try check(.equiangular, nlat: 16, nlon: 32, lmax: 8, mmax: 6)
    }

    func testLobatto() throws {
        try check(.lobatto, nlat: 9, nlon: 16, lmax: 8, mmax: 8)
    }

    /// mmax = nlon/2 + 1 reaches the Nyquist order, whose inverse weight is 1, not 2.
    func testNyquistOrder() throws {
        try check(.legendreGauss, nlat: 6, nlon: 8, lmax: 6, mmax: 5)
    }

    /// A wrong order weight must be caught: doubling m = 0 breaks the identity.
    func testDetectsAWrongAdjoint() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 8, nlon: 16)
        let modes = TriangularModes(lmax: 8, mmax: 8)
        let t = try GridTransform<Double>(grid: grid, modes: modes, planning: .estimate)
        var c: [Double] = randomValues(t.coefficientCount(fields: 1), seed: 5)
        var g: [Double] = randomValues(t.points, seed: 6)
        var out = [Double](repeating: 0, count: t.points)
        var adj = [Double](repeating: 0, count: t.coefficientCount(fields: 1))
        var scratch = [Double](repeating: 0, count: t.scratchCount(fields: 1))
        c.withPointer { cp in out.withPointer { o in scratch.withPointer { t.inverse(cp, into: o, count: 1, scratch: $0) } } }
        g.withPointer { gp in adj.withPointer { a in scratch.withPointer { t.inverseAdjoint(gp, into: a, count: 1, scratch: $0) } } }
        for l in 0..<8 { adj[2 * modes.row(l: l, m: 0)] *= 2 } // the mistake: treat m = 0 like m > 0
        XCTAssertGreaterThan(abs(dot(out, g) - dot(c, adj)), 1e-6)
    }
}

/// The SFNO's transform against the general `SphericalHarmonicTransform` (same conventions,
/// different layout and implementation), in Float64.
final class GridTransformTests: SFNOTestCase {
    func testMatchesSphericalHarmonicTransform() throws {
        for (kind, nlat, nlon, lmax, mmax) in [(GridKind.equiangular, 17, 32, 8, 8), (.legendreGauss, 9, 16, 8, 8),
                                               (.legendreGauss, 12, 24, 12, 9), (.lobatto, 10, 20, 9, 9), (.legendreGauss, 6, 8, 6, 5)] {
            let grid = try SphericalGrid(kind, nlat: nlat, nlon: nlon)
            let modes = TriangularModes(lmax: lmax, mmax: mmax)
            let mine = try GridTransform<Double>(grid: grid, modes: modes, planning: .estimate)
            let reference = try SphericalHarmonicTransform<Double>(grid: grid, lmax: lmax, mmax: mmax)
            let fields = 2
            let dense = reference.randomCoefficients(batch: fields, seed: 9)
            // Dense [f][l][m] → order-major rows of `fields` complex numbers.
            var packed = [Double](repeating: 0, count: mine.coefficientCount(fields: fields))
            for f in 0..<fields { for m in 0..<mmax { for l in m..<lmax { for c in 0..<2 {
                packed[(modes.row(l: l, m: m) * fields + f) * 2 + c] = dense[((f * lmax + l) * mmax + m) * 2 + c]
            } } } }
            var scratch = [Double](repeating: 0, count: mine.scratchCount(fields: fields))
            var synthesized = [Double](repeating: 0, count: fields * mine.points)
            packed.withPointer { c in synthesized.withPointer { o in scratch.withPointer { mine.inverse(c, into: o, count: fields, scratch: $0) } } }
            let expected = reference.inverse(dense, batch: fields)
            let scale = expected.map(abs).max()!
            for i in expected.indices { XCTAssertEqual(synthesized[i], expected[i], accuracy: 1e-12 * scale, grid.label) }
            var analysed = [Double](repeating: 0, count: packed.count)
            synthesized.withPointer { s in analysed.withPointer { o in scratch.withPointer { mine.forward(s, into: o, count: fields, scratch: $0) } } }
            let reanalysed = reference.forward(expected, batch: fields)
            for f in 0..<fields { for m in 0..<mmax { for l in m..<lmax { for c in 0..<2 {
                XCTAssertEqual(analysed[(modes.row(l: l, m: m) * fields + f) * 2 + c],
                               reanalysed[((f * lmax + l) * mmax + m) * 2 + c], accuracy: 1e-12 * scale, "\(grid.label) l \(l) m \(m)")
            } } } }
        }
    }
}
