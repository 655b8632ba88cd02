import XCTest
import HensTestSupport
@testable import Spherical

final class QuadratureTests: XCTestCase {
    func testClenshawCurtisGoldenValues() {
        let q5 = Quadrature.clenshawCurtis(5)
        assertClose(q5.nodes, [-1, -0.5.squareRoot(), 0, 0.5.squareRoot(), 1], tolerance: 1e-15)
        assertClose(q5.weights, [1.0 / 15, 8.0 / 15, 12.0 / 15, 8.0 / 15, 1.0 / 15], tolerance: 1e-15)
        let q4 = Quadrature.clenshawCurtis(4)
        assertClose(q4.nodes, [-1, -0.5, 0.5, 1], tolerance: 1e-15)
        assertClose(q4.weights, [1.0 / 9, 8.0 / 9, 8.0 / 9, 1.0 / 9], tolerance: 1e-15)
        XCTAssertEqual(Quadrature.clenshawCurtis(2).weights, [1, 1])
    }

    func testGaussLegendreGoldenValues() {
        let q = Quadrature.legendreGauss(4)
        assertClose(q.nodes, [-0.86113631159405258, -0.33998104358485626, 0.33998104358485626, 0.86113631159405258], tolerance: 1e-15)
        assertClose(q.weights, [0.34785484513745385, 0.65214515486254614, 0.65214515486254614, 0.34785484513745385], tolerance: 1e-15)
    }

    func testLobattoGoldenValues() {
        let q = Quadrature.lobatto(5)
        assertClose(q.nodes, [-1, -(3.0 / 7).squareRoot(), 0, (3.0 / 7).squareRoot(), 1], tolerance: 1e-15)
        assertClose(q.weights, [0.1, 49.0 / 90, 32.0 / 45, 49.0 / 90, 0.1], tolerance: 1e-15)
    }

    /// Each rule integrates monomials exactly up to its degree of exactness.
    func testExactnessDegrees() {
        func integrate(_ q: Quadrature, _ power: Int) -> Double {
            zip(q.nodes, q.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(power)) }
        }
        let cases: [(Quadrature, Int)] = [(.legendreGauss(17), 33), (.lobatto(17), 31), (.clenshawCurtis(17), 16),
                                          (.legendreGauss(361), 721), (.clenshawCurtis(721), 720)]
        for (q, degree) in cases {
            for power in stride(from: 0, through: degree, by: 2) {
                XCTAssertEqual(integrate(q, power), 2 / Double(power + 1), accuracy: 1e-13, "degree \(power)")
            }
            XCTAssertEqual(integrate(q, 1), 0, accuracy: 1e-14)
        }
        // And not beyond: Gauss–Legendre with 3 nodes misses x⁶.
        XCTAssertGreaterThan(abs(integrate(.legendreGauss(3), 6) - 2.0 / 7), 1e-3)
    }

    func testGridLayoutIsNorthFirstAndAreasSumTo4Pi() throws {
        for kind in GridKind.allCases {
            let grid = try SphericalGrid(kind, nlat: 33, nlon: 64)
            XCTAssertEqual(grid.cellAreas.reduce(0, +) * 64, 4 * .pi, accuracy: 1e-12)
            XCTAssertTrue(zip(grid.colatitudes, grid.colatitudes.dropFirst()).allSatisfy { $0 < $1 })
            XCTAssertGreaterThan(grid.latitudesDegrees[0], 0)
        }
        XCTAssertEqual(try SphericalGrid(.equiangular, nlat: 5, nlon: 8).latitudesDegrees[0], 90, accuracy: 1e-12)
        XCTAssertEqual(try SphericalGrid(.legendreGauss, nlat: 64, nlon: 128).defaultBandLimit, 64)
        XCTAssertEqual(try SphericalGrid(.equiangular, nlat: 721, nlon: 1440).defaultBandLimit, 361)
        XCTAssertEqual(try SphericalGrid(.lobatto, nlat: 32, nlon: 64).defaultBandLimit, 31)
        XCTAssertThrowsError(try SphericalGrid(.equiangular, nlat: 1, nlon: 8))
    }
}
