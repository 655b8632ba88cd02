/// What a file's latitude/longitude coordinates look like, and how to normalise them to hens'
/// layout (rows north → south, longitudes ascending from 0°E).
public struct GridDescription: Sendable, Equatable {
    public let latitudes: [Double]
    public let longitudes: [Double]

    public init(latitudes: [Double], longitudes: [Double]) {
        self.latitudes = latitudes
        self.longitudes = longitudes
    }

    /// Rows run north → south.
    public var isNorthFirst: Bool { latitudes.count < 2 || latitudes[0] > latitudes[latitudes.count - 1] }

    /// Latitude spacing is uniform (within 1e-4°): a regular grid, not Gaussian.
    public var hasUniformLatitudes: Bool { Self.isUniform(latitudes) }

    /// Longitude spacing is uniform (within 1e-4°).
    public var hasUniformLongitudes: Bool { Self.isUniform(longitudes) }

    /// Longitudes go round the whole circle (count × spacing = 360°).
    public var isGlobalInLongitude: Bool {
        guard longitudes.count >= 2 else { return false }
        let step = abs(longitudes[1] - longitudes[0])
        return abs(Double(longitudes.count) * step - 360) < 1e-3 * step
    }

    /// Latitudes reach (within one spacing) both poles.
    public var isGlobalInLatitude: Bool {
        guard latitudes.count >= 2 else { return false }
        let step = abs(latitudes[1] - latitudes[0])
        let top = latitudes.max()!, bottom = latitudes.min()!
        return top >= 90 - step * 1.01 && bottom <= -90 + step * 1.01
    }

    /// Whether the latitudes include both poles exactly.
    public var includesPoles: Bool {
        latitudes.contains { abs($0 - 90) < 1e-6 } && latitudes.contains { abs($0 + 90) < 1e-6 }
    }

    /// A short description: "61×120, 3°, lat 90→-90 (north first), lon 0→357 (0–360), global".
    public var summary: String {
        guard let la0 = latitudes.first, let la1 = latitudes.last, let lo0 = longitudes.first, let lo1 = longitudes.last else {
            return "no horizontal grid"
        }
        let dlat = latitudes.count > 1 ? abs(latitudes[1] - latitudes[0]) : 0
        let dlon = longitudes.count > 1 ? abs(longitudes[1] - longitudes[0]) : 0
        let lonConvention = longitudes.min()! < 0 ? "−180–180" : (longitudes.max()! >= 360 ? "beyond 360" : "0–360")
        let spacing = hasUniformLatitudes ? "\(fmt(dlat))°" : "irregular latitudes (Gaussian?)"
        let extent = isGlobalInLatitude && isGlobalInLongitude ? "global" : "regional"
        return "\(latitudes.count)×\(longitudes.count), \(spacing) × \(fmt(dlon))°, lat \(fmt(la0))→\(fmt(la1)) (\(isNorthFirst ? "north first" : "south first")), lon \(fmt(lo0))→\(fmt(lo1)) (\(lonConvention)), \(extent)"
    }

    private func fmt(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(format: "%g", x)
    }

    static func isUniform(_ v: [Double]) -> Bool {
        guard v.count > 2 else { return true }
        let step = v[1] - v[0]
        return zip(v, v.dropFirst()).allSatisfy { abs(($1 - $0) - step) <= 1e-4 * max(1, abs(step)) }
    }
}
