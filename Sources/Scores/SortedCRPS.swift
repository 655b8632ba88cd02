/// What one O(m) pass over a sorted ensemble gives: both CRPS estimators and the moments.
public struct SortedEnsembleStatistics: Equatable {
    /// Standard CRPS A − D/(2m²) (the empirical CDF's; properscoring, xskillscore, HENS).
    public var crps: Double
    /// Fair CRPS A − D/(2m(m−1)) (Ferro; WeatherBench 2); NaN for m = 1.
    public var crpsFair: Double
    /// Ensemble mean.
    public var mean: Double
    /// Ensemble variance with ddof = 1 (0 for m = 1).
    public var variance: Double

    /// A summary from its four values.
    @inlinable
    public init(crps: Double, crpsFair: Double, mean: Double, variance: Double) {
        self.crps = crps
        self.crpsFair = crpsFair
        self.mean = mean
        self.variance = variance
    }
}

/// CRPS and order statistics of one ensemble whose members are sorted ascending
/// (docs/formulas.md#crps): every function here is O(m) or O(log m) on the sorted vector.
///
/// Notation: x_(1) ≤ … ≤ x_(m), truth y, A = (1/m)Σ|x_i − y|, D = Σ_{i,j}|x_i − x_j| =
/// 2Σ(2i − m − 1)x_(i). Sums are taken in Float64 on values shifted by the middle member c:
/// both estimators are shift-invariant, and the shift keeps the A − c·D difference and the
/// variance's Σz² − (Σz)²/m free of the cancellation large offsets (e.g. 300 K) would cause.
public enum SortedCRPS {
    /// Standard and fair CRPS, mean and variance of `sorted` against `truth`, in one pass.
    ///
    /// With `floor` every member and the truth are first replaced by max(·, floor): the
    /// threshold-weighted CRPS with chaining function v(z) = max(z, T)
    /// (docs/formulas.md#weighted-crps).
    /// Mean and variance are then those of the floored members. NaN anywhere gives NaN
    /// scores (and a NaN member a NaN mean). m = 1 gives standard |x − y|, fair NaN, variance 0.
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func summary<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, truth: Double,
                                                       floor: Double = -.infinity) -> SortedEnsembleStatistics {
        let m = x.count
        precondition(m >= 1, "SortedCRPS: empty ensemble")
        let p = x.baseAddress!
        let c = max(Double(p[m / 2]), floor)
        let yc = max(truth, floor) - c
        // Two interleaved accumulator sets keep the four dependency chains short.
        var s0 = 0.0, s1 = 0.0       // Σ z
        var w0 = 0.0, w1 = 0.0       // Σ (2i − m − 1) z   (i 1-based)
        var l0 = 0.0, l1 = 0.0       // Σ_{z < yc} z
        var q0 = 0.0, q1 = 0.0       // Σ z²
        var k0 = 0, k1 = 0           // #{z < yc}
        var weight = Double(1 - m)
        var i = 0
        while i + 1 < m {
            let za = max(Double(p[i]), floor) - c
            let zb = max(Double(p[i + 1]), floor) - c
            s0 += za; s1 += zb
            w0 += weight * za; w1 += (weight + 2) * zb
            let la = za < yc, lb = zb < yc
            l0 += la ? za : 0; l1 += lb ? zb : 0
            k0 += la ? 1 : 0; k1 += lb ? 1 : 0
            q0 += za * za; q1 += zb * zb
            weight += 4
            i += 2
        }
        if i < m {
            let z = max(Double(p[i]), floor) - c
            s0 += z
            w0 += weight * z
            if z < yc { l0 += z; k0 += 1 }
            q0 += z * z
        }
        let s = s0 + s1, w = w0 + w1, l = l0 + l1, q = q0 + q1, k = k0 + k1
        let md = Double(m)
        // m·A = Σ_{i≤k}(yc − z_i) + Σ_{i>k}(z_i − yc) = (2k − m)·yc + S − 2L; D = 2W.
        let a = (Double(2 * k - m) * yc + s - 2 * l) / md
        let crps = a - w / (md * md)
        let fair = m > 1 ? a - w / (md * (md - 1)) : .nan
        let variance = m > 1 ? max(0, (q - s * s / md) / (md - 1)) : 0
        return SortedEnsembleStatistics(crps: crps, crpsFair: fair, mean: c + s / md,
                                     variance: s.isNaN ? .nan : variance)
    }

    /// Number of members strictly below `value` (the first index whose member is ≥ `value`).
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func countBelow<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, _ value: Double) -> Int {
        var lo = 0, hi = x.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if Double(x[mid]) < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Number of members ≤ `value`: those below the next larger Double (members are exact in Double).
    @inlinable
    public static func countAtOrBelow<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, _ value: Double) -> Int {
        value == .infinity ? x.count : countBelow(sorted: x, value.nextUp)
    }

    /// Number of members strictly above `threshold` (binary events use "> T").
    @inlinable
    public static func countAbove<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, _ threshold: Double) -> Int {
        x.count - countAtOrBelow(sorted: x, threshold)
    }

    /// The ensemble quantile at probability `level` ∈ [0, 1] with NumPy's default "linear"
    /// method: virtual index h = (m − 1)·level, interpolated between x_(⌊h⌋) and x_(⌊h⌋+1) with
    /// NumPy's two-sided lerp (from the nearer end), so results match `np.quantile` bit for bit
    /// on Float64 data.
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func quantile<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, level: Double) -> Double {
        let m = x.count
        let h = Double(m - 1) * level
        guard h > 0 else { return Double(x[0]) }
        guard h < Double(m - 1) else { return Double(x[m - 1]) }
        let below = Int(h.rounded(.down))
        let t = h - Double(below)
        let a = Double(x[below]), b = Double(x[below + 1])
        let d = b - a
        return t >= 0.5 ? b - d * (1 - t) : a + d * t
    }

    /// The reference O(m²) double sum, for tests: (standard, fair) from the kernel form
    /// A − D/(2m²), A − D/(2m(m−1)) on unsorted members.
    public static func bruteForce<T: BinaryFloatingPoint>(_ x: [T], truth y: Double) -> (crps: Double, fair: Double) {
        let m = Double(x.count)
        var a = 0.0, d = 0.0
        for u in x {
            a += abs(Double(u) - y)
            for v in x { d += abs(Double(u) - Double(v)) }
        }
        a /= m
        return (a - d / (2 * m * m), x.count > 1 ? a - d / (2 * m * (m - 1)) : .nan)
    }
}
