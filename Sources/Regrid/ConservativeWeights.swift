import Foundation

/// First-order conservative weights between two lon-lat grids.
///
/// Both grids' cells are bounded by meridians and parallels, so the overlap of two cells is
/// exactly (overlap in longitude) × (overlap in sin latitude) — no polygon clipping is needed,
/// and the matrix is built from two one-dimensional overlap tables.
enum ConservativeWeights {
    /// One axis' overlaps: for each target cell, (source cell, overlap) pairs.
    typealias Overlaps = [[(source: Int, amount: Double)]]

    static func build(source: CellEdges, target: CellEdges) -> SparseWeights {
        let lat = latitudeOverlaps(source: source.latitudes, target: target.latitudes)
        let lon = longitudeOverlaps(source: source.longitudes, target: target.longitudes)
        let nlonSource = source.longitudes.count - 1
        let reserve = lat.reduce(0) { $0 + $1.count } * lon.reduce(0) { $0 + $1.count } / max(1, lon.count)
        var builder = SparseBuilder(sourceCount: (source.latitudes.count - 1) * nlonSource, reserve: reserve)
        for rowOverlaps in lat {
            for columnOverlaps in lon {
                for (k, a) in rowOverlaps {
                    for (j, b) in columnOverlaps { builder.add(k * nlonSource + j, a * b) }
                }
                // Normalising by the covered area (not the cell's full area) is CDO's `fracarea`:
                // where the source does not cover a target cell, the mean of what it covers.
                builder.endRow()
            }
        }
        return builder.finish()
    }

    /// Overlaps in sin φ between latitude bands (edges north → south).
    static func latitudeOverlaps(source: [Double], target: [Double]) -> Overlaps {
        let s = source.map(sinDegrees), t = target.map(sinDegrees)
        return (0..<(t.count - 1)).map { k in
            var list: [(source: Int, amount: Double)] = []
            for j in 0..<(s.count - 1) {
                let amount = min(t[k], s[j]) - max(t[k + 1], s[j + 1])
                if amount > 0 { list.append((j, amount)) }
            }
            return list
        }
    }

    /// Overlaps in longitude (degrees) between cells on the circle: a source cell also counts
    /// shifted by ±360°, which is what makes the map periodic across the seam.
    static func longitudeOverlaps(source: [Double], target: [Double]) -> Overlaps {
        // Edge rounding (e.g. 1.5 + 119 · 3 against 360 − 1.5) can leave slivers of ~1e-13°;
        // they are noise, not overlaps.
        let sliver = 1e-9 * (source[1] - source[0])
        return (0..<(target.count - 1)).map { i in
            var list: [(source: Int, amount: Double)] = []
            for j in 0..<(source.count - 1) {
                var amount = 0.0
                for shift in [-360.0, 0, 360] {
                    amount += max(0, min(target[i + 1], source[j + 1] + shift) - max(target[i], source[j] + shift))
                }
                if amount > sliver { list.append((j, amount)) }
            }
            return list
        }
    }
}
