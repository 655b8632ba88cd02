/// Angular power spectrum per degree: Sₗ = Σₘ wₘ |cₗₘ|², w₀ = 1, wₘ = 2 (ortho norm),
/// so that Σₗ Sₗ = ∫ f² dΩ (Parseval). Other norms: multiply by the squared inverse scale.
/// - Parameter coefficients: one coefficient set, `[lmax][mmax]` interleaved complex.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func powerSpectrum<T: SHTScalar>(_ coefficients: [T], lmax: Int, mmax: Int) -> [Double] {
    precondition(coefficients.count == 2 * lmax * mmax, "powerSpectrum: expected \(2 * lmax * mmax) values")
    var spectrum = [Double](repeating: 0, count: lmax)
    for l in 0..<lmax {
        var s = 0.0
        for m in 0..<min(l + 1, mmax) {
            let re = Double(coefficients[2 * (l * mmax + m)]), im = Double(coefficients[2 * (l * mmax + m) + 1])
            s += (m == 0 ? 1 : 2) * (re * re + im * im)
        }
        spectrum[l] = s
    }
    return spectrum
}
