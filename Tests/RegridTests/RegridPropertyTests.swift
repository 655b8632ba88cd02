import Foundation
import XCTest
import HensCore
import Spherical
@testable import Regrid

/// Properties every map must have, on grids like the real inputs (poles or not, offset
/// longitudes, Gaussian rows) and the model grids.
final class RegridPropertyTests: XCTestCase {
    /// Sources: 3° with poles, 2.5° NCEP-like with poles (73×144), a 2° grid offset by half a cell
    /// in both directions (no pole rows, longitudes from 1°), and Gaussian F16 rows.
    private var sources: [SourceGrid] {
        [Golden.eq3, try! SourceGrid.regular(nlat: 73, nlon: 144),
         try! SourceGrid(latitudes: (0..<90).map { 89 - 2 * Double($0) }, longitudes: (0..<180).map { 1 + 2 * Double($0) }),
         SourceGrid(Golden.f16)]
    }
    private var targets: [SphericalGrid] {
        [Golden.eq6, Golden.f16, try! SphericalGrid(.legendreGauss, nlat: 48, nlon: 96),
         try! SphericalGrid(.equiangular, nlat: 91, nlon: 180)]
    }

    func testConstantsStayConstant() throws {
        for source in sources {
            for target in targets {
                for method in [RegridMethod.bilinear, .conservative] {
                    let out = try Regridder(from: source, to: target, method: method)
                        .apply([Float](repeating: 3.75, count: source.count))
                    let worst = out.map { abs($0 - 3.75) }.max()!
                    XCTAssertLessThan(worst, 1e-6, "\(method) \(source.label) → \(target.label)")
                }
            }
        }
        let spectral = try Regridder(from: SourceGrid(try SphericalGrid(.equiangular, nlat: 33, nlon: 64)),
                                     to: Golden.f16, method: .spectral)
        let out = spectral.apply([Float](repeating: 3.75, count: 33 * 64))
        XCTAssertLessThan(out.map { abs($0 - 3.75) }.max()!, 1e-5)
    }

    /// Σ area · value over the target equals the same over the source (both cover the sphere),
    /// with the cells' exact areas Δλ (sin φ₁ − sin φ₂).
    func testConservativePreservesTheAreaIntegral() throws {
        for source in sources {
            let field = Golden.values(on: source)
            let sourceAreas = source.cellEdges.rowCellAreas
            var sourceIntegral = 0.0
            for k in 0..<source.nlat { for j in 0..<source.nlon { sourceIntegral += sourceAreas[k] * field[k * source.nlon + j] } }
            for target in targets {
                let regridder = try Regridder(from: source, to: target, method: .conservative)
                let areas = CellEdges(target: target).rowCellAreas
                XCTAssertEqual(areas.reduce(0, +) * Double(target.nlon), 4 * .pi, accuracy: 1e-12)
                let check = { (values: [Double], what: String, tolerance: Double) in
                    var integral = 0.0
                    for k in 0..<target.nlat { for j in 0..<target.nlon { integral += areas[k] * values[k * target.nlon + j] } }
                    let relative = abs(integral - sourceIntegral) / abs(sourceIntegral)
                    XCTAssertLessThan(relative, tolerance, "\(what) \(source.label) → \(target.label)")
                }
                check(applyInDouble(regridder.weights!, field), "Float64", 1e-12)
                check(regridder.apply(field.map(Float.init)).map(Double.init), "Float32", 1e-6)
            }
        }
    }

    /// Bilinear interpolation in (lat, lon) reproduces a + b·lat + c·lon wherever the four
    /// corners do not straddle the seam and the point lies within the source rows.
    func testBilinearIsExactForLinearFields() throws {
        for source in sources {
            let field = source.latitudes.flatMap { lat in source.longitudes.map { lon in Float(1 + 0.02 * lat - 0.01 * lon) } }
            for target in targets {
                let out = try Regridder(from: source, to: target, method: .bilinear).apply(field)
                var checked = 0
                for (k, lat) in modelLatitudes(target).enumerated() where lat <= source.latitudes[0] && lat >= source.latitudes.last! {
                    for (j, lon) in target.longitudesDegrees.enumerated() where lon >= source.longitudes[0] && lon <= source.longitudes.last! {
                        XCTAssertEqual(Double(out[k * target.nlon + j]), 1 + 0.02 * lat - 0.01 * lon, accuracy: 2e-6,
                                       "\(source.label) → \(target.label) at (\(lat), \(lon))")
                        checked += 1
                    }
                }
                XCTAssertGreaterThan(checked, target.nlat * target.nlon / 2)
            }
        }
    }

