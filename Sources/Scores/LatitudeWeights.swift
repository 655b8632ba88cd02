import Foundation
import HensCore
import Spherical

/// How grid rows are weighted when scores are averaged over the sphere
/// (docs/formulas.md#latitude-weights).
///
/// Every rule returns one weight per row, normalised to mean 1 over the rows, so that an
/// unmasked weighted mean equals Σⱼ wⱼ Σᵢ fⱼᵢ / (nlat · nlon).
public enum LatitudeWeighting: String, CaseIterable, Sendable {
    /// cos φ (HENS / earth2mip / Earth2Studio parity). Pole rows get weight 0.
    case cos
    /// Cell area with bounds at the midpoints between row centres, the outer bounds closed at
    /// ±90° (WeatherBench 2 parity): w ∝ sin φ_{j+½} − sin φ_{j−½}.
    case area
    /// Gauss–Legendre quadrature weights; only valid when the rows are the Gauss nodes.
    case gauss

    /// Per-row weights for latitudes given in degrees, north-first or south-first.
    ///
    /// - Parameter latitudes: row centres in degrees north, strictly monotonic, within [−90, 90].
    /// - Returns: one weight per row, in the order of `latitudes`, with mean 1.
    /// - Throws: if the latitudes are not strictly monotonic or out of range, or (for `gauss`)
    ///   if they are not the Gauss–Legendre nodes to within 1e-6°.
    public func rowWeights(latitudes: [Double]) throws -> [Double] {
        try checkRowLatitudes(latitudes)
        let raw: [Double]
        switch self {
        case .cos:
            // cos(π/2) is 6e-17 in floating point; a pole row should carry exactly nothing.
            raw = latitudes.map { abs($0) >= 90 ? 0 : Foundation.cos($0 * .pi / 180) }
        case .area:
            raw = Self.cellAreaWeights(latitudes)
        case .gauss:
            raw = try Self.gaussWeights(latitudes)
        }
        let mean = raw.reduce(0, +) / Double(raw.count)
        guard mean > 0 else { throw HensError.invalid("latitudes", "the \(rawValue) weights of these rows sum to zero") }
        return raw.map { $0 / mean }
    }

    /// sin φ_{j+½} − sin φ_{j−½} with bounds midway between centres and ±90° outside; works
    /// for either row order because the first bound is the pole on the side the rows start from.
    private static func cellAreaWeights(_ latitudes: [Double]) -> [Double] {
        let n = latitudes.count
        let northFirst = n < 2 || latitudes[0] > latitudes[1]
        var bounds = [Double](repeating: 0, count: n + 1)
        bounds[0] = northFirst ? 90 : -90
        bounds[n] = northFirst ? -90 : 90
        for j in 1..<max(1, n) { bounds[j] = 0.5 * (latitudes[j - 1] + latitudes[j]) }
        return (0..<n).map { j in
            abs(sin(bounds[j] * .pi / 180) - sin(bounds[j + 1] * .pi / 180))
        }
    }

    /// The Gauss–Legendre weights, after checking that the rows are the Gauss nodes.
    private static func gaussWeights(_ latitudes: [Double]) throws -> [Double] {
        let n = latitudes.count
        let rule = Quadrature.legendreGauss(n)
        // Nodes are x = sin φ ascending (south → north); match the caller's order.
        let southFirst = n < 2 || latitudes[0] < latitudes[1]
        var worst = 0.0
        var weights = [Double](repeating: 0, count: n)
        for j in 0..<n {
            let i = southFirst ? j : n - 1 - j
            let nodeLatitude = asin(max(-1, min(1, rule.nodes[i]))) * 180 / .pi
            worst = max(worst, abs(nodeLatitude - latitudes[j]))
            weights[j] = rule.weights[i]
        }
        guard worst <= 1e-6 else {
            throw HensError.invalid("lat-weights gauss",
                                    "the \(n) latitudes are not the Gauss–Legendre nodes (off by up to \(worst)°); use cos or area")
        }
        return weights
    }
}

