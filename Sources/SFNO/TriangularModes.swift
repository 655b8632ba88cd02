/// The (l, m) modes a triangular truncation keeps (m < mmax, m ≤ l < lmax; exclusive bounds,
/// mmax ≤ lmax) and the **order-major** layout the SFNO stores them in: for each order m the
/// degrees l = m … lmax − 1 follow one another, and each (l, m) is a row of `fields` complex
/// numbers (re, im interleaved, fields fastest).
///
/// Order-major rows are what the Legendre GEMMs of one order read and write (degrees of one
/// parity are every other row: a constant leading dimension), so the transforms need no
/// scatter; the spectral contraction, which works per degree, gathers its rows instead.
struct TriangularModes: Equatable, Sendable {
    let lmax: Int
    let mmax: Int
    /// Row of (l = m, m) for each m.
    let orderOffsets: [Int]
    /// Number of (l, m) rows: Σₘ (lmax − m).
    let count: Int

    init(lmax: Int, mmax: Int) {
        precondition(mmax >= 1 && mmax <= lmax, "TriangularModes: need 1 ≤ mmax ≤ lmax")
        self.lmax = lmax
        self.mmax = mmax
        var offsets = [Int](), total = 0
        for m in 0..<mmax {
            offsets.append(total)
            total += lmax - m
        }
        orderOffsets = offsets
        count = total
    }

    /// Row index of mode (l, m); requires m ≤ l.
    @inline(__always) func row(l: Int, m: Int) -> Int { orderOffsets[m] + l - m }

    /// Orders present at degree l: min(l + 1, mmax).
    @inline(__always) func orders(_ l: Int) -> Int { min(l + 1, mmax) }
}
