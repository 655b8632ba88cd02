import Foundation

/// Bilinear weights from a regular lon-lat source to target points, following CDO's `remapbil`
/// for regular (reg2d) source grids.
enum BilinearWeights {
    /// CDO's (and SCRIP's) guard against a zero distance in inverse-distance weights.
    static let tiny = 1e-14

    static func build(source: SourceGrid, targetLatitudes: [Double], targetLongitudes: [Double]) -> SparseWeights {
        let nlon = source.nlon, lat = source.latitudes
        let global = source.isGlobalInLongitude
        let first = source.longitudes[0], spacing = source.uniformSpacing
        var builder = SparseBuilder(sourceCount: source.count, reserve: 4 * targetLatitudes.count * targetLongitudes.count)
        let nearest = NearestFour(source: source)
        for phi in targetLatitudes {
            let row = bracket(phi, in: lat)
            for lambda in targetLongitudes {
                let column = longitudeBracket(lambda, first: first, spacing: spacing, count: nlon, global: global)
                switch (row, column) {
                case let (.some((k, t)), .some((i0, i1, u))):
                    builder.add(k * nlon + i0, (1 - t) * (1 - u))
                    builder.add(k * nlon + i1, (1 - t) * u)
                    builder.add((k + 1) * nlon + i1, t * u)
                    builder.add((k + 1) * nlon + i0, t * (1 - u))
                case (.none, _) where global:
                    // Beyond the outermost rows of a global source (CDO extrapolates for
                    // circular grids): inverse-distance mean of the four nearest points.
                    for (index, weight) in nearest.weights(latitude: phi, longitude: lambda) {
                        builder.add(index, weight)
                    }
                default:
                    break // outside a regional source: no value (NaN)
                }
                builder.endRow()
            }
        }
        return builder.finish()
    }

    /// The source rows k, k + 1 around latitude φ and the fraction t of the way from row k to
    /// k + 1 (linear in latitude, as CDO); nil beyond the outermost rows.
    static func bracket(_ phi: Double, in lat: [Double]) -> (Int, Double)? {
        let n = lat.count
        guard phi <= lat[0], phi >= lat[n - 1] else { return nil }
        // Binary search for the last row k with lat[k] ≥ φ, kept below n − 1.
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if lat[mid] >= phi { lo = mid } else { hi = mid }
        }
        return (lo, (lat[lo] - phi) / (lat[lo] - lat[lo + 1]))
    }

    /// The source columns i0, i1 around longitude λ and the fraction u from i0 to i1; periodic
    /// for a global source (i1 wraps to column 0 past the last column), nil outside a regional one.
    static func longitudeBracket(_ lambda: Double, first: Double, spacing: Double, count n: Int,
                                 global: Bool) -> (Int, Int, Double)? {
        var offset = (lambda - first).truncatingRemainder(dividingBy: 360)
        if offset < 0 { offset += 360 }
        var x = offset / spacing
        if global {
            var i0 = Int(x.rounded(.down))
            if i0 >= n { i0 -= n; x -= Double(n) } // offset a hair below 360
            return (i0, (i0 + 1) % n, x - Double(i0))
        }
        // Coordinates rounded in a file may put the last column's own longitude a hair beyond.
        let last = Double(n - 1)
        if x > last { x = x - last < 1e-9 ? last : x }
        guard x <= last else { return nil }
        let i0 = min(Int(x.rounded(.down)), n - 2)
        return (i0, i0 + 1, x - Double(i0))
    }
}

/// CDO's fallback for target points beyond the outermost rows of a global regular source
/// (`grid_search_reg2d_nn`): the four nearest source points by great-circle distance among the
/// two outermost rows on the point's side (all columns), weighted by 1/(d + 10⁻¹⁴).
///
/// The distance formula, scan order and strict comparisons are CDO's, so ties break the same
/// way: at a pole every point of a ring is equally far, and CDO (hence hens) then takes the
/// first four columns of the nearest ring rather than the whole ring.
struct NearestFour {
    let nlat: Int
    let nlon: Int
    let firstLongitude: Double
    let lastLongitude: Double
    let latitudes: [Double]
    let longitudes: [Double]

    init(source: SourceGrid) {
        let radians = Double.pi / 180
        nlat = source.nlat
        nlon = source.nlon
        latitudes = source.latitudes.map { $0 * radians }
        let first = source.longitudes[0], spacing = source.uniformSpacing
        longitudes = (0..<source.nlon).map { (first + Double($0) * spacing) * radians }
        firstLongitude = longitudes[0]
        lastLongitude = longitudes[nlon - 1]
    }

    func weights(latitude: Double, longitude: Double) -> [(Int, Double)] {
        let radians = Double.pi / 180
        let plat = latitude * radians
        var plon = longitude * radians
        // CDO's normalisation into [first, first + 2π] before the search.
        if plon < firstLongitude { plon += 2 * .pi }
        if plon > firstLongitude + 2 * .pi { plon -= 2 * .pi }
        let rows: [Int]
        let skipInterior: Bool
        if plon >= firstLongitude && plon <= lastLongitude {
            rows = plat >= latitudes[0] ? [0, min(1, nlat - 1)] : [max(0, nlat - 2), nlat - 1]
            skipInterior = false
        } else {
            rows = Array(0..<nlat)
            skipInterior = true
        }
        let cosLatP = cos(plat), sinLatP = sin(plat), cosLonP = cos(plon), sinLonP = sin(plon)
        let sinCosLon = longitudes.map { cosLonP * cos($0) + sinLonP * sin($0) }
        var index = [Int](repeating: -1, count: 4)
        var distance = [Double](repeating: .greatestFiniteMagnitude, count: 4)
        var worst = Double.greatestFiniteMagnitude
        var previousRow = -1
        for jj in rows where jj != previousRow {
            previousRow = jj
            let cosLat = cosLatP * cos(latitudes[jj]), sinLat = sinLatP * sin(latitudes[jj])
            let interior = skipInterior && jj > 1 && jj < nlat - 2
            for ii in 0..<nlon {
                if interior && ii > 1 && ii < nlon - 2 { continue }
                let d = acos(cosLat * sinCosLon[ii] + sinLat)
                guard d < worst else { continue }
                for n in 0..<4 where d < distance[n] {
                    for m in stride(from: 3, to: n, by: -1) {
                        index[m] = index[m - 1]
                        distance[m] = distance[m - 1]
                    }
                    index[n] = jj * nlon + ii
                    distance[n] = d
                    worst = distance[3]
                    break
                }
            }
        }
        var result: [(Int, Double)] = []
        var total = 0.0
        for n in 0..<4 where index[n] >= 0 { total += 1 / (distance[n] + BilinearWeights.tiny) }
        for n in 0..<4 where index[n] >= 0 { result.append((index[n], 1 / (distance[n] + BilinearWeights.tiny) / total)) }
        return result
    }
}
