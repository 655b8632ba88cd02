import Foundation

/// The grid's rows grouped into mirror pairs (ring p and ring nlat−1−p), which is what lets
/// the transforms fold data into even and odd parts (equatorial symmetry). Package-wide, with
/// `ParityTables`, for the SFNO's transform.
package struct RingPairs: Sendable {
    /// Rings of the grid.
    let nlat: Int
    /// Pairs holding an even part: (nlat + 1)/2 (the equator, if any, is the last one).
    package let evenCount: Int
    /// Pairs holding an odd part: nlat/2 (the equator has none).
    package let oddCount: Int
    /// evenCount rounded up to a multiple of 16 (covers the recurrence kernels' block sizes:
    /// two vectors of 4 doubles or of 8 floats).
    let paddedCount: Int
    /// cos θ of the northern ring of each pair, zero-padded to `paddedCount`.
    let cosTheta: [Double]
    /// sin θ of the northern ring of each pair, padded with 1.
    let sinTheta: [Double]
    /// Quadrature weight × 2π/nlon of each pair's rings (the forward transform's factor; the
    /// rings' cell areas, `SphericalGrid.cellAreas`), zero-padded to `paddedCount`.
    package let forwardWeight: [Double]

    /// The pairs of `grid`'s rings.
    package init(grid: SphericalGrid) {
        nlat = grid.nlat
        evenCount = (grid.nlat + 1) / 2
        oddCount = grid.nlat / 2
        paddedCount = (evenCount + 15) / 16 * 16
        var c = [Double](repeating: 0, count: paddedCount)
        var s = [Double](repeating: 1, count: paddedCount)
        var w = [Double](repeating: 0, count: paddedCount)
        for p in 0..<evenCount {
            c[p] = grid.cosColatitudes[p]
            s[p] = sin(grid.colatitudes[p])
            w[p] = grid.weights[p] * 2 * Double.pi / Double(grid.nlon)
        }
        if grid.nlat % 2 == 1 { c[evenCount - 1] = 0; s[evenCount - 1] = 1 }
        cosTheta = c
        sinTheta = s
        forwardWeight = w
    }

    /// First pair (rounded down to a block of 16) where order m can matter for band limit
    /// `lmax`: P̄ₗᵐ is negligible where m > (lmax−1)·sin θ + margin (the polar cap it never
    /// reaches), margin = max(100, lmax/100) as in ducc0's `get_mlim`.
    func firstRelevantPair(m: Int, lmax: Int) -> Int {
        let margin = max(100.0, Double(lmax) / 100)
        var p = 0
        while p < evenCount && Double(m) > Double(lmax - 1) * sinTheta[p] + margin { p += 1 }
        return p / 16 * 16
    }
}