/// Checks that row latitudes are finite, within [−90, 90] and strictly monotonic.
func checkRowLatitudes(_ latitudes: [Double]) throws {
    guard !latitudes.isEmpty else { throw HensError.invalid("latitudes", "at least one row") }
    for (j, lat) in latitudes.enumerated() where !(lat.isFinite && abs(lat) <= 90) {
        throw HensError.invalid("latitudes", "row \(j) has latitude \(lat), outside [−90, 90]")
    }
    guard latitudes.count > 1 else { return }
    let descending = latitudes[0] > latitudes[1]
    for j in 1..<latitudes.count {
        let ok = descending ? latitudes[j] < latitudes[j - 1] : latitudes[j] > latitudes[j - 1]
        guard ok else { throw HensError.invalid("latitudes", "not strictly monotonic at row \(j)") }
    }
}

/// A latitude band over which scores are averaged.
///
/// Membership: φ is in the band when it lies between `south` and `north`, each edge included
/// or not as its flag says. A `mirrored` band also covers [−north, −south] (e.g. 30–60° in
/// both hemispheres). Edges are compared with a 1e-9° tolerance, so that latitudes read from
/// Float32 files land on the intended side of a boundary.
///
/// The standard bands partition the sphere: a row exactly on ±20° belongs to the extratropics,
/// so the tropics are the open interval (−20°, 20°).
public struct LatitudeBand: Equatable, Hashable, Sendable {
    /// Name used in output files (`global`, `nh-extratropics`, …).
    public let name: String
    /// Southern edge in degrees north.
    public let south: Double
    /// Northern edge in degrees north.
    public let north: Double
    /// Whether a row exactly on `south` belongs to the band.
    public let includesSouth: Bool
    /// Whether a row exactly on `north` belongs to the band.
    public let includesNorth: Bool
    /// Whether the band also covers its mirror image in the other hemisphere.
    public let mirrored: Bool

    /// Creates a band; edges inclusive by default.
    public init(name: String, south: Double, north: Double, includesSouth: Bool = true,
                includesNorth: Bool = true, mirrored: Bool = false) {
        precondition(south <= north, "LatitudeBand \(name): south \(south) > north \(north)")
        self.name = name
        self.south = south
        self.north = north
        self.includesSouth = includesSouth
        self.includesNorth = includesNorth
        self.mirrored = mirrored
    }

    /// The whole sphere, [−90°, 90°].
    public static let global = LatitudeBand(name: "global", south: -90, north: 90)
    /// Northern extratropics, [20°N, 90°N].
    public static let northernExtratropics = LatitudeBand(name: "nh-extratropics", south: 20, north: 90)
    /// Tropics, (20°S, 20°N): both edges excluded, they belong to the extratropics.
    public static let tropics = LatitudeBand(name: "tropics", south: -20, north: 20,
                                             includesSouth: false, includesNorth: false)
    /// Southern extratropics, [90°S, 20°S].
    public static let southernExtratropics = LatitudeBand(name: "sh-extratropics", south: -90, north: -20)
    /// Mid-latitudes of both hemispheres, 30° ≤ |φ| ≤ 60° (the zonal-spectrum default).
    public static let midLatitudes = LatitudeBand(name: "midlatitudes", south: 30, north: 60, mirrored: true)

    /// The four standard scoring bands: global, nh-extratropics, tropics, sh-extratropics.
    public static let standard: [LatitudeBand] = [.global, .northernExtratropics, .tropics, .southernExtratropics]

    /// Whether latitude `phi` (degrees) lies in the band.
    public func contains(_ phi: Double) -> Bool {
        if within(phi) { return true }
        return mirrored && within(-phi)
    }

    private func within(_ phi: Double) -> Bool {
        let tolerance = 1e-9
        let aboveSouth = includesSouth ? phi >= south - tolerance : phi > south + tolerance
        let belowNorth = includesNorth ? phi <= north + tolerance : phi < north - tolerance
        return aboveSouth && belowNorth
    }

    /// One flag per row: whether the row lies in the band.
    public func rowMask(latitudes: [Double]) -> [Bool] { latitudes.map(contains) }

    /// Row weights with rows outside the band set to 0 (not renormalised: weighted means divide
    /// by the sum of the weights actually used).
    /// - Parameters:
    ///   - rowWeights: one weight per row, e.g. from `LatitudeWeighting.rowWeights(latitudes:)`.
    ///   - latitudes: the rows' latitudes in degrees, same order.
    public func maskedWeights(_ rowWeights: [Double], latitudes: [Double]) -> [Double] {
        precondition(rowWeights.count == latitudes.count, "LatitudeBand.maskedWeights: \(rowWeights.count) weights for \(latitudes.count) rows")
        return zip(rowWeights, latitudes).map { contains($1) ? $0 : 0 }
    }

