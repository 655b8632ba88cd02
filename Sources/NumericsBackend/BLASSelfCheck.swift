import HensCore

/// A start-up check of the BLAS kernel in use: small SGEMM and DGEMM products, in every
/// transpose combination, against a plain loop in Float64. It guards hens' kernel selection — a
/// kernel family forced on a CPU it was not written for could compute wrong results — and costs
/// well under a millisecond.
public enum BLASSelfCheck {
    /// Relative tolerance of a product: a few units of the precision, times the sum |α||A||B| + |β||C|
    /// of each entry (rounding of a dot product of length k stays far below k·ε of that sum).
    static func tolerance<T: BackendScalar>(_: T.Type, k: Int) -> Double { Double(k) * 4 * T.ulpOfOne.double }

    /// The first failure of the library's GEMMs, or nil when both precisions pass.
    public static func run() -> String? {
        check(Float.self, multiply: Float.gemm) ?? check(Double.self, multiply: Double.gemm)
    }

    /// A GEMM to check: (transposeA, transposeB, m, n, k, α, A, lda, B, ldb, β, C, ldc), row-major.
    public typealias Multiply<T> = (Bool, Bool, Int, Int, Int, T, UnsafePointer<T>, Int, UnsafePointer<T>, Int, T,
                                    UnsafeMutablePointer<T>, Int) -> Void

    /// Checks `multiply` on products of awkward sizes (not multiples of any vector width) against
    /// a Float64 loop; returns a description of the first wrong entry, or nil.
    public static func check<T: BackendScalar>(_: T.Type, multiply: Multiply<T>) -> String? {
        let (m, n, k) = (37, 29, 43)
        let alpha: T = 0.75, beta: T = -0.5
        var generator = SeededGenerator(seed: 0x5EED)
        let a = (0..<(m * k)).map { _ in T(generator.nextUniform() * 2 - 1) }
        let b = (0..<(k * n)).map { _ in T(generator.nextUniform() * 2 - 1) }
        let c0 = (0..<(m * n)).map { _ in T(generator.nextUniform() * 2 - 1) }
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            // Stored shapes: A is m×k (or k×m transposed), B is k×n (or n×k).
            let lda = transposeA ? m : k, ldb = transposeB ? k : n
            var c = c0
            c.withUnsafeMutableBufferPointer { cp in
                multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, cp.baseAddress!, n)
            }
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = a[transposeA ? p * lda + i : i * lda + p].double
                        let y = b[transposeB ? j * ldb + p : p * ldb + j].double
                        exact += x * y
                        magnitude += abs(x * y)
                    }
                    let expected = alpha.double * exact + beta.double * c0[i * n + j].double
                    let scale = abs(alpha.double) * magnitude + abs(beta.double * c0[i * n + j].double)
                    let error = abs(c[i * n + j].double - expected)
                    if !(error <= tolerance(T.self, k: k) * scale) {
                        return "\(T.precisionName) GEMM (transpose A \(transposeA), B \(transposeB)) entry (\(i), \(j)) is "
                            + "\(c[i * n + j].double), expected \(expected)"
                    }
                }
            }
        }
        return nil
    }
}
