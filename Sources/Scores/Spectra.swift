import NumericsBackend
import Foundation
import HensCore
import Spherical

/// Spherical-harmonic angular power spectrum P(l) = |a_l0|² + 2 Σ_{m≥1} |a_lm|² of fields on one
/// grid (docs/formulas.md#spectra; makani / torch-harmonics convention).
///
/// The coefficients are Spherical's orthonormal (`.ortho`, ∫|Y_lm|² dΩ = 1) forward transform
/// with the Condon–Shortley phase, so Σ_l P(l) = ∫ f² dΩ = 4π · (area mean of f²) for a field
/// band-limited below `lmax` (Parseval; exact when the grid's quadrature integrates f² exactly).
/// The transform is built once per grid, in double precision, with FFTW_ESTIMATE plans so that
/// output does not depend on timing; it is safe to call from several threads.
///
/// Grids: the rows must be one of Spherical's grid kinds — Gauss–Legendre (SWE data),
/// equiangular *with* both poles (ERA5 721 × 1440) or Gauss–Lobatto — in either row order; the
/// columns must be nlon equally spaced longitudes over the full circle (the starting longitude
/// only changes phases, not P(l)). Equiangular grids *without* poles (WeatherBench 2's 64 × 32,
/// 240 × 121 shifted) have no quadrature here and are rejected.
public final class AngularPowerSpectrum: @unchecked Sendable {  // unchecked: immutable after init; its transform is thread-safe
    /// The grid the transform runs on (rows north → south).
    public let grid: SphericalGrid
    /// Whether the caller's rows run north → south (otherwise they are flipped before transforming).
    public let northFirst: Bool
    /// Exclusive degree bound: spectra have `lmax` entries, l = 0…lmax − 1.
    public var lmax: Int { transform.lmax }
    /// Fields transformed together (bounds the scratch memory: batchSize · nlat · nlon doubles).
    public let batchSize: Int
    private let transform: SphericalHarmonicTransform<Double>

    /// Builds the transform for rows at `latitudes` (degrees, north- or south-first) and `nlon`
    /// equally spaced longitudes.
    /// - Parameters:
    ///   - lmax: exclusive degree bound; default: the grid's natural band limit
    ///     (nlat for Gauss–Legendre, (nlat + 1)/2 for equiangular, clamped to nlon/2 + 1).
    ///   - batchSize: fields per transform call.
    /// - Throws: when the latitudes match no transformable grid kind (see the type's notes), or
    ///   when `lmax` does not fit the grid.
    public convenience init(latitudes: [Double], nlon: Int, lmax: Int? = nil, batchSize: Int = 8) throws {
        let kind = try Self.gridKind(latitudes: latitudes)
        let grid = try SphericalGrid(kind, nlat: latitudes.count, nlon: nlon)
        try self.init(grid: grid, northFirst: latitudes.count < 2 || latitudes[0] > latitudes[1], lmax: lmax, batchSize: batchSize)
    }

    /// Builds the transform for a known grid.
    /// - Parameters:
    ///   - grid: Spherical's grid description.
    ///   - northFirst: whether the fields' rows run north → south, as `grid`'s do (default);
    ///     false flips them first.
    ///   - lmax: exclusive degree bound (default: the grid's natural band limit).
    ///   - batchSize: fields per transform call.
    public init(grid: SphericalGrid, northFirst: Bool = true, lmax: Int? = nil, batchSize: Int = 8) throws {
        self.grid = grid
        self.northFirst = northFirst
        self.batchSize = max(1, batchSize)
        transform = try SphericalHarmonicTransform<Double>(grid: grid, lmax: lmax, mmax: lmax, normalization: .ortho,
                                                           csPhase: true, planning: .estimate)
    }

    /// Which Spherical grid kind rows at `latitudes` (degrees, either order) are.
    ///
    /// Tries Gauss–Legendre, equiangular with poles and Gauss–Lobatto nodes, each to 1e-6°.
    /// - Throws: for equiangular rows without poles (named as such) and any other layout.
    public static func gridKind(latitudes: [Double]) throws -> GridKind {
        try checkRowLatitudes(latitudes)
        let n = latitudes.count
        let descending = latitudes.count < 2 || latitudes[0] > latitudes[1]
        let northFirst = descending ? latitudes : latitudes.reversed()
        func matches(_ kind: GridKind) -> Bool {
            guard let grid = try? SphericalGrid(kind, nlat: n, nlon: 1) else { return false }
            return zip(grid.latitudesDegrees, northFirst).allSatisfy { abs($0 - $1) <= 1e-6 }
        }
        for kind in [GridKind.legendreGauss, .equiangular, .lobatto] where matches(kind) { return kind }
        let step = 180 / Double(n)
        let shifted = (0..<n).allSatisfy { abs(northFirst[$0] - (90 - step * (Double($0) + 0.5))) <= 1e-6 }
        if shifted {
            throw HensError.invalid("latitudes", "\(n) equiangular rows without poles have no spherical-harmonic quadrature in hens; "
                                    + "regrid to a Gauss–Legendre or pole-including grid for the angular spectrum, or use the zonal spectrum")
        }
        throw HensError.invalid("latitudes", "the \(n) rows are neither Gauss–Legendre, equiangular with poles nor Gauss–Lobatto "
                                + "latitudes (to 1e-6°); the angular spectrum cannot be computed on this grid")
    }