    /// 1 for rows in the band, 0 elsewhere: the weights of an unweighted mean over the band.
    public func indicatorWeights(latitudes: [Double]) -> [Double] { latitudes.map { contains($0) ? 1 : 0 } }
}

/// Weighted mean of one field (nlat × nlon, row-major) with one weight per row:
/// Σⱼ wⱼ Σᵢ fⱼᵢ / (nlon Σⱼ wⱼ). Rows of weight 0 are skipped entirely, so NaNs outside a band
/// do not leak in; NaNs inside it propagate. Returns NaN when every weight is 0.
/// - Parameters:
///   - field: nlat · nlon values, rows in the same order as `rowWeights`.
///   - rowWeights: one weight per row (e.g. band-masked latitude weights).
///   - nlon: values per row.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func weightedMean<T: BinaryFloatingPoint>(_ field: UnsafeBufferPointer<T>, rowWeights: [Double], nlon: Int) -> Double {
    precondition(field.count == rowWeights.count * nlon, "weightedMean: \(field.count) values for \(rowWeights.count)×\(nlon)")
    var total = 0.0, weight = 0.0
    for (j, w) in rowWeights.enumerated() where w != 0 {
        var row = 0.0
        for i in (j * nlon)..<((j + 1) * nlon) { row += Double(field[i]) }
        total += w * row
        weight += w * Double(nlon)
    }
    return weight > 0 ? total / weight : .nan
}

/// Array convenience for `weightedMean(_:rowWeights:nlon:)`.
public func weightedMean<T: BinaryFloatingPoint>(_ field: [T], rowWeights: [Double], nlon: Int) -> Double {
    field.withUnsafeBufferPointer { weightedMean($0, rowWeights: rowWeights, nlon: nlon) }
}

/// Weighted mean of a field over a latitude band: `weightedMean` with the band's masked weights.
/// - Parameters:
///   - field: nlat · nlon values, row-major.
///   - latitudes: the rows' latitudes in degrees.
///   - rowWeights: unmasked row weights (same order as `latitudes`).
///   - band: the band to average over.
public func bandMean<T: BinaryFloatingPoint>(_ field: [T], latitudes: [Double], rowWeights: [Double],
                                             band: LatitudeBand) -> Double {
    weightedMean(field, rowWeights: band.maskedWeights(rowWeights, latitudes: latitudes), nlon: field.count / max(1, latitudes.count))
}

/// How the points of a field (or of a tile of consecutive points of one) are weighted when
/// scores are summed: uniformly, or by a weight per grid row.
///
/// A point with weight 0 is skipped by every accumulator (its values are not even read for
/// NaN), which is how band masks act.
public struct PointWeights: Sendable {
    /// One weight per row, or nil for weight 1 everywhere.
    public let rowWeights: [Double]?
    /// Points per row.
    public let nlon: Int
    /// Global index of the first point passed to an accumulator (for tiles of a field).
    public let firstPoint: Int

    /// Weight 1 for every point (HENS / xskillscore unweighted sums).
    public static let uniform = PointWeights(rowWeights: nil, nlon: 1, firstPoint: 0)

    /// Per-row weights: point p (counted from `firstPoint`) gets `rowWeights[(firstPoint + p) / nlon]`.
    public static func rows(_ rowWeights: [Double], nlon: Int, firstPoint: Int = 0) -> PointWeights {
        precondition(nlon >= 1, "PointWeights.rows: nlon must be ≥ 1")
        return PointWeights(rowWeights: rowWeights, nlon: nlon, firstPoint: firstPoint)
    }

    private init(rowWeights: [Double]?, nlon: Int, firstPoint: Int) {
        self.rowWeights = rowWeights
        self.nlon = nlon
        self.firstPoint = firstPoint
    }

    /// The weight of local point `p`.
    @inline(__always)
    public func weight(_ p: Int) -> Double {
        guard let rowWeights else { return 1 }
        return rowWeights[(firstPoint + p) / nlon]
    }
}
