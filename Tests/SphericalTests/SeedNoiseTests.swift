import XCTest
import HensCore
@testable import Spherical


final class SeedNoiseTests: XCTestCase {
    private let radius = 6.371e6

    func testGridPointStdAndCorrelationLength() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 64, nlon: 128)
        let length = 1.2e6, sigma = 2.5
        let noise = try SeedNoise(grid: grid, lengthScale: length, sigma: sigma)
        let draws = (0..<24).map { noise.draw(seed: SplitMix64.mix(UInt64($0))) }
        let lats = grid.latitudesDegrees.map { $0 * .pi / 180 }
        let areas = grid.cellAreas
        // Area-weighted grid-point variance, pooled over draws: the field is isotropic, so every
        // point should have variance σ².
        var sum = 0.0
        for d in draws {
            for row in 0..<grid.nlat {
                for j in 0..<grid.nlon { sum += areas[row] * Double(d[row * grid.nlon + j] * d[row * grid.nlon + j]) }
            }
        }
        let std = (sum / (4 * .pi * Double(draws.count))).squareRoot()
        XCTAssertEqual(std, sigma, accuracy: 0.06 * sigma)

        // Correlation along rows within 30° of the equator, pooled per longitude lag; each lag
        // gives an estimate L = d / √(−2 ln ρ) from the model correlation exp(−d²/2L²).
        var estimates: [Double] = []
        for lag in 1...8 {
            var cross = 0.0, square = 0.0, distance = 0.0, rows = 0.0
            for row in 0..<grid.nlat where abs(lats[row]) < .pi / 6 {
                for d in draws {
                    for j in 0..<grid.nlon {
                        let a = Double(d[row * grid.nlon + j]), b = Double(d[row * grid.nlon + (j + lag) % grid.nlon])
                        cross += a * b; square += a * a
                    }
                }
                let dl = 2 * Double.pi * Double(lag) / Double(grid.nlon)
                distance += radius * acos(sin(lats[row]) * sin(lats[row]) + cos(lats[row]) * cos(lats[row]) * cos(dl))
                rows += 1
            }
            let rho = cross / square
            if rho > 0.2 && rho < 0.95 { estimates.append(distance / rows / (-2 * log(rho)).squareRoot()) }
        }
        XCTAssertGreaterThanOrEqual(estimates.count, 2)
        let estimate = estimates.reduce(0, +) / Double(estimates.count)
        XCTAssertEqual(estimate, length, accuracy: 0.12 * length, "correlation length estimates \(estimates)")
    }

    func testDrawsAreReproducibleAndIndependent() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 33, nlon: 64)
        let noise = try SeedNoise(grid: grid, lengthScale: 8e5)
        let a = noise.draw(seed: 5), b = noise.draw(seed: 5), c = noise.draw(seed: 6)
        XCTAssertEqual(a, b)
        let dot = zip(a, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norm = (a.reduce(0.0) { $0 + Double($1 * $1) } * c.reduce(0.0) { $0 + Double($1 * $1) }).squareRoot()
        XCTAssertLessThan(abs(dot / norm), 0.3, "different seeds should be nearly uncorrelated")
        // No l = 0 term: the area-weighted mean vanishes (to Float32 rounding).
        let areas = grid.cellAreas
        let mean = a.enumerated().reduce(0.0) { $0 + areas[$1.offset / grid.nlon] * Double($1.element) } / (4 * .pi)
        XCTAssertEqual(mean, 0, accuracy: 1e-5)
    }

    func testDrawStateSeedsOnlyTheRequestedChannels() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 17, nlon: 32)
        let noise = try SeedNoise(grid: grid, lengthScale: 1e6)
        let n = noise.pointCount
        var state = [Float](repeating: 9, count: 3 * n)
        state.withUnsafeMutableBufferPointer { noise.drawState(seed: 11, amplitudes: [0, 39.3, 0], into: $0.baseAddress!) }
        XCTAssertTrue(state[0..<n].allSatisfy { $0 == 0 })
        XCTAssertTrue(state[(2 * n)...].allSatisfy { $0 == 0 })
        XCTAssertEqual(Array(state[n..<(2 * n)]), noise.draw(seed: SplitMix64.mix(11 ^ 1), amplitude: Double(Float(39.3))))
        XCTAssertThrowsError(try SeedNoise(grid: grid, lengthScale: 0))
    }
}