    /// Power spectra of `count` fields stored one after another, each nlat × nlon row-major in
    /// the caller's row order. Fields are transformed `batchSize` at a time; the result is
    /// deterministic for given inputs and batch size, but a field's spectrum can differ in the
    /// last bits (≈1e-15 relative) with the batch it was transformed in (BLAS summation order).
    /// - Returns: `count` spectra of `lmax` values each (units: field unit² · sr).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func spectra<T: BinaryFloatingPoint>(_ fields: UnsafeBufferPointer<T>, count: Int) -> [[Double]] {
        let points = grid.nlat * grid.nlon
        precondition(fields.count == count * points, "AngularPowerSpectrum.spectra: \(fields.count) values for \(count) fields of \(grid.label)")
        var result: [[Double]] = []
        result.reserveCapacity(count)
        var scratch = [Double](repeating: 0, count: batchSize * points)
        var start = 0
        while start < count {
            let batch = min(batchSize, count - start)
            // Copy into double precision, flipping south-first rows to the transform's north-first order.
            for b in 0..<batch {
                let source = (start + b) * points
                for k in 0..<grid.nlat {
                    let row = northFirst ? k : grid.nlat - 1 - k
                    for j in 0..<grid.nlon { scratch[b * points + k * grid.nlon + j] = Double(fields[source + row * grid.nlon + j]) }
                }
            }
            let coefficients = scratch.withUnsafeBufferPointer { s -> [Double] in
                var c = [Double](repeating: 0, count: transform.coefficientCount(batch: batch))
                c.withUnsafeMutableBufferPointer { transform.forward(s.baseAddress!, into: $0.baseAddress!, batch: batch) }
                return c
            }
            let per = transform.coefficientCount(batch: 1)
            for b in 0..<batch {
                result.append(powerSpectrum(Array(coefficients[(b * per)..<((b + 1) * per)]), lmax: transform.lmax, mmax: transform.mmax))
            }
            start += batch
        }
        return result
    }

    /// The power spectrum of one field (nlat × nlon, caller's row order).
    public func spectrum<T: BinaryFloatingPoint>(_ field: [T]) -> [Double] {
        field.withUnsafeBufferPointer { spectra($0, count: 1)[0] }
    }

    /// ∫ f² dΩ by the grid's own quadrature (the right-hand side of Parseval's identity).
    public func integralOfSquare<T: BinaryFloatingPoint>(_ field: [T]) -> Double {
        precondition(field.count == grid.nlat * grid.nlon, "AngularPowerSpectrum.integralOfSquare: expected \(grid.nlat * grid.nlon) values")
        let areas = grid.cellAreas
        var total = 0.0
        for k in 0..<grid.nlat {
            let row = northFirst ? k : grid.nlat - 1 - k
            var s = 0.0
            for j in 0..<grid.nlon {
                let v = Double(field[row * grid.nlon + j])
                s += v * v
            }
            total += areas[k] * s
        }
        return total
    }
}

/// Zonal energy spectrum per latitude row (WeatherBench 2 `ZonalEnergySpectrum`, Rasp et al. 2024),
/// and its area-weighted average over a latitude band.
///
/// Per row j with L longitudes: F[k] = (1/L) Σ_l f[l] e^{−2πikl/L} (rfft, forward normalisation),
/// S_j[k] = C_j |F[k]|² · c_k with c_k = 2 for 0 < k < L/2 and 1 for k = 0 and k = L/2 (the Nyquist
/// bin is counted once, so Σ_k S_j[k] / C_j = mean_l f[l]² exactly), C_j = 2πR cos φ_j and
/// R = 6 367 500 m. Units: m · (field unit)². WeatherBench 2 doubles the Nyquist bin as well;
/// `wb2NyquistCompat` reproduces that.
///
/// Band average: Σ_j a_j S_j[k] / Σ_j a_j over the band's rows, by zonal wavenumber k, with a_j the
/// cell-area latitude weights. This differs from WeatherBench 2, which first interpolates each
/// row's spectrum onto a common physical-frequency axis (k / C_j) before averaging; averaging by
/// wavenumber mixes slightly different wavelengths across the band's rows.
public final class ZonalEnergySpectrum: @unchecked Sendable {  // unchecked: immutable after init; FFT plans execute thread-safely
    /// WeatherBench 2's Earth radius, the mean of 6357 and 6378 km.
    public static let earthRadius = 6_367_500.0
    /// Row latitudes in degrees (caller's order).
    public let latitudes: [Double]
    /// Longitudes per row L.
    public let nlon: Int
    /// The band the band spectrum averages over.
    public let band: LatitudeBand
    /// Circumference C_j = 2πR cos φ_j of each row, in metres.
    public let circumferences: [Double]
    /// Averaging weight of each row: area weights inside the band, 0 outside, summing to 1.
    public let bandWeights: [Double]
    /// Whether the Nyquist bin is doubled as WeatherBench 2 does.
    public let wb2NyquistCompat: Bool
    /// Number of wavenumbers k = 0…⌊L/2⌋.
    public var wavenumberCount: Int { nlon / 2 + 1 }
    private let plan: RealFFTPlan<Double>

