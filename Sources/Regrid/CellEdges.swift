import Foundation
import Spherical

/// The cell boundaries of a regular lon-lat grid, in degrees, as conservative remapping and area
/// integrals need them. Cell (k, j) spans latitudes[k+1] ≤ φ ≤ latitudes[k] and
/// longitudes[j] ≤ λ ≤ longitudes[j+1]; its area on the unit sphere is
/// Δλ · (sin φₖ − sin φₖ₊₁) with Δλ in radians.
public struct CellEdges: Equatable, Sendable {
    /// nlat + 1 latitude edges, north → south (non-increasing), within [−90, 90].
    public let latitudes: [Double]
    /// nlon + 1 longitude edges, ascending; the first may be negative (−Δλ/2 for a grid from 0°).
    public let longitudes: [Double]

    /// CDO's generated bounds for regular lon-lat and Gaussian grids (`cdo griddes` after
    /// `setgridtype,curvilinear` shows them): edges at the midpoints between rows and columns;
    /// the outermost latitude edge is extrapolated by half a spacing (2·φ₀ − edge₁) and then
    /// snapped to ±90° when it lies beyond ±88°, so a grid whose outer rows are the poles gets
    /// half cells there and a global Gaussian or offset grid reaches the poles, while a regional
    /// grid keeps half a spacing beyond its last row.
    public init(source: SourceGrid) {
        latitudes = Self.cdoLatitudeEdges(source.latitudes)
        longitudes = Self.uniformLongitudeEdges(first: source.longitudes[0], spacing: source.uniformSpacing,
                                                count: source.nlon)
    }

    /// Edges of a model grid's cells: midpoints between rows (so an equiangular grid's pole rows
    /// get half cells), and always ±90° outside the outermost rows, since a model grid covers the
    /// sphere. For Gauss–Legendre grids this is CDO's convention for Gaussian grids (CDO 2.1 uses
    /// midpoints, not bounds from the quadrature weights; checked with `cdo griddes` on F16),
    /// except below 24 rows, where CDO's ±88° rule would leave the polar caps uncovered.
    public init(target grid: SphericalGrid) {
        var edges = Self.cdoLatitudeEdges(modelLatitudes(grid))
        edges[0] = 90
        edges[edges.count - 1] = -90
        latitudes = edges
        longitudes = Self.uniformLongitudeEdges(first: 0, spacing: 360 / Double(grid.nlon), count: grid.nlon)
    }

    /// Area of each row's cells on the unit sphere (one value per row; all cells of a row are equal).
    public var rowCellAreas: [Double] {
        let dLon = (longitudes[1] - longitudes[0]) * .pi / 180
        return (0..<(latitudes.count - 1)).map { k in
            dLon * (sinDegrees(latitudes[k]) - sinDegrees(latitudes[k + 1]))
        }
    }

    /// Midpoint edges with CDO's extrapolation and ±88° snapping (see `init(source:)`).
    static func cdoLatitudeEdges(_ lat: [Double]) -> [Double] {
        let n = lat.count
        var e = [Double](repeating: 0, count: n + 1)
        for k in 1..<n { e[k] = 0.5 * (lat[k - 1] + lat[k]) }
        e[0] = 2 * lat[0] - e[1]
        e[n] = 2 * lat[n - 1] - e[n - 1]
        // CDO (grid_check_lat_borders): beyond ±88° the outer edge is taken to be the pole.
        if e[0] > 88 { e[0] = 90 }
        if e[n] < -88 { e[n] = -90 }
        return e.map { min(90, max(-90, $0)) }
    }

    static func uniformLongitudeEdges(first: Double, spacing: Double, count: Int) -> [Double] {
        (0...count).map { first + (Double($0) - 0.5) * spacing }
    }
}

/// sin of an angle in degrees, exact at 0 and ±90 (where cell edges usually sit).
@inline(__always)
func sinDegrees(_ degrees: Double) -> Double {
    if degrees == 90 { return 1 }
    if degrees == -90 { return -1 }
    return sin(degrees * .pi / 180)
}

extension SourceGrid {
    /// The longitude spacing used for computation: exactly 360/nlon for a global grid (removing
    /// the rounding of coordinates read from files), the measured spacing otherwise.
    var uniformSpacing: Double { isGlobalInLongitude ? 360 / Double(nlon) : longitudeSpacing }
}
