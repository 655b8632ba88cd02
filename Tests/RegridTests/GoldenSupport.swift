import Foundation
import XCTest
import Spherical
@testable import Regrid

/// The golden files' analytic field and grids (see golden/make-golden.sh, which computes the same
/// field with `cdo expr`), and a reader for their one-value-per-line text.
enum Golden {
    /// 2 + cos 2φ · cos φ · cos λ + 3 exp(−(1 − cos d)/0.01), d the angle to (40°N, 60°E).
    static func field(latitude: Double, longitude: Double) -> Double {
        let phi = latitude * .pi / 180, lambda = longitude * .pi / 180
        let phi0 = 40 * Double.pi / 180, lambda0 = 60 * Double.pi / 180
        let cosd = sin(phi) * sin(phi0) + cos(phi) * cos(phi0) * cos(lambda - lambda0)
        return 2 + cos(2 * phi) * cos(phi) * cos(lambda) + 3 * exp(-(1 - cosd) / 0.01)
    }

    /// The masked variant's holes: a 'continent' (10°N–40°N, 100°E–160°E) and the point (0°, 0°).
    static func isHole(latitude: Double, longitude: Double) -> Bool {
        (latitude > 10 && latitude < 40 && longitude > 100 && longitude < 160) || (latitude == 0 && longitude == 0)
    }

    /// The field sampled on a grid, `[nlat][nlon]`, in Float64; NaN in the holes when `masked`.
    static func values(on grid: SourceGrid, masked: Bool = false) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(grid.count)
        for lat in grid.latitudes {
            for lon in grid.longitudes {
                out.append(masked && isHole(latitude: lat, longitude: lon) ? .nan : field(latitude: lat, longitude: lon))
            }
        }
        return out
    }

    /// 3° global grid with both poles (61×120), the goldens' main source.
    static var eq3: SourceGrid { try! SourceGrid.regular(nlat: 61, nlon: 120) }
    /// 6° equiangular model grid with both poles (31×60).
    static var eq6: SphericalGrid { try! SphericalGrid(.equiangular, nlat: 31, nlon: 60) }
    /// Gaussian F16 (32×64), as a model grid.
    static var f16: SphericalGrid { try! SphericalGrid(.legendreGauss, nlat: 32, nlon: 64) }

    /// Reads one golden file: one value per line, `nan` for missing.
    static func read(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Double] {
        let folder = try XCTUnwrap(Bundle.module.url(forResource: "golden", withExtension: nil), file: file, line: line)
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        return try text.split(whereSeparator: \.isNewline).map { entry in
            try XCTUnwrap(Double(entry.trimmingCharacters(in: .whitespaces)), "\(name): '\(entry)' is not a number",
                          file: file, line: line)
        }
    }
}

/// Applies a sparse map in Float64 with the same NaN rule as `Regridder.apply`, so that comparisons
/// with CDO measure the weights, not Float32 rounding.
func applyInDouble(_ w: SparseWeights, _ field: [Double]) -> [Double] {
    (0..<w.targetCount).map { t in
        let (index, weight) = w.row(t)
        var sum = 0.0, total = 0.0
        for (i, x) in zip(index, weight) where !field[Int(i)].isNaN {
            sum += x * field[Int(i)]
            total += x
        }
        return total > 0 ? sum / total : .nan
    }
}

/// Largest |a − b| / max(|b|, 1) over both arrays, with NaN required in the same places
/// (a NaN mismatch counts as an infinite error).
func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN {
            if x.isNaN != y.isNaN { return .infinity }
            continue
        }
        worst = max(worst, abs(x - y) / max(abs(y), 1))
    }
    return worst
}