    /// Across 0°/360° both methods use the last and first source columns as neighbours.
    func testPeriodicAcrossTheSeam() throws {
        let source = Golden.eq3
        // A field that only the last column (357°) carries.
        var lastColumn = [Float](repeating: 0, count: source.count)
        for k in 0..<source.nlat { lastColumn[k * source.nlon + source.nlon - 1] = 1 }
        // Conservative: the 6° cell centred on 0° spans [−3°, 3°]: a quarter of it is in the 357° cell.
        let con = try Regridder(from: source, to: Golden.eq6, method: .conservative).apply(lastColumn)
        let equator = 15 * 60
        XCTAssertEqual(con[equator], 0.25, accuracy: 1e-7)
        XCTAssertEqual(con[equator + 59], 0.25, accuracy: 1e-7) // 354°: [351°, 357°] takes half of [355.5°, 358.5°]
        XCTAssertEqual(con[equator + 1], 0, accuracy: 1e-7)
        // Bilinear: a target at 358.5° lies halfway between 357° and 0° (= 360°).
        let target = try SphericalGrid(.equiangular, nlat: 31, nlon: 240) // 1.5° columns: 358.5° is the last
        let bil = try Regridder(from: source, to: target, method: .bilinear).apply(lastColumn)
        XCTAssertEqual(bil[15 * 240 + 239], 0.5, accuracy: 1e-7)
        XCTAssertEqual(bil[15 * 240 + 0], 0, accuracy: 1e-7)
        // A smooth periodic field is continuous across the seam.
        let wave = source.latitudes.flatMap { _ in source.longitudes.map { Float(cos($0 * .pi / 180)) } }
        let smooth = try Regridder(from: source, to: target, method: .bilinear).apply(wave)
        XCTAssertEqual(smooth[15 * 240 + 239], Float((cos(357 * Double.pi / 180) + 1) / 2), accuracy: 1e-6)
        // Shifting the source by whole columns shifts the regridded field by the same angle.
        let shifted = source.latitudes.flatMap { _ in source.longitudes.map { Float(cos(($0 + 90) * .pi / 180)) } }
        let smoothShifted = try Regridder(from: source, to: target, method: .bilinear).apply(shifted)
        for j in 0..<240 { XCTAssertEqual(smoothShifted[15 * 240 + j], smooth[15 * 240 + (j + 60) % 240], accuracy: 1e-6) }
    }

    /// Polynomials of degree ≤ 6 in (x, y, z) are band-limited to l ≤ 6: the spectral map is exact.
    func testSpectralIsExactForBandLimitedFields() throws {
        func f(_ lat: Double, _ lon: Double) -> Double {
            let phi = lat * .pi / 180, lambda = lon * .pi / 180
            let x = cos(phi) * cos(lambda), y = cos(phi) * sin(lambda), z = sin(phi)
            return 1 + z - 0.5 * x * y + 0.8 * z * z * z + 0.3 * x * x * z + 0.2 * pow(y, 5) * z - 0.4 * x * x * x * x * y * y
        }
        let pairs: [(SphericalGrid, SphericalGrid)] = [
            (try SphericalGrid(.equiangular, nlat: 33, nlon: 64), Golden.f16),
            (Golden.f16, try SphericalGrid(.equiangular, nlat: 25, nlon: 48)),
            (try SphericalGrid(.legendreGauss, nlat: 24, nlon: 48), try SphericalGrid(.legendreGauss, nlat: 48, nlon: 96)),
        ]
        for (from, to) in pairs {
            let source = SourceGrid(from)
            let field = source.latitudes.flatMap { lat in source.longitudes.map { Float(f(lat, $0)) } }
            let regridder = try Regridder(from: source, to: to, method: .spectral)
            XCTAssertNil(regridder.weights)
            XCTAssertEqual(regridder.bandLimit, min(from.defaultBandLimit, to.defaultBandLimit))
            let out = regridder.apply(field)
            var worst = 0.0
            for (k, lat) in to.latitudesDegrees.enumerated() {
                for (j, lon) in to.longitudesDegrees.enumerated() { worst = max(worst, abs(Double(out[k * to.nlon + j]) - f(lat, lon))) }
            }
            XCTAssertLessThan(worst, 2e-5, "\(from.label) → \(to.label)")
        }
    }

    func testSpectralRejectsGridsTheTransformDoesNotSupport() {
        let offset = sources[2]
        XCTAssertThrowsError(try Regridder(from: offset, to: Golden.f16, method: .spectral)) { error in
            let e = error as? HensError
            XCTAssertEqual(e?.kind, .invalidArgument)
            XCTAssertTrue(e?.message.hasPrefix("regrid: spectral needs a source grid the SHT supports") ?? false, "\(error)")
        }
        // The 2.5° grid has poles but 73 rows: an equiangular grid, so it is supported.
        XCTAssertNoThrow(try Regridder(from: sources[1], to: Golden.f16, method: .spectral))
    }

