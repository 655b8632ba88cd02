import COpenBLAS
import Spherical

/// Row-major GEMM for either precision: C = α·op(A)·op(B) + β·C, with op(A) m×k, op(B) k×n.
///
/// `SHTScalar.gemm` only offers a transposed A and α = 1; the backward passes need Bᵀ
/// (weight gradients, Y·Xᵀ) as well, so the SFNO kernels go through this wrapper. The type
/// test folds away in specialised code. Empty products are skipped (with k = 0 and β ≠ 1
/// C is scaled, which no caller relies on, so it is left alone).
@inline(__always)
func gemm<T: SHTScalar>(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                        alpha: T = 1, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                        beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
    guard m > 0, n > 0, k > 0 else { return }
    let ta = transposeA ? CblasTrans : CblasNoTrans
    let tb = transposeB ? CblasTrans : CblasNoTrans
    if T.self == Float.self {
        cblas_sgemm(CblasRowMajor, ta, tb, blasint(m), blasint(n), blasint(k), Float(alpha.double),
                    UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), blasint(lda),
                    UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), blasint(ldb), Float(beta.double),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), blasint(ldc))
    } else if T.self == Double.self {
        cblas_dgemm(CblasRowMajor, ta, tb, blasint(m), blasint(n), blasint(k), alpha.double,
                    UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), blasint(lda),
                    UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), blasint(ldb), beta.double,
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), blasint(ldc))
    } else {
        fatalError("gemm: unsupported scalar type \(T.self)")
    }
}
