import Foundation

/// Precomputed P̄ₗᵐ over ring pairs, split by parity, for the GEMM path.
///
/// For order m, rows of degree l = m, m+2, … ("even": symmetric about the equator) are
/// stored against the even pairs, and l = m+1, m+3, … ("odd") against the odd pairs:
/// only l ≥ m and half the rings each, i.e. about a quarter of a dense (lmax × nlat) table.
struct ParityTables<T: SHTScalar>: Sendable {
    /// Row-major [m] blocks: evenRows(m) × pairs.evenCount.
    let even: [T]
    /// Row-major [m] blocks: oddRows(m) × pairs.oddCount.
    let odd: [T]
    let evenOffset: [Int]
    let oddOffset: [Int]
    let lmax: Int

    /// Number of even-parity degrees for order m.
    func evenRows(_ m: Int) -> Int { (lmax - m + 1) / 2 }
    /// Number of odd-parity degrees for order m.
    func oddRows(_ m: Int) -> Int { (lmax - m) / 2 }

    /// Builds tables for orders `0..<mmax` from row-generating function `values(m, pair)`,
    /// which returns the (lmax − m) values of degrees m ..< lmax at one pair.
    init(pairs: RingPairs, lmax: Int, mmax: Int, values: (Int, Int) -> [Double]) {
        self.lmax = lmax
        var evenOffset = [Int](), oddOffset = [Int]()
        var ne = 0, no = 0
        for m in 0..<mmax {
            evenOffset.append(ne); oddOffset.append(no)
            ne += (lmax - m + 1) / 2 * pairs.evenCount
            no += (lmax - m) / 2 * pairs.oddCount
        }
        var even = [T](repeating: 0, count: ne)
        var odd = [T](repeating: 0, count: no)
        for m in 0..<mmax {
            for p in 0..<pairs.evenCount {
                let v = values(m, p)
                for (i, value) in v.enumerated() {
                    let row = i / 2
                    if i % 2 == 0 {
                        even[evenOffset[m] + row * pairs.evenCount + p] = T(value)
                    } else if p < pairs.oddCount {
                        odd[oddOffset[m] + row * pairs.oddCount + p] = T(value)
                    }
                }
            }
        }
        self.even = even
        self.odd = odd
        self.evenOffset = evenOffset
        self.oddOffset = oddOffset
    }

    /// Ortho P̄ₗᵐ (no Condon–Shortley phase) tables for a scalar transform.
    static func scalar(pairs: RingPairs, lmax: Int, mmax: Int) -> ParityTables {
        let recurrences = (0..<mmax).map { LegendreRecurrence(m: $0, lmax: lmax) }
        return ParityTables(pairs: pairs, lmax: lmax, mmax: mmax) { m, p in
            recurrences[m].values(x: pairs.cosTheta[p], sinTheta: pairs.sinTheta[p])
        }
    }

    var byteCount: Int { (even.count + odd.count) * MemoryLayout<T>.stride }
}
