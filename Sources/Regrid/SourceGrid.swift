import Foundation
import HensCore
import Spherical

/// A regular longitude × latitude grid that data arrive on (ERA5 0.25°, NCEP 2.5°, …), already
/// normalised by the reader: rows run north → south, longitudes ascend from a first value in
/// [0, 360) with uniform spacing. Latitudes need not be regular (Gaussian grids are lists).
///
/// Fields on it are `[nlat][nlon]`, row-major, like every grid in hens.
public struct SourceGrid: Equatable, Sendable {
    /// Latitude of each row in degrees north, strictly decreasing, within [−90, 90].
    public let latitudes: [Double]
    /// Longitude of each column in degrees east, ascending and uniformly spaced, first in [0, 360).
    public let longitudes: [Double]

    /// Relative tolerance on the longitude spacing: coordinates stored as Float32 in files carry
    /// errors of ~1e-5° on a 360° range, far below any real grid's irregularity.
    static let spacingTolerance = 1e-3

    /// Creates a grid from its coordinates (degrees).
    /// - Throws: `HensError(.invalidArgument)` when there are fewer than 2 rows or columns, the
    ///   latitudes are not strictly decreasing within [−90, 90], or the longitudes are not uniform,
    ///   do not start in [0, 360) or wrap past their own first column.
    public init(latitudes: [Double], longitudes: [Double]) throws {
        guard latitudes.count >= 2, longitudes.count >= 2 else {
            throw HensError(.invalidArgument,
                            "regrid: a source grid needs at least 2 latitudes and 2 longitudes, got \(latitudes.count)×\(longitudes.count)")
        }
        guard latitudes.allSatisfy(\.isFinite), longitudes.allSatisfy(\.isFinite) else {
            throw HensError(.invalidArgument, "regrid: source coordinates must be finite numbers")
        }
        for k in 1..<latitudes.count where !(latitudes[k] < latitudes[k - 1]) {
            throw HensError(.invalidArgument,
                            "regrid: source latitudes are not strictly decreasing (row \(k - 1): \(latitudes[k - 1])°, row \(k): \(latitudes[k])°)")
        }
        guard latitudes[0] <= 90, latitudes[latitudes.count - 1] >= -90 else {
            throw HensError(.invalidArgument,
                            "regrid: source latitudes must lie within [-90, 90], got \(latitudes[0])° … \(latitudes[latitudes.count - 1])°")
        }
        let first = longitudes[0], n = longitudes.count
        guard first >= 0, first < 360 else {
            throw HensError(.invalidArgument, "regrid: the first source longitude must be in [0, 360), got \(first)°")
        }
        let spacing = (longitudes[n - 1] - first) / Double(n - 1)
        guard spacing > 0 else {
            throw HensError(.invalidArgument, "regrid: source longitudes must ascend, got \(first)° … \(longitudes[n - 1])°")
        }
        for j in 0..<n where abs(longitudes[j] - (first + Double(j) * spacing)) > Self.spacingTolerance * spacing {
            throw HensError(.invalidArgument,
                            "regrid: source longitudes are not uniformly spaced (column \(j) is \(longitudes[j])°, expected \(first + Double(j) * spacing)° for a spacing of \(spacing)°)")
        }
        // n·Δ may reach 360 (a global grid) but not exceed it: a larger span would put two
        // columns within less than one spacing of each other across the 0°/360° seam.
        guard Double(n) * spacing <= 360 + Self.spacingTolerance * spacing else {
            throw HensError(.invalidArgument,
                            "regrid: source longitudes overlap across 360° (\(n) columns × \(spacing)° = \(Double(n) * spacing)°)")
        }
        self.latitudes = latitudes
        self.longitudes = longitudes
    }

    /// A global regular grid with both poles: `nlat` rows from 90° to −90°, `nlon` columns from 0°
    /// (ERA5 0.25° is `regular(nlat: 721, nlon: 1440)`, NCEP 2.5° is `regular(nlat: 73, nlon: 144)`).
    /// - Throws: when `nlat` or `nlon` is below 2.
    public static func regular(nlat: Int, nlon: Int) throws -> SourceGrid {
        guard nlat >= 2, nlon >= 2 else {
            throw HensError(.invalidArgument, "regrid: a regular grid needs at least 2×2 points, got \(nlat)×\(nlon)")
        }
        // Written as 90 − 180k/(nlat − 1) so that the equator and the poles are exact.
        let lats = (0..<nlat).map { 90 - 180 * Double($0) / Double(nlat - 1) }
        let lons = (0..<nlon).map { 360 * Double($0) / Double(nlon) }
        return try SourceGrid(latitudes: lats, longitudes: lons)
    }

    /// The rows and columns of a model grid, so that model fields can be regridded too.
    public init(_ grid: SphericalGrid) {
        latitudes = modelLatitudes(grid)
        longitudes = grid.longitudesDegrees
    }

    /// Number of rows.
    public var nlat: Int { latitudes.count }
    /// Number of columns.
    public var nlon: Int { longitudes.count }
    /// Number of points, nlat · nlon.
    public var count: Int { nlat * nlon }

    /// Longitude spacing in degrees (from the first and last columns, which averages out the
    /// rounding of coordinates read from Float32 files).
    public var longitudeSpacing: Double { (longitudes[nlon - 1] - longitudes[0]) / Double(nlon - 1) }

    /// Whether the columns go once around the sphere (spacing × count ≈ 360°), so that
    /// interpolation wraps across the 0°/360° seam.
    public var isGlobalInLongitude: Bool {
        abs(Double(nlon) * longitudeSpacing - 360) <= Self.spacingTolerance * longitudeSpacing
    }

    /// Cell edges in CDO's convention for regular lon-lat grids (see `CellEdges`).
    public var cellEdges: CellEdges { CellEdges(source: self) }

    /// A short description such as `61×120 (90° … -90°, 0° … 357°)`.
    public var label: String {
        "\(nlat)×\(nlon) (\(latitudes[0])° … \(latitudes[nlat - 1])°, \(longitudes[0])° … \(longitudes[nlon - 1])°)"
    }
}
