import CFFTW
import COpenBLAS

/// A floating-point type the transforms work in: `Float` (FFTW `fftwf_*`, `cblas_sgemm`)
/// or `Double` (FFTW `fftw_*`, `cblas_dgemm`). Legendre recurrences always run in Double.
public protocol SHTScalar: BinaryFloatingPoint, SIMDScalar, Sendable {

    /// C = op(A) · B + β C, row-major, op = transpose when `transposeA`.
    static func gemm(transposeA: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Plans a rank-1 real-to-complex FFT with the given guru loops (strides in real/complex units).
    static func planForward(length: Int, inputStride: Int, outputStride: Int, loops: [fftw_iodim64],
                            input: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>,
                            flags: UInt32) -> OpaquePointer?
    /// Plans the matching complex-to-real FFT.
    static func planInverse(length: Int, inputStride: Int, outputStride: Int, loops: [fftw_iodim64],
                            input: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>,
                            flags: UInt32) -> OpaquePointer?
    /// Executes a real-to-complex plan on new arrays (same strides).
    static func executeForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Self>, _ output: UnsafeMutablePointer<Self>)
    /// Executes a complex-to-real plan on new arrays (same strides; destroys the input).
    static func executeInverse(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Self>, _ output: UnsafeMutablePointer<Self>)
    /// Frees a plan.
    static func destroy(_ plan: OpaquePointer)
    /// Name for reports: "float32" or "float64".
    static var precisionName: String { get }
    /// The value as a Double (a concrete conversion: the generic one is slow when unspecialised).
    var double: Double { get }
}

extension Float: SHTScalar {

    @inline(__always)
    public static func gemm(transposeA: Bool, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func planForward(length: Int, inputStride: Int, outputStride: Int, loops: [fftw_iodim64],
                                   input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                                   flags: UInt32) -> OpaquePointer? {
        var dim = fftw_iodim64(n: length, is: inputStride, os: outputStride)
        var loops = loops
        return output.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { out in
            fftwf_plan_guru64_dft_r2c(1, &dim, Int32(loops.count), &loops, input, out, flags)
        }
    }
    public static func planInverse(length: Int, inputStride: Int, outputStride: Int, loops: [fftw_iodim64],
                                   input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                                   flags: UInt32) -> OpaquePointer? {
        var dim = fftw_iodim64(n: length, is: inputStride, os: outputStride)
        var loops = loops
        return input.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { inp in
            fftwf_plan_guru64_dft_c2r(1, &dim, Int32(loops.count), &loops, inp, output, flags)
        }
    }
    @inline(__always)
    public static func executeForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        output.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { fftwf_execute_dft_r2c(plan, input, $0) }
    }
    @inline(__always)
    public static func executeInverse(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        input.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { fftwf_execute_dft_c2r(plan, $0, output) }
    }
    public static func destroy(_ plan: OpaquePointer) { fftwf_destroy_plan(plan) }
    public static var precisionName: String { "float32" }
    @inline(__always) public var double: Double { Double(self) }
}

extension Double: SHTScalar {

    @inline(__always)
    public static func gemm(transposeA: Bool, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func planForward(length: Int, inputStride: Int, outputStride: Int, loops: [fftw_iodim64],
                                   input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>,
                                   flags: UInt32) -> OpaquePointer? {
        var dim = fftw_iodim64(n: length, is: inputStride, os: outputStride)
        var loops = loops
        return output.withMemoryRebound(to: fftw_complex.self, capacity: 1) { out in
            fftw_plan_guru64_dft_r2c(1, &dim, Int32(loops.count), &loops, input, out, flags)
        }
    }
    public static func planInverse(length: Int, inputStride: Int, outputStride: Int, loops: [fftw_iodim64],
                                   input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>,
                                   flags: UInt32) -> OpaquePointer? {
        var dim = fftw_iodim64(n: length, is: inputStride, os: outputStride)
        var loops = loops
        return input.withMemoryRebound(to: fftw_complex.self, capacity: 1) { inp in
            fftw_plan_guru64_dft_c2r(1, &dim, Int32(loops.count), &loops, inp, output, flags)
        }
    }
    @inline(__always)
    public static func executeForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<Double>) {
        output.withMemoryRebound(to: fftw_complex.self, capacity: 1) { fftw_execute_dft_r2c(plan, input, $0) }
    }
    @inline(__always)
    public static func executeInverse(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<Double>) {
        input.withMemoryRebound(to: fftw_complex.self, capacity: 1) { fftw_execute_dft_c2r(plan, $0, output) }
    }
    public static func destroy(_ plan: OpaquePointer) { fftw_destroy_plan(plan) }
    public static var precisionName: String { "float64" }
    @inline(__always) public var double: Double { self }
}
