import Foundation
import Spherical

/// The exact (erf) GELU, gelu(x) = x·Φ(x) = x·½(1 + erf(x/√2)), and its derivative
/// gelu′(x) = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π).
///
/// Float32 uses branch-free approximations that the compiler vectorises (a libm call per
/// element would cost as much as the MLP GEMM around it): erf as x·P(x²)/Q(x²) on [−4, 4]
/// (a rational fit made for hens, |error| ≤ 6e-8 in exact arithmetic, ≤ 4e-7 in Float32) and
/// eˣ by Cody–Waite range reduction with a degree-7 polynomial. Float64 (gradient checks)
/// calls libm's `erf`/`exp`. The formula keeps torch's form ½(1 + erf(·)), so results
/// round the way torch's do.
enum GELU {
    /// y = gelu(x), elementwise over `count` values (y may be x).
    static func forward<T: SHTScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
            for i in 0..<count { yf[i] = geluFloat(xf[i]) }
        } else {
            for i in 0..<count { y[i] = T(geluDouble(x[i].double)) }
        }
    }

    /// y = gelu(x) and d = gelu′(x), elementwise (y may be x; d must not alias x).
    static func valueAndDerivative<T: SHTScalar>(_ x: UnsafePointer<T>, value y: UnsafeMutablePointer<T>,
                                                 derivative d: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
            let df = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)
            for i in 0..<count {
                let v = xf[i]
                let phi = cdfFloat(v)
                yf[i] = v * phi
                df[i] = phi + v * densityFloat(v)
            }
        } else {
            for i in 0..<count {
                let v = x[i].double
                let phi = 0.5 * (1 + erf(v / 2.0.squareRoot()))
                y[i] = T(v * phi)
                d[i] = T(phi + v * exp(-0.5 * v * v) / (2 * Double.pi).squareRoot())
            }
        }
    }

    /// g ← g ⊙ gelu′(x) (the backward pass through the activation, in place).
    static func backward<T: SHTScalar>(_ x: UnsafePointer<T>, gradient g: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let gf = UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self)
            for i in 0..<count {
                let v = xf[i]
                gf[i] *= cdfFloat(v) + v * densityFloat(v)
            }
        } else {
            for i in 0..<count {
                let v = x[i].double
                let phi = 0.5 * (1 + erf(v / 2.0.squareRoot()))
                g[i] = T(g[i].double * (phi + v * exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()))
            }
        }
    }

    /// Applies `forward` to `rows` rows of `columns` values with leading dimensions.
    static func forward<T: SHTScalar>(_ x: UnsafePointer<T>, ldx: Int, _ y: UnsafeMutablePointer<T>, ldy: Int,
                                      rows: Int, columns: Int) {
        for r in 0..<rows { forward(x + r * ldx, y + r * ldy, count: columns) }
    }

    // MARK: - Float32 kernels

    @inline(__always)
    static func geluFloat(_ x: Float) -> Float { x * cdfFloat(x) }

    /// Φ(x) = ½(1 + erf(x/√2)).
    @inline(__always)
    static func cdfFloat(_ x: Float) -> Float { 0.5 * (1 + erfFloat(x * 0.70710678118654752)) }

    /// φ(x) = e^{−x²/2}/√(2π).
    @inline(__always)
    static func densityFloat(_ x: Float) -> Float { 0.39894228040143268 * expNonPositive(-0.5 * x * x) }

    /// erf(x) ≈ x·P(x²)/Q(x²) with x clamped to [−4, 4] (erf(4) = 1 − 1.5e-8 rounds to 1).
    /// Coefficients: a weighted least-squares (Lawson) rational fit of degree (6, 4) in x²
    /// made for hens.
    @inline(__always)
    static func erfFloat(_ x: Float) -> Float {
        let c = min(max(x, -4), 4)
        let t = c * c
        var p: Float = 1.922344042e-08
        p = Float(-1.990840424e-06).addingProduct(p, t)
        p = Float(1.555700044e-04).addingProduct(p, t)
        p = Float(4.293757887e-03).addingProduct(p, t)
        p = Float(5.243588874e-02).addingProduct(p, t)
        p = Float(2.139519182e-01).addingProduct(p, t)
        p = Float(1.128378689e+00).addingProduct(p, t)
        var q: Float = 1.098254598e-03
        q = Float(1.555257496e-02).addingProduct(q, t)
        q = Float(1.208037627e-01).addingProduct(q, t)
        q = Float(5.229376900e-01).addingProduct(q, t)
        q = Float(1).addingProduct(q, t)
        return c * p / q
    }

    /// eᵃ for a ≤ 0 (clamped at −87, where it is 1.6e-38): a = n·ln2 + r with |r| ≤ ln2/2;
    /// n is found by adding 1.5·2²³ (which rounds to an integer held in the low mantissa bits,
    /// so 2ⁿ is built with wrapping integer arithmetic and the loop stays branch-free).
    @inline(__always)
    static func expNonPositive(_ a: Float) -> Float {
        let x = max(a, -87)
        let shifter: Float = 12_582_912 // 1.5·2²³
        let k = shifter.addingProduct(x, 1.44269504088896341)
        let n = k - shifter
        var r = x.addingProduct(n, -0.693145751953125)
        r = r.addingProduct(n, -1.428606765330187e-06)
        var p: Float = 1.0 / 5040
        p = Float(1.0 / 720).addingProduct(p, r)
        p = Float(1.0 / 120).addingProduct(p, r)
        p = Float(1.0 / 24).addingProduct(p, r)
        p = Float(1.0 / 6).addingProduct(p, r)
        p = Float(0.5).addingProduct(p, r)
        p = Float(1).addingProduct(p, r)
        p = Float(1).addingProduct(p, r)
        let bits = (k.bitPattern &- shifter.bitPattern &+ 127) &<< 23
        return p * Float(bitPattern: bits)
    }

    // MARK: - Float64 reference

    @inline(__always)
    static func geluDouble(_ x: Double) -> Double { x * 0.5 * (1 + erf(x / 2.0.squareRoot())) }
}
