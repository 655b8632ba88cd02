import Foundation

/// Precomputed Legendre-type functions over ring pairs, split by equatorial symmetry,
/// for the GEMM path.
///
/// For order m, the rows whose function is symmetric about the equator (f(π−θ) = f(θ)) are
/// stored against the pairs' even parts E = N + S, and the antisymmetric rows against the odd
/// parts O = N − S: only l ≥ m and half the rings each, about a quarter of a dense
/// (lmax × nlat) table. For P̄ₗᵐ the symmetric degrees are l = m, m+2, …; for ∂θP̄ₗᵐ they are
/// l = m+1, m+3, … (`symmetricOffset` 0 or 1).
///
/// Package-wide (row counts, blocks, the scalar tables) so that the SFNO's transform uses the
/// same tables with its own GEMM layout.
package struct ParityTables<T: SHTScalar>: Sendable {
    /// Row-major blocks per m: symmetricRows(m) × pairs.evenCount.
    let symmetric: [T]
    /// Row-major blocks per m: antisymmetricRows(m) × pairs.oddCount.
    let antisymmetric: [T]
    /// Start of order m's block in `symmetric`.
    let symmetricOffsets: [Int]
    /// Start of order m's block in `antisymmetric`.
    let antisymmetricOffsets: [Int]
    /// Exclusive band limit: degrees l < lmax.
    let lmax: Int
    /// 0 when degree m is symmetric, 1 when degree m + 1 is.
    let symmetricOffset: Int

    /// First degree of the symmetric rows of order m (they step by 2).
    func firstSymmetricDegree(_ m: Int) -> Int { m + symmetricOffset }
    /// First degree of the antisymmetric rows of order m (they step by 2).
    func firstAntisymmetricDegree(_ m: Int) -> Int { m + 1 - symmetricOffset }
    /// Number of symmetric rows of order m.
    package func symmetricRows(_ m: Int) -> Int { max(0, lmax - firstSymmetricDegree(m) + 1) / 2 }
    /// Number of antisymmetric rows of order m.
    package func antisymmetricRows(_ m: Int) -> Int { max(0, lmax - firstAntisymmetricDegree(m) + 1) / 2 }

    /// Builds tables for orders `0..<mmax` from `values(m, pair)`, which returns the
    /// (lmax − m) values of degrees m ..< lmax at one ring pair.
    init(pairs: RingPairs, lmax: Int, mmax: Int, symmetricOffset: Int, values: (Int, Int) -> [Double]) {
        self.lmax = lmax
        self.symmetricOffset = symmetricOffset
        var symOffsets = [Int](), antiOffsets = [Int]()
        var ns = 0, na = 0
        for m in 0..<mmax {
            symOffsets.append(ns); antiOffsets.append(na)
            ns += max(0, lmax - m - symmetricOffset + 1) / 2 * pairs.evenCount
            na += max(0, lmax - m - (1 - symmetricOffset) + 1) / 2 * pairs.oddCount
        }
        var sym = [T](repeating: 0, count: ns)
        var anti = [T](repeating: 0, count: na)
        for m in 0..<mmax {
            for p in 0..<pairs.evenCount {
                for (i, value) in values(m, p).enumerated() {
                    let row = i / 2
                    if i % 2 == symmetricOffset {
                        sym[symOffsets[m] + row * pairs.evenCount + p] = T(value)
                    } else if p < pairs.oddCount {
                        anti[antiOffsets[m] + row * pairs.oddCount + p] = T(value)
                    }
                }
            }
        }
        symmetric = sym
        antisymmetric = anti
        symmetricOffsets = symOffsets
        antisymmetricOffsets = antiOffsets
    }

    /// Ortho P̄ₗᵐ tables for a scalar transform: without the Condon–Shortley phase (the general
    /// transform applies it to the coefficients), or with it, (−1)ᵐ·P̄ₗᵐ, multiplied in Float64
    /// before the one rounding to T (the SFNO's transform).
    package static func scalar(pairs: RingPairs, lmax: Int, mmax: Int, condonShortleyPhase: Bool = false) -> ParityTables {
        let recurrences = (0..<mmax).map { LegendreRecurrence(m: $0, lmax: lmax) }
        return ParityTables(pairs: pairs, lmax: lmax, mmax: mmax, symmetricOffset: 0) { m, p in
            let values = recurrences[m].values(x: pairs.cosTheta[p], sinTheta: pairs.sinTheta[p])
            guard condonShortleyPhase && m % 2 == 1 else { return values }
            return values.map { -$0 }   // exact: the same bits as (−1)·value
        }
    }

    /// Symmetric and antisymmetric blocks of order m.
    package func blocks(_ m: Int, _ body: (_ symmetric: UnsafePointer<T>, _ antisymmetric: UnsafePointer<T>) -> Void) {
        symmetric.withUnsafeBufferPointer { s in
            antisymmetric.withUnsafeBufferPointer { a in
                body(s.baseAddress! + symmetricOffsets[m], a.baseAddress! + antisymmetricOffsets[m])
            }
        }
    }
}