    /// NaN source values are skipped and the rest renormalised; NaN where nothing valid remains.
    func testMissingValues() throws {
        let source = Golden.eq3, target = Golden.eq6
        var field = [Float](repeating: 2, count: source.count)
        // One missing point at (3°N, 3°E): inside the conservative cells centred on (0°, 0°) and
        // (6°N, 6°E); every 6° target coincides with a source point, so bilinear never uses it.
        let row = 29, column = 1
        field[row * source.nlon + column] = .nan
        // A block of missing values larger than a 6° cell: 12°N…24°N, 30°E…42°E (rows 22…26, columns 10…14).
        for k in 22...26 { for j in 10...14 { field[k * source.nlon + j] = .nan } }
        for method in [RegridMethod.bilinear, .conservative] {
            let regridder = try Regridder(from: source, to: target, method: method)
            let out = regridder.apply(field)
            // Valid contributions are all 2: renormalisation keeps every non-NaN value exactly 2.
            for (t, v) in out.enumerated() where !v.isNaN { XCTAssertEqual(v, 2, accuracy: 1e-6, "\(method) point \(t)") }
            // The target at (18°N, 36°E) sees only missing values.
            XCTAssertTrue(out[12 * 60 + 6].isNaN, "\(method)")
            // Its neighbours outside the block keep values.
            XCTAssertFalse(out[12 * 60 + 4].isNaN, "\(method)")
            XCTAssertFalse(out[15 * 60 + 0].isNaN, "\(method)")
        }
        // Renormalisation is a weighted mean of the valid values: with a varying field, the value
        // next to the missing point equals the mean over the remaining weights.
        let varying = Golden.values(on: source).map(Float.init)
        var holed = varying
        holed[row * source.nlon + column] = .nan
        let regridder = try Regridder(from: source, to: target, method: .conservative)
        let out = regridder.apply(holed)
        let (index, weight) = regridder.weights!.row(15 * 60 + 0)
        var sum = 0.0, total = 0.0
        for (i, w) in zip(index, weight) where Int(i) != row * source.nlon + column {
            sum += w * Double(varying[Int(i)])
            total += w
        }
        XCTAssertLessThan(total, 0.99) // the missing point carried weight
        XCTAssertEqual(Double(out[15 * 60 + 0]), sum / total, accuracy: 1e-6)
        XCTAssertNotEqual(out[15 * 60 + 0], regridder.apply(varying)[15 * 60 + 0])

        // Bilinear: the 1.5° target at (1.5°N, 1.5°E) is the centre of the box (0…3°N, 0…3°E);
        // without its (3°N, 3°E) corner it is the mean of the other three.
        let fine = try SphericalGrid(.equiangular, nlat: 121, nlon: 240)
        let bil = try Regridder(from: source, to: fine, method: .bilinear).apply(holed)
        let corners = [(29, 0), (30, 0), (30, 1)].map { Double(varying[$0.0 * source.nlon + $0.1]) }
        XCTAssertEqual(Double(bil[59 * 240 + 1]), corners.reduce(0, +) / 3, accuracy: 1e-6)
    }

    /// The batched call equals one call per field: exactly for the sparse methods, to float32
    /// rounding for the spectral one.
    func testBatchedApplyEqualsSingleFields() throws {
        let source = Golden.eq3
        let base = Golden.values(on: source).map(Float.init)
        let batch = 3
        let fields = (0..<batch).flatMap { b in base.map { $0 * Float(b + 1) - Float(b) } }
        for method in RegridMethod.allCases {
            let src = method == .spectral ? SourceGrid(try SphericalGrid(.equiangular, nlat: 61, nlon: 120)) : source
            let regridder = try Regridder(from: src, to: Golden.f16, method: method)
            let together = regridder.apply(fields, batch: batch)
            let n = Golden.f16.nlat * Golden.f16.nlon
            for b in 0..<batch {
                let alone = regridder.apply(Array(fields[(b * source.count)..<((b + 1) * source.count)]))
                let batched = Array(together[(b * n)..<((b + 1) * n)])
                if method == .spectral {
                    // Determinism contract (B): the spectral regrid of 3 fields is a Legendre GEMM
                    // and FFT plan of another shape than that of 1 field, and BLAS kernels
                    // (e.g. OPENBLAS_CORETYPE=Prescott) may block and sum it in another order,
                    // so only float32 rounding agreement is promised: relative 1e-5 of the field.
                    let scale = alone.map(abs).max()!
                    for (x, y) in zip(batched, alone) {
                        XCTAssertEqual(x, y, accuracy: 1e-5 * scale, "\(method) field \(b)")
                    }
                } else {
                    // Sparse weights: every field is summed point by point in the same order
                    // whatever the batch (no GEMM), so batching is exact — stricter than (B).
                    XCTAssertEqual(batched, alone, "\(method) field \(b)")
                }
            }
        }
    }

    func testAutomaticMethod() throws {
        XCTAssertEqual(RegridMethod.automatic(from: try .regular(nlat: 721, nlon: 1440), to: Golden.f16), .conservative)
        XCTAssertEqual(RegridMethod.automatic(from: try .regular(nlat: 73, nlon: 144), to: try SphericalGrid(.legendreGauss, nlat: 360, nlon: 720)), .bilinear)
        XCTAssertEqual(try Regridder(from: Golden.eq3, to: Golden.eq6).method, .conservative)
    }
}
