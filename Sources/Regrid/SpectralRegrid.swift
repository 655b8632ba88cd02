import Foundation
import HensCore
import Spherical

/// Regridding through spherical harmonics: forward transform on the source grid, inverse on the
/// target grid, both truncated to the same band limit (the smaller grid's default).
struct SpectralRegrid: Sendable {
    let forward: SphericalHarmonicTransform<Float>
    let inverse: SphericalHarmonicTransform<Float>

    init(source: SourceGrid, target: SphericalGrid) throws {
        guard let grid = Self.matchingGrid(source) else {
            throw HensError(.invalidArgument,
                            "regrid: spectral needs a source grid the SHT supports (equiangular with both poles or Gauss–Legendre rows, longitudes 360·j/nlon from 0°), got \(source.label); use bilinear or conservative")
        }
        let lmax = min(grid.defaultBandLimit, target.defaultBandLimit)
        // Estimated FFT plans: a regridder is built once per ingest, and measuring plans for an
        // ERA5-sized grid would cost more than the transforms it speeds up.
        forward = try SphericalHarmonicTransform<Float>(grid: grid, lmax: lmax, mmax: lmax, planning: .estimate)
        inverse = try SphericalHarmonicTransform<Float>(grid: target, lmax: lmax, mmax: lmax, planning: .estimate)
    }

    /// The `SphericalGrid` whose rows and columns the source grid has, if any (to 1e-5°: the
    /// rounding of coordinates stored as Float32, far below the spacing of any grid kind's rows).
    static func matchingGrid(_ source: SourceGrid) -> SphericalGrid? {
        guard source.isGlobalInLongitude, abs(source.longitudes[0]) <= 1e-5 else { return nil }
        for kind in GridKind.allCases {
            guard let grid = try? SphericalGrid(kind, nlat: source.nlat, nlon: source.nlon) else { continue }
            let lat = modelLatitudes(grid)
            if zip(lat, source.latitudes).allSatisfy({ abs($0 - $1) <= 1e-5 }) { return grid }
        }
        return nil
    }

    func apply(batch: Int, _ fields: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(fields.count == forward.gridCount(batch: batch),
                     "regrid: expected \(batch) × \(forward.grid.nlat * forward.grid.nlon) source values, got \(fields.count)")
        precondition(out.count == inverse.gridCount(batch: batch),
                     "regrid: expected room for \(batch) × \(inverse.grid.nlat * inverse.grid.nlon) target values, got \(out.count)")
        guard batch > 0 else { return }
        var coefficients = [Float](repeating: 0, count: forward.coefficientCount(batch: batch))
        coefficients.withUnsafeMutableBufferPointer { c in
            forward.forward(fields.baseAddress!, into: c.baseAddress!, batch: batch)
            inverse.inverse(c.baseAddress!, into: out.baseAddress!, batch: batch)
        }
    }
}

/// A model grid's latitudes in degrees; equiangular rows from the closed form 90 − 180k/(n − 1),
/// which is exact at the poles and equator, unlike acos of the nodes.
func modelLatitudes(_ grid: SphericalGrid) -> [Double] {
    if grid.kind == .equiangular {
        return (0..<grid.nlat).map { 90 - 180 * Double($0) / Double(grid.nlat - 1) }
    }
    return grid.latitudesDegrees
}
