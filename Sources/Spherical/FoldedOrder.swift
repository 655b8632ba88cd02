/// Scratch for one order m of the Fourier-major spectrum folded over ring pairs:
/// `even[p][c]` = N + S and `odd[p][c]` = N − S for the `width` real columns of a ring
/// (re/im × fields). The equator ring, if any, is the last even pair and has no odd part.
struct FoldedOrder<T: SHTScalar> {
    let pairs: RingPairs
    let width: Int
    let even: UnsafeMutablePointer<T>
    let odd: UnsafeMutablePointer<T>

    init(pairs: RingPairs, width: Int) {
        self.pairs = pairs
        self.width = width
        even = .allocate(capacity: max(1, pairs.evenCount * width))
        odd = .allocate(capacity: max(1, pairs.oddCount * width))
    }

    func deallocate() {
        even.deallocate()
        odd.deallocate()
    }

    /// Folds order m of `spectrum` (`[m][ring][width]`), optionally multiplying each pair
    /// by its forward quadrature weight (forward transforms) .
    func fold(_ spectrum: UnsafePointer<T>, order m: Int, weighted: Bool) {
        let nlat = pairs.nlat
        let base = spectrum + m * nlat * width
        for p in 0..<pairs.oddCount {
            let w = weighted ? T(pairs.forwardWeight[p]) : 1
            let north = base + p * width, south = base + (nlat - 1 - p) * width
            let e = even + p * width, o = odd + p * width
            for c in 0..<width {
                e[c] = w * (north[c] + south[c])
                o[c] = w * (north[c] - south[c])
            }
        }
        if pairs.evenCount > pairs.oddCount {
            let p = pairs.oddCount
            let w = weighted ? T(pairs.forwardWeight[p]) : 1
            let ring = base + p * width, e = even + p * width
            for c in 0..<width { e[c] = w * ring[c] }
        }
    }

    /// Writes north = even + odd and south = even − odd into order m of `spectrum`.
    func unfold(into spectrum: UnsafeMutablePointer<T>, order m: Int) {
        let nlat = pairs.nlat
        let base = spectrum + m * nlat * width
        for p in 0..<pairs.oddCount {
            let north = base + p * width, south = base + (nlat - 1 - p) * width
            let e = even + p * width, o = odd + p * width
            for c in 0..<width {
                north[c] = e[c] + o[c]
                south[c] = e[c] - o[c]
            }
        }
        if pairs.evenCount > pairs.oddCount {
            let p = pairs.oddCount
            let ring = base + p * width, e = even + p * width
            for c in 0..<width { ring[c] = e[c] }
        }
    }
}
