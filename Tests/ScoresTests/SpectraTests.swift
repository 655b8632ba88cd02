import XCTest
@testable import Scores
import HensCore
import Spherical

final class SpectraTests: XCTestCase {
    func testParsevalOnAGaussGrid() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 32, nlon: 64)
        let synthesis = try SphericalHarmonicTransform<Double>(grid: grid, planning: .estimate)
        let fields = synthesis.inverse(synthesis.randomCoefficients(batch: 3, seed: 17), batch: 3)
        let spectra = try AngularPowerSpectrum(latitudes: grid.latitudesDegrees, nlon: 64)
        XCTAssertEqual(spectra.grid.kind, .legendreGauss)
        XCTAssertEqual(spectra.lmax, 32)
        let all = fields.withUnsafeBufferPointer { spectra.spectra($0, count: 3) }
        let points = 32 * 64
        for b in 0..<3 {
            let field = Array(fields[(b * points)..<((b + 1) * points)])
            let integral = spectra.integralOfSquare(field)
            XCTAssertEqual(all[b].reduce(0, +) / integral, 1, accuracy: 1e-10)
            // Determinism contract (B): one field at a time is a Legendre GEMM of another shape
            // than the batch of 3, so it agrees to rounding only (sums in another order).
            for (x, y) in zip(all[b], spectra.spectrum(field)) { XCTAssertEqual(x, y, accuracy: 1e-12 * all[b].max()!) }
        }
        // South-first rows: the same spectrum (a reflection only flips signs of coefficients).
        var flipped = [Double](repeating: 0, count: points)
        let field = Array(fields[0..<points])
        for k in 0..<32 { for j in 0..<64 { flipped[k * 64 + j] = field[(31 - k) * 64 + j] } }
        let south = try AngularPowerSpectrum(latitudes: grid.latitudesDegrees.reversed(), nlon: 64)
        XCTAssertFalse(south.northFirst)
        XCTAssertEqual(south.integralOfSquare(flipped), spectra.integralOfSquare(field), accuracy: 1e-10)
        for (x, y) in zip(south.spectrum(flipped), all[0]) { XCTAssertEqual(x, y, accuracy: 1e-10 * all[0].max()!) }
        // Float input gives the same spectrum to single precision.
        let single = spectra.spectrum(field.map(Float.init))
        for (x, y) in zip(single, all[0]) { XCTAssertEqual(x, y, accuracy: 1e-5 * all[0].max()!) }
    }

    func testASingleHarmonicPutsAllPowerInItsDegree() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 24, nlon: 48)
        let synthesis = try SphericalHarmonicTransform<Double>(grid: grid, planning: .estimate)
        for (l, m) in [(5, 3), (0, 0), (11, 0), (20, 20)] {
            var c = [Double](repeating: 0, count: synthesis.coefficientCount(batch: 1))
            c[2 * (l * synthesis.mmax + m)] = 0.7
            if m > 0 { c[2 * (l * synthesis.mmax + m) + 1] = -0.4 }
            let field = synthesis.inverse(c)
            let p = try AngularPowerSpectrum(grid: grid).spectrum(field)
            let expected = m == 0 ? 0.49 : 2 * (0.49 + 0.16)
            XCTAssertEqual(p[l], expected, accuracy: 1e-12)
            for (degree, value) in p.enumerated() where degree != l { XCTAssertEqual(value, 0, accuracy: 1e-12) }
        }
    }

    func testGridKindDetection() throws {
        let poles = (0..<19).map { 90 - 10 * Double($0) }
        XCTAssertEqual(try AngularPowerSpectrum.gridKind(latitudes: poles), .equiangular)
        XCTAssertEqual(try AngularPowerSpectrum.gridKind(latitudes: poles.reversed()), .equiangular)
        let gauss = try SphericalGrid(.legendreGauss, nlat: 16, nlon: 32).latitudesDegrees
        XCTAssertEqual(try AngularPowerSpectrum.gridKind(latitudes: gauss), .legendreGauss)
        let lobatto = try SphericalGrid(.lobatto, nlat: 12, nlon: 24).latitudesDegrees
        XCTAssertEqual(try AngularPowerSpectrum.gridKind(latitudes: lobatto), .lobatto)
        let shifted = (0..<18).map { 85 - 10 * Double($0) }
        XCTAssertThrowsError(try AngularPowerSpectrum(latitudes: shifted, nlon: 36)) { error in
            XCTAssertTrue("\(error)".contains("without poles"), "\(error)")
        }
        XCTAssertThrowsError(try AngularPowerSpectrum.gridKind(latitudes: [80, 10, -33])) { error in
            XCTAssertTrue("\(error)".contains("cannot be computed"), "\(error)")
        }
        // An ERA5-like pole grid transforms; Parseval holds up to its quadrature error.
        let era = (0..<37).map { 90 - 5 * Double($0) }
        let spectra = try AngularPowerSpectrum(latitudes: era, nlon: 72)
        XCTAssertEqual(spectra.grid.kind, .equiangular)
        var field = [Double](repeating: 0, count: 37 * 72)
        for k in 0..<37 {
            let phi = era[k] * .pi / 180
            for j in 0..<72 { field[k * 72 + j] = sin(phi) + 0.5 * cos(phi) * cos(2 * Double.pi * Double(j) / 72) }
        }
        let p = spectra.spectrum(field)
        XCTAssertEqual(p.reduce(0, +) / spectra.integralOfSquare(field), 1, accuracy: 1e-8)
    }

    func testZonalParsevalCountsNyquistOnce() throws {
        var rng = SeededGenerator(seed: 4)
        for nlon in [64, 45] {
            let lat = (0..<9).map { 80 - 20 * Double($0) }
            let field = (0..<(9 * nlon)).map { _ in rng.nextNormal() }
            let zonal = try ZonalEnergySpectrum(latitudes: lat, nlon: nlon)
            XCTAssertEqual(zonal.wavenumberCount, nlon / 2 + 1)
            let rows = zonal.rowSpectra(field)
            let compat = try ZonalEnergySpectrum(latitudes: lat, nlon: nlon, wb2NyquistCompat: true).rowSpectra(field)
            for j in 0..<9 {
                let meanSquare = field[(j * nlon)..<((j + 1) * nlon)].map { $0 * $0 }.reduce(0, +) / Double(nlon)
                let s = rows[(j * zonal.wavenumberCount)..<((j + 1) * zonal.wavenumberCount)]
                let c = zonal.circumferences[j]
                XCTAssertEqual(c, 2 * Double.pi * 6_367_500 * cos(lat[j] * .pi / 180), accuracy: 1e-6)
                XCTAssertEqual(s.reduce(0, +) / c, meanSquare, accuracy: 1e-12 * meanSquare)
                let last = (j + 1) * zonal.wavenumberCount - 1
                if nlon % 2 == 0 {
                    // WeatherBench 2 doubles the Nyquist bin.
                    XCTAssertEqual(compat[last], 2 * rows[last], accuracy: 1e-12 * c)
                } else {
                    XCTAssertEqual(compat[last], rows[last], accuracy: 1e-12 * c)
                }
            }
        }
    }

    func testZonalWaveAndBandAverage() throws {
        let lat: [Double] = [75, 60, 45, 30, 15, 0, -15, -30, -45, -60, -75]
        let nlon = 36
        var field = [Float](repeating: 0, count: lat.count * nlon)
        for j in lat.indices {
            for l in 0..<nlon { field[j * nlon + l] = Float(2 + 3 * cos(2 * Double.pi * 5 * Double(l) / Double(nlon) + 0.3)) }
        }
        let zonal = try ZonalEnergySpectrum(latitudes: lat, nlon: nlon)
        // Default band: 30°–60° in both hemispheres (six rows).
        XCTAssertEqual(zonal.bandWeights.enumerated().filter { $0.element > 0 }.map(\.offset), [1, 2, 3, 7, 8, 9])
        XCTAssertEqual(zonal.bandWeights.reduce(0, +), 1, accuracy: 1e-15)
        let band = zonal.bandSpectrum(field)
        let meanC = zip(zonal.bandWeights, zonal.circumferences).map { $0 * $1 }.reduce(0, +)
        XCTAssertEqual(band[0], meanC * 4, accuracy: 1e-4 * meanC)
        XCTAssertEqual(band[5], meanC * 2 * 1.5 * 1.5, accuracy: 1e-4 * meanC)
        for k in band.indices where k != 0 && k != 5 { XCTAssertEqual(band[k], 0, accuracy: 1e-9 * meanC) }
        XCTAssertEqual(zonal.wavelength(row: 2, wavenumber: 5), zonal.circumferences[2] / 5)
        XCTAssertThrowsError(try ZonalEnergySpectrum(latitudes: [10, 0, -10], nlon: 8))
        // Pole rows have no circumference and no energy.
        let poles = try ZonalEnergySpectrum(latitudes: [90, 45, 0, -45, -90], nlon: 8, band: .global)
        XCTAssertEqual(poles.rowSpectra([Double](repeating: 1, count: 40))[0], 0)
    }
}
