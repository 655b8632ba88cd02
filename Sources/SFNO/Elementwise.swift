import Spherical

/// Small pointer kernels shared by the layers: strided copies and adds, bias broadcasts and
/// Float64 sums.
enum Elementwise {
    /// dst[r][c] = src[r][c] for `rows` rows of `columns` values with leading dimensions.
    @inline(__always)
    static func copy<T>(_ src: UnsafePointer<T>, ld lds: Int, to dst: UnsafeMutablePointer<T>, ld ldd: Int,
                        rows: Int, columns: Int) {
        for r in 0..<rows { (dst + r * ldd).update(from: src + r * lds, count: columns) }
    }

    /// dst[r][c] += src[r][c].
    @inline(__always)
    static func add<T: SHTScalar>(_ src: UnsafePointer<T>, ld lds: Int, to dst: UnsafeMutablePointer<T>, ld ldd: Int,
                                  rows: Int, columns: Int) {
        for r in 0..<rows {
            let s = src + r * lds, d = dst + r * ldd
            for c in 0..<columns { d[c] += s[c] }
        }
    }

    /// dst[i] += src[i] over a contiguous span.
    @inline(__always)
    static func add<T: SHTScalar>(_ src: UnsafePointer<T>, to dst: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { dst[i] += src[i] }
    }

    /// dst[r][c] = value[r] for every column (a bias broadcast before an accumulating GEMM).
    @inline(__always)
    static func fillRows<T>(_ dst: UnsafeMutablePointer<T>, ld: Int, values: UnsafePointer<T>, rows: Int, columns: Int) {
        for r in 0..<rows { (dst + r * ld).update(repeating: values[r], count: columns) }
    }

    /// out[r] += Σ_c src[r][c], accumulated in Float64 (a bias gradient).
    static func accumulateRowSums<T: SHTScalar>(_ src: UnsafePointer<T>, ld: Int, rows: Int, columns: Int,
                                                into out: UnsafeMutablePointer<T>) {
        for r in 0..<rows { out[r] += T(sum(src + r * ld, count: columns) { $0 }) }
    }

    /// Σ term(xᵢ) in Float64 with eight interleaved partial sums: a single running sum is one
    /// long chain of dependent adds (the compiler may not reorder floating-point sums), eight
    /// chains fill the adder pipelines and vectorise. The order is fixed, so results are too.
    @inline(__always)
    static func sum<T: SHTScalar>(_ x: UnsafePointer<T>, count: Int, _ term: (Double) -> Double) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
        var p = 0
        while p + 8 <= count {
            s0 += term(x[p].double); s1 += term(x[p + 1].double); s2 += term(x[p + 2].double); s3 += term(x[p + 3].double)
            s4 += term(x[p + 4].double); s5 += term(x[p + 5].double); s6 += term(x[p + 6].double); s7 += term(x[p + 7].double)
            p += 8
        }
        while p < count {
            s0 += term(x[p].double)
            p += 1
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
