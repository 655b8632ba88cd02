import Foundation
import Spherical

/// Normalised quadrature weights of a data grid: one weight per point of each latitude ring,
/// summing to 1 over the grid, so that Σ q·f is the area mean of f (makani's
/// `GridQuadrature(normalize=True)`).
///
/// The weights come from the grid's own rule when the latitudes are those of a hens
/// `SphericalGrid` (Gauss–Legendre, equiangular with Clenshaw–Curtis weights, Lobatto), and
/// from cell areas between latitude midpoints otherwise (e.g. a regional ingest grid).
public struct GridQuadrature: Equatable, Sendable {
    /// Weight of each point of ring k (north first): Σₖ `pointWeights[k]` · nlon = 1.
    public let pointWeights: [Double]
    /// Points per ring.
    public let nlon: Int
    /// Where the weights came from: a `GridKind` name or `cell-area`.
    public let rule: String

    /// Weights from unnormalised per-ring weights (any positive scale); `nlon` points per ring.
    public init(ringWeights: [Double], nlon: Int, rule: String = "custom") {
        precondition(!ringWeights.isEmpty && nlon > 0, "a quadrature needs at least one ring and one column")
        let total = ringWeights.reduce(0, +) * Double(nlon)
        precondition(total > 0, "quadrature weights must have a positive sum")
        pointWeights = ringWeights.map { $0 / total }
        self.nlon = nlon
        self.rule = rule
    }

    /// Number of rings.
    public var nlat: Int { pointWeights.count }
    /// Points of the grid.
    public var fieldCount: Int { nlat * nlon }

    /// The quadrature of a data grid given by its latitudes (degrees, north first) and
    /// number of longitudes.
    public static func forGrid(latitudes: [Double], nlon: Int) -> GridQuadrature {
        for kind in GridKind.allCases {
            guard let grid = try? SphericalGrid(kind, nlat: latitudes.count, nlon: nlon) else { continue }
            // 1e-6° is far below any real grid spacing and far above the rounding of stored
            // coordinates (written as doubles from the same formulas).
            if zip(grid.latitudesDegrees, latitudes).allSatisfy({ abs($0 - $1) <= 1e-6 }) {
                return GridQuadrature(ringWeights: grid.weights, nlon: nlon, rule: kind.rawValue)
            }
        }
        return GridQuadrature(ringWeights: cellAreaWeights(latitudes: latitudes), nlon: nlon, rule: "cell-area")
    }

    /// sin φ differences between cell edges: edges halfway between latitudes, the outer ones
    /// half a spacing beyond the first and last row, clamped to the poles.
    static func cellAreaWeights(latitudes: [Double]) -> [Double] {
        let n = latitudes.count
        guard n > 1 else { return [1] }
        var edges = [Double](repeating: 0, count: n + 1)
        for k in 1..<n { edges[k] = (latitudes[k - 1] + latitudes[k]) / 2 }
        edges[0] = min(90, latitudes[0] + (latitudes[0] - latitudes[1]) / 2)
        edges[n] = max(-90, latitudes[n - 1] - (latitudes[n - 2] - latitudes[n - 1]) / 2)
        return (0..<n).map { k in abs(sin(edges[k] * .pi / 180) - sin(edges[k + 1] * .pi / 180)) }
    }
}
