import HensCore

/// Validated band limits of a transform (exclusive bounds, triangular: mmax ≤ lmax) and the
/// per-(l, m) factors that turn ortho, phase-free Legendre sums into the chosen convention.
struct Truncation: Sendable {
    let lmax: Int
    let mmax: Int

    /// - Throws: when the band limits do not fit the grid.
    init(grid: SphericalGrid, lmax: Int?, mmax: Int?) throws {
        let l = lmax ?? grid.defaultBandLimit
        let m = min(mmax ?? l, l)
        guard l >= 1 else { throw HensError.invalid("lmax", "at least 1, got \(l)") }
        guard m >= 1, m <= grid.nlon / 2 + 1 else {
            throw HensError.invalid("mmax", "between 1 and nlon/2 + 1 = \(grid.nlon / 2 + 1) for \(grid.label), got \(m)")
        }
        self.lmax = l
        self.mmax = m
    }

    /// `[l][m]` factors (norm × Condon–Shortley phase) applied to forward outputs; the inverse
    /// divides by them. Zero where m > l.
    func forwardScales(normalization: Normalization, csPhase: Bool) -> [Double] {
        var scale = [Double](repeating: 0, count: lmax * mmax)
        for l in 0..<lmax {
            for m in 0..<min(mmax, l + 1) {
                let phase: Double = csPhase && m % 2 == 1 ? -1 : 1
                scale[l * mmax + m] = normalization.forwardScale(degree: l) * phase
            }
        }
        return scale
    }
}

/// Array wrapper for the pointer-based transform entry points: checks the input size and
/// returns a fresh output array of `outputCount` elements.
@inline(__always)
func transformed<T>(_ input: [T], expected: Int, outputCount: Int, _ name: String,
                    _ body: (UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) -> [T] where T: BinaryFloatingPoint {
    precondition(input.count == expected, "\(name): expected \(expected) values, got \(input.count)")
    var out = [T](repeating: 0, count: outputCount)
    input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { body(i.baseAddress!, $0.baseAddress!) } }
    return out
}
