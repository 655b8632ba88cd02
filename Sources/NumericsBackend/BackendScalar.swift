import COpenBLAS

// The GEMM entry points are @inlinable: kernels in other modules call them in tight loops of small
// products (tiled pointwise layers), where an unspecialised cross-module call cost SFNO inference
// a third of its speed.

/// A floating-point type the numerical kernels work in: `Float` (`cblas_sgemm`, FFTW's `fftwf_*`)
/// or `Double` (`cblas_dgemm`, `fftw_*`).
public protocol BackendScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
    /// The BLAS call itself, C = α·op(A)·op(B) + β·C, row-major, with op(A) m×k and op(B) k×n;
    /// call `gemm`, which skips empty products and keeps BLAS single-threaded.
    static func blasGEMM(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Name for reports and files: "float32" or "float64".
    static var precisionName: String { get }
    /// The value as a Double (a concrete conversion: the generic one is slow when unspecialised).
    var double: Double { get }
}

extension BackendScalar {
    /// C = α·op(A)·op(B) + β·C (see `blasGEMM`), with defaults for the common case: no transposes, α = 1. Empty products are skipped
    /// (with k = 0 and β ≠ 1 BLAS would scale C; no caller relies on that, so it is left alone).
    @inlinable @inline(__always)
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Self = 1, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                            beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        BLASLibrary.ensureSingleThreaded()
        blasGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
             a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

@inlinable @inline(__always)
func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE { transpose ? CblasTrans : CblasNoTrans }

extension Float: BackendScalar {
    @inlinable @inline(__always)
    public static func blasGEMM(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB), blasint(m), blasint(n),
                    blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static var precisionName: String { "float32" }
    @inline(__always) public var double: Double { Double(self) }
}

extension Double: BackendScalar {
    @inlinable @inline(__always)
    public static func blasGEMM(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB), blasint(m), blasint(n),
                    blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static var precisionName: String { "float64" }
    @inline(__always) public var double: Double { self }
}
