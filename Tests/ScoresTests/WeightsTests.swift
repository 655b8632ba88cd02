import XCTest
@testable import Scores
import Spherical

final class WeightsTests: XCTestCase {
    /// Equiangular rows without poles, north-first: 90 − 180(j + ½)/n.
    private func shiftedLatitudes(_ n: Int) -> [Double] { (0..<n).map { 90 - 180 * (Double($0) + 0.5) / Double(n) } }
    /// Equiangular rows with both poles, north-first.
    private func poleLatitudes(_ n: Int) -> [Double] { (0..<n).map { 90 - 180 * Double($0) / Double(n - 1) } }

    private func areaMeanOfSinSquared(_ latitudes: [Double], _ w: [Double]) -> Double {
        zip(latitudes, w).map { pow(sin($0 * .pi / 180), 2) * $1 }.reduce(0, +) / w.reduce(0, +)
    }

    func testCosAndAreaAgreeWithoutPoles() throws {
        let lat = shiftedLatitudes(32)
        let c = try LatitudeWeighting.cos.rowWeights(latitudes: lat)
        let a = try LatitudeWeighting.area.rowWeights(latitudes: lat)
        for (x, y) in zip(c, a) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        XCTAssertEqual(a.reduce(0, +) / 32, 1, accuracy: 1e-14)
    }

    func testAreaWeightsOn721Rows() throws {
        let lat = poleLatitudes(721)
        let a = try LatitudeWeighting.area.rowWeights(latitudes: lat)
        let c = try LatitudeWeighting.cos.rowWeights(latitudes: lat)
        XCTAssertEqual(a.reduce(0, +), 721, accuracy: 1e-9)
        // Pole cells: (1 − cos 0.125°)/(2/721) ≈ 8.58e-4 (metrics.md §1.5: "8.6e-4").
        XCTAssertEqual(a[0], 8.58e-4, accuracy: 1e-5)
        XCTAssertEqual(a[720], a[0], accuracy: 1e-15)
        XCTAssertEqual(c[0], 0)
        XCTAssertEqual(areaMeanOfSinSquared(lat, a), 0.333334, accuracy: 1e-6)
        XCTAssertEqual(areaMeanOfSinSquared(lat, c), 0.333332, accuracy: 1e-6)
        // South-first input gives the same weights, reversed.
        let reversed = try LatitudeWeighting.area.rowWeights(latitudes: lat.reversed())
        for (x, y) in zip(reversed, a.reversed()) { XCTAssertEqual(x, y, accuracy: 1e-14) }
        // Cell bounds tile the sphere: raw weights sum to 2 ⇒ area of 4π.
        let lat121 = poleLatitudes(121)
        XCTAssertEqual(try LatitudeWeighting.area.rowWeights(latitudes: lat121)[0], 5.2e-3, accuracy: 1e-4)
    }