    /// Plans the row FFT (double precision, reproducible `.estimate` planning) once.
    /// - Parameters:
    ///   - latitudes: row centres in degrees, strictly monotonic (either order).
    ///   - nlon: equally spaced longitudes per row over the full circle (≥ 2).
    ///   - band: rows to average over (default: 30°–60° in both hemispheres).
    ///   - radius: sphere radius in metres (default WeatherBench 2's 6 367 500 m).
    ///   - wb2NyquistCompat: double the Nyquist bin like WeatherBench 2 (default false).
    /// - Throws: for bad latitudes, nlon < 2, or a band containing no row.
    public init(latitudes: [Double], nlon: Int, band: LatitudeBand = .midLatitudes,
                radius: Double = ZonalEnergySpectrum.earthRadius, wb2NyquistCompat: Bool = false) throws {
        guard nlon >= 2 else { throw HensError.invalid("nlon", "at least 2 longitudes for a zonal spectrum, got \(nlon)") }
        let area = try LatitudeWeighting.area.rowWeights(latitudes: latitudes)
        let masked = band.maskedWeights(area, latitudes: latitudes)
        let total = masked.reduce(0, +)
        guard total > 0 else { throw HensError.invalid("band \(band.name)", "contains none of the \(latitudes.count) grid rows") }
        self.latitudes = latitudes
        self.nlon = nlon
        self.band = band
        self.wb2NyquistCompat = wb2NyquistCompat
        circumferences = latitudes.map { abs($0) >= 90 ? 0 : 2 * .pi * radius * cos($0 * .pi / 180) }
        bandWeights = masked.map { $0 / total }
        let input = UnsafeMutablePointer<Double>.allocate(capacity: nlon)
        let output = UnsafeMutablePointer<Double>.allocate(capacity: 2 * (nlon / 2 + 1))
        defer { input.deallocate(); output.deallocate() }
        plan = try RealFFTPlan(.forward, length: nlon, loops: [], input: input, output: output)
    }

    /// Spectra of every row of one field (nlat × nlon, row-major, rows as `latitudes`):
    /// `result[j * wavenumberCount + k]` = S_j[k]. Pole rows (C_j = 0) are 0.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func rowSpectra<T: BinaryFloatingPoint>(_ field: UnsafeBufferPointer<T>) -> [Double] {
        let nlat = latitudes.count, width = wavenumberCount
        precondition(field.count == nlat * nlon, "ZonalEnergySpectrum.rowSpectra: \(field.count) values for \(nlat)×\(nlon)")
        var result = [Double](repeating: 0, count: nlat * width)
        result.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEachChunk(nlat) { rows in
                let input = UnsafeMutablePointer<Double>.allocate(capacity: nlon)
                let spectrum = UnsafeMutablePointer<Double>.allocate(capacity: 2 * width)
                defer { input.deallocate(); spectrum.deallocate() }
                let scale = 1 / Double(nlon)
                for j in rows {
                    for l in 0..<nlon { input[l] = Double(field[j * nlon + l]) }
                    plan.execute(input, spectrum)
                    for k in 0..<width {
                        let re = spectrum[2 * k] * scale, im = spectrum[2 * k + 1] * scale
                        let nyquist = nlon % 2 == 0 && k == nlon / 2
                        let factor: Double = k == 0 || (nyquist && !wb2NyquistCompat) ? 1 : 2
                        out[j * width + k] = circumferences[j] * factor * (re * re + im * im)
                    }
                }
            }
        }
        return result
    }

    /// Array convenience for `rowSpectra(_:)`.
    public func rowSpectra<T: BinaryFloatingPoint>(_ field: [T]) -> [Double] {
        field.withUnsafeBufferPointer { rowSpectra($0) }
    }

    /// The band-averaged spectrum Σ_j a_j S_j[k] / Σ_j a_j, k = 0…⌊L/2⌋, of one field.
    public func bandSpectrum<T: BinaryFloatingPoint>(_ field: [T]) -> [Double] {
        let rows = rowSpectra(field)
        let width = wavenumberCount
        var mean = [Double](repeating: 0, count: width)
        for (j, a) in bandWeights.enumerated() where a > 0 {
            for k in 0..<width { mean[k] += a * rows[j * width + k] }
        }
        return mean
    }

    /// Wavelength C_j / k in metres of wavenumber k on row j (infinite for k = 0).
    public func wavelength(row j: Int, wavenumber k: Int) -> Double { circumferences[j] / Double(k) }
}