    func testGaussWeights() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 32, nlon: 64)
        let lat = grid.latitudesDegrees
        let g = try LatitudeWeighting.gauss.rowWeights(latitudes: lat)
        let rule = Quadrature.legendreGauss(32)
        for j in 0..<32 { XCTAssertEqual(g[j], rule.weights[31 - j] * 16, accuracy: 1e-12) }
        XCTAssertEqual(areaMeanOfSinSquared(lat, g), 1.0 / 3, accuracy: 1e-14)
        let south = try LatitudeWeighting.gauss.rowWeights(latitudes: lat.reversed())
        XCTAssertEqual(areaMeanOfSinSquared(lat.reversed(), south), 1.0 / 3, accuracy: 1e-14)
        // Area weights on a Gauss grid are not exact (metrics.md: up to 5.8 % per row).
        let a = try LatitudeWeighting.area.rowWeights(latitudes: lat)
        XCTAssertGreaterThan(zip(a, g).map { abs($0 / $1 - 1) }.max()!, 0.01)
        XCTAssertThrowsError(try LatitudeWeighting.gauss.rowWeights(latitudes: shiftedLatitudes(32))) { error in
            XCTAssertTrue("\(error)".contains("Gauss–Legendre"))
        }
        var nudged = lat
        nudged[3] += 1e-5
        XCTAssertThrowsError(try LatitudeWeighting.gauss.rowWeights(latitudes: nudged))
    }

    func testBadLatitudesThrow() {
        XCTAssertThrowsError(try LatitudeWeighting.cos.rowWeights(latitudes: [10, 20, 15]))
        XCTAssertThrowsError(try LatitudeWeighting.area.rowWeights(latitudes: [91, 0]))
        XCTAssertThrowsError(try LatitudeWeighting.area.rowWeights(latitudes: []))
    }

    func testStandardBandsPartitionTheRows() {
        let lat: [Double] = [90, 60, 30, 20, 19.999, 0, -19.999, -20, -45, -90]
        let nh = LatitudeBand.northernExtratropics.rowMask(latitudes: lat)
        let tr = LatitudeBand.tropics.rowMask(latitudes: lat)
        let sh = LatitudeBand.southernExtratropics.rowMask(latitudes: lat)
        XCTAssertEqual(nh, [true, true, true, true, false, false, false, false, false, false])
        XCTAssertEqual(tr, [false, false, false, false, true, true, true, false, false, false])
        XCTAssertEqual(sh, [false, false, false, false, false, false, false, true, true, true])
        for j in lat.indices { XCTAssertEqual([nh[j], tr[j], sh[j]].filter { $0 }.count, 1) }
        XCTAssertTrue(LatitudeBand.global.rowMask(latitudes: lat).allSatisfy { $0 })
        // A Float32 latitude of 20 read back as Double still counts as on the boundary.
        XCTAssertTrue(LatitudeBand.northernExtratropics.contains(Double(Float(20))))
        let mid = LatitudeBand.midLatitudes.rowMask(latitudes: [61, 60, 45, 30, 29, 0, -30, -45, -60, -61])
        XCTAssertEqual(mid, [false, true, true, true, false, false, true, true, true, false])
        XCTAssertEqual(LatitudeBand.standard.map(\.name), ["global", "nh-extratropics", "tropics", "sh-extratropics"])
    }

    func testBandMaskedWeightsAndMeans() throws {
        let lat = shiftedLatitudes(18) // 85, 75, …, −85
        let nlon = 4
        let w = try LatitudeWeighting.cos.rowWeights(latitudes: lat)
        let masked = LatitudeBand.tropics.maskedWeights(w, latitudes: lat)
        XCTAssertEqual(masked.enumerated().filter { $0.element > 0 }.map(\.offset), [7, 8, 9, 10]) // 15, 5, −5, −15
        // Field = row index, plus NaNs outside the tropics that must not leak in.
        var field = [Double](repeating: .nan, count: 18 * nlon)
        for j in 7...10 { for i in 0..<nlon { field[j * nlon + i] = Double(j) } }
        var numerator = 0.0, denominator = 0.0
        for j in 7...10 {
            numerator += Double(j) * w[j]
            denominator += w[j]
        }
        let expected = numerator / denominator
        XCTAssertEqual(bandMean(field, latitudes: lat, rowWeights: w, band: .tropics), expected, accuracy: 1e-12)
        XCTAssertEqual(weightedMean(field.map(Float.init), rowWeights: masked, nlon: nlon), expected, accuracy: 1e-6)
        XCTAssertTrue(weightedMean(field, rowWeights: w, nlon: nlon).isNaN)
        // Global mean of a constant is the constant.
        XCTAssertEqual(weightedMean([Double](repeating: 2.5, count: 18 * nlon), rowWeights: w, nlon: nlon), 2.5, accuracy: 1e-14)
    }

    func testPointWeightsFollowRowsAcrossTiles() {
        let w = PointWeights.rows([1, 2, 3], nlon: 4, firstPoint: 6)
        XCTAssertEqual((0..<6).map(w.weight), [2, 2, 3, 3, 3, 3])
        XCTAssertEqual(PointWeights.uniform.weight(123), 1)
    }
}
