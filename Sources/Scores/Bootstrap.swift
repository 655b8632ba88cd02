import Foundation
import HensCore

/// A two-sided confidence interval.
public struct ConfidenceInterval: Equatable, Sendable {
    /// Lower bound.
    public let lower: Double
    /// Upper bound.
    public let upper: Double
    /// Nominal coverage, e.g. 0.95.
    public let level: Double

    /// Whether `value` lies in [lower, upper].
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// The percentile interval of replicate values: their (1 − level)/2 and (1 + level)/2 quantiles
/// (2.5 % and 97.5 % for level 0.95), with NumPy's default "linear" interpolation between order
/// statistics. NaN bounds when `values` is empty.
public func percentileInterval(_ values: [Double], level: Double = 0.95) -> ConfidenceInterval {
    precondition(level > 0 && level < 1, "percentileInterval: level must be in (0, 1)")
    let sorted = values.sorted()
    return ConfidenceInterval(lower: percentileOfSorted(sorted, (1 - level) / 2), upper: percentileOfSorted(sorted, (1 + level) / 2), level: level)
}

/// NumPy "linear" quantile of sorted values: interpolate at position q (n − 1).
private func percentileOfSorted(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let h = q * Double(sorted.count - 1)
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

/// The automatic mean block length of the stationary bootstrap: Politis & White (2004) with the
/// correction of Patton, Politis & White (2009), computed exactly as
/// `arch.bootstrap.optimal_block_length` (arch 8.0) does, since WeatherBench-X uses that function.
/// For a series x₁…xₙ with deviations eₜ = xₜ − x̄:
///
/// 1. Autocovariances R̂(k) = (1/n) Σₜ eₜ eₜ₊ₖ for k = 0…m_max, m_max = ⌈√n⌉ + Kₙ,
///    Kₙ = max(5, ⌊log₁₀ n⌋) (lags ≥ n count as 0).
/// 2. Bandwidth: m̂ is the smallest m such that the Kₙ autocorrelations at lags m … m + Kₙ − 1 are
///    all below 2√(log₁₀ n / n) in magnitude; M = min(2·max(m̂, 1), m_max), or m_max if there is
///    no such m. As in arch, the autocorrelation at lag k is |Σₜ eₜ eₜ₊ₖ| / √(S₁ S₂) with S₁, S₂
///    the sums of squares of the last and first n − k − 1 deviations, and the run starts at lag m̂
///    itself (the paper's text reads lags m̂ + 1 … m̂ + Kₙ; arch's reading is followed for parity).
/// 3. With the flat-top lag window λ(t) = 1 for t ≤ ½, 2(1 − t) for ½ < t ≤ 1:
///    ĝ = R̂(0) + 2 Σ_{k=1}^{M} λ(k/M) R̂(k) (the long-run variance) and
///    Ĝ = 2 Σ_{k=1}^{M} λ(k/M) k R̂(k).
/// 4. D̂_SB = 2ĝ² (Patton et al.'s corrected constant; 4/3 ĝ² would be the circular bootstrap's),
///    b̂ = (2Ĝ²/D̂_SB)^{1/3} n^{1/3}.
/// 5. b̂ is capped at ⌈min(3√n, n/3)⌉ (arch) and, unlike arch, raised to at least 1, the smallest
///    mean block length a stationary bootstrap can use.
///
/// Fewer than 8 points give 1 (an i.i.d. bootstrap): the autocorrelations cannot be estimated
/// (WeatherBench-X requires ≥ 8 for the same reason). A constant series also gives 1.
public func politisWhiteBlockLength(_ series: [Double]) -> Double {
    let n = series.count
    guard n >= 8 else { return 1 }
    let mean = series.reduce(0, +) / Double(n)
    let e = series.map { $0 - mean }
    let logN = log10(Double(n))
    let kn = max(5, Int(logN))
    let mMax = Int(Double(n).squareRoot().rounded(.up)) + kn
    /// Σ e[t]² for lower ≤ t < upper, clamped to the series (empty when upper ≤ lower).
    func sumOfSquares(_ lower: Int, _ upper: Int) -> Double {
        let lo = max(0, lower), hi = min(n, upper)
        return lo < hi ? (lo..<hi).reduce(0) { $0 + e[$1] * e[$1] } : 0
    }
    var acv = [Double](repeating: 0, count: mMax + 1)
    var absCorrelation = [Double](repeating: 0, count: mMax + 1)
    let threshold = 2 * (logN / Double(n)).squareRoot()
    var mHat: Int?
    for k in 0...mMax {
        var cross = 0.0
        if k < n { for t in 0..<(n - k) { cross += e[t] * e[t + k] } }
        acv[k] = cross / Double(n)
        let s1 = sumOfSquares(k + 1, n), s2 = sumOfSquares(0, n - k - 1)
        // 0/0 past the end of short series: NaN, which is never "below the threshold" (as in NumPy).
        absCorrelation[k] = abs(cross) / (s1 * s2).squareRoot()
        if k >= kn, mHat == nil, absCorrelation[(k - kn)..<k].allSatisfy({ $0 < threshold }) {
            mHat = k - kn
        }
    }
    guard acv[0] > 0 else { return 1 }
    let bigM = min(mHat.map { 2 * max($0, 1) } ?? mMax, mMax)
    var g = acv[0], bigG = 0.0
    for k in 1...bigM {
        let t = Double(k) / Double(bigM)
        let lambda = t <= 0.5 ? 1 : 2 * (1 - t)
        g += 2 * lambda * acv[k]
        bigG += 2 * lambda * Double(k) * acv[k]
    }
    guard g != 0 else { return 1 }
    let dSB = 2 * g * g
    let b = pow(2 * bigG * bigG / dSB, 1.0 / 3) * pow(Double(n), 1.0 / 3)
    let bMax = min(3 * Double(n).squareRoot(), Double(n) / 3).rounded(.up)
    return max(1, min(b, bMax))
}

/// The stationary bootstrap of Politis & Romano (1994) over a time series (e.g. per-init,
/// spatially averaged scores): resampled series are concatenations of blocks that start at
/// uniform random positions and have geometric lengths with mean `meanBlockLength`, wrapping
/// around the end. It preserves short-range serial dependence, which daily inits have.
///
/// Draws come from `HensCore.SeededGenerator(seed:)` in a fixed order (replicate by replicate),
/// with integer draws by 64×64-bit multiply-high, so a seed gives the same replicates on every
/// machine and Swift version.
public struct StationaryBootstrap: Equatable, Sendable {
    /// Mean block length b (≥ 1); the restart probability per step is 1/b.
    public let meanBlockLength: Double
    /// Number of bootstrap replicates.
    public let replicates: Int
    /// RNG seed.
    public let seed: UInt64

    /// A bootstrap with a given mean block length.
    /// - Parameters:
    ///   - meanBlockLength: b ≥ 1 (1 gives the i.i.d. bootstrap).
    ///   - replicates: number of resamples (default 2000).
    ///   - seed: RNG seed.
    public init(meanBlockLength: Double, replicates: Int = 2000, seed: UInt64 = 0) {
        precondition(meanBlockLength >= 1, "StationaryBootstrap: mean block length must be ≥ 1")
        precondition(replicates >= 1, "StationaryBootstrap: at least one replicate")
        self.meanBlockLength = meanBlockLength
        self.replicates = replicates
        self.seed = seed
    }

    /// A bootstrap whose block length is chosen from `series` by `politisWhiteBlockLength`.
    public static func automatic(for series: [Double], replicates: Int = 2000, seed: UInt64 = 0) -> StationaryBootstrap {
        StationaryBootstrap(meanBlockLength: politisWhiteBlockLength(series), replicates: replicates, seed: seed)
    }

    /// Resampled index sequences: `replicates` arrays of `count` indices into 0..<count.
    public func indices(count: Int) -> [[Int]] {
        precondition(count >= 1, "StationaryBootstrap.indices: empty series")
        var rng = SeededGenerator(seed: seed)
        let restart = 1 / meanBlockLength
        func uniformIndex() -> Int { Int(rng.next().multipliedFullWidth(by: UInt64(count)).high) }
        return (0..<replicates).map { _ in
            var sample = [Int](repeating: 0, count: count)
            var i = uniformIndex()
            sample[0] = i
            for t in 1..<max(1, count) {
                // The uniform is drawn every step (even when b = 1) so the stream's use is fixed.
                i = rng.nextUniform() < restart ? uniformIndex() : (i + 1) % count
                sample[t] = i
            }
            return sample
        }
    }

    /// The mean of each resampled series.
    public func replicateMeans(_ series: [Double]) -> [Double] {
        indices(count: series.count).map { sample in sample.reduce(0) { $0 + series[$1] } / Double(series.count) }
    }

    /// Percentile interval of the series mean from the replicate means.
    public func meanInterval(_ series: [Double], level: Double = 0.95) -> ConfidenceInterval {
        percentileInterval(replicateMeans(series), level: level)
    }
}

/// The Diebold–Mariano (1995) test of equal accuracy for paired score differences dₜ = aₜ − bₜ:
/// DM = d̄ / √(Ŝ/n), with Ŝ the Newey–West (Bartlett-kernel) HAC long-run variance
/// Ŝ = γ̂₀ + 2 Σ_{k=1}^{L} (1 − k/(L + 1)) γ̂ₖ, γ̂ₖ = (1/n) Σₜ (dₜ − d̄)(dₜ₊ₖ − d̄),
/// and a two-sided p-value from the standard normal: p = erfc(|DM|/√2).
public struct DieboldMariano: Equatable, Sendable {
    /// The statistic (positive when a's scores are larger on average). 0 when every difference
    /// is 0; ±∞ when the differences are a non-zero constant.
    public let statistic: Double
    /// Two-sided normal p-value.
    public let pValue: Double
    /// HAC truncation lag L.
    public let lags: Int
    /// Ŝ, the long-run variance of d.
    public let longRunVariance: Double

    /// The default lag ⌊4 (n/100)^{2/9}⌋ (Newey & West 1994's rule of thumb).
    public static func defaultLags(count n: Int) -> Int { Int((4 * pow(Double(n) / 100, 2.0 / 9)).rounded(.down)) }

    /// Tests the differences `d` (at least 2 values).
    /// - Parameter lags: HAC truncation lag L (default `defaultLags`; h − 1 for h-step-ahead
    ///   forecasts is the classic choice); clipped to n − 1.
    public init(differences d: [Double], lags: Int? = nil) {
        let n = d.count
        precondition(n >= 2, "DieboldMariano: at least 2 differences")
        let l = min(max(0, lags ?? Self.defaultLags(count: n)), n - 1)
        let mean = d.reduce(0, +) / Double(n)
        func autocovariance(_ k: Int) -> Double {
            var s = 0.0
            for t in 0..<(n - k) { s += (d[t] - mean) * (d[t + k] - mean) }
            return s / Double(n)
        }
        var s = autocovariance(0)
        if l >= 1 { for k in 1...l { s += 2 * (1 - Double(k) / Double(l + 1)) * autocovariance(k) } }
        // Bartlett weights keep Ŝ ≥ 0; guard against rounding below zero.
        s = max(0, s)
        let statistic: Double
        if s == 0 {
            statistic = mean == 0 ? 0 : (mean > 0 ? .infinity : -.infinity)
        } else {
            statistic = mean / (s / Double(n)).squareRoot()
        }
        self.statistic = statistic
        pValue = erfc(abs(statistic) / 2.0.squareRoot())
        self.lags = l
        longRunVariance = s
    }
}

/// A paired comparison of two forecast systems scored on the same cases
/// (docs/formulas.md#bootstrap-and-paired-comparisons).
///
/// Given per-init scores a and b (e.g. global-mean CRPS of systems A and B for each init), the
/// differences d = a − b are resampled with the stationary bootstrap (automatic block length
/// from d unless given). Reported: the mean difference, its percentile confidence interval,
/// a two-sided bootstrap p-value, and the Diebold–Mariano test.
///
/// The p-value is the share of replicate means on the far side of 0, doubled:
/// p = min(1, 2 · min(#{d̄* ≤ 0}, #{d̄* ≥ 0}) / R). This is the inversion of the percentile
/// interval (the largest level whose interval still excludes 0). Its resolution is 2/R; a value
/// of 0 means p < 2/R.
public struct PairedComparison: Equatable, Sendable {
    /// Number of paired cases n.
    public let count: Int
    /// Mean of d = a − b (negative: A scores lower, i.e. better for negatively oriented scores).
    public let meanDifference: Double
    /// Percentile interval of the mean difference.
    public let interval: ConfidenceInterval
    /// Two-sided bootstrap p-value for mean difference = 0.
    public let pValue: Double
    /// The bootstrap used (block length, replicates, seed).
    public let bootstrap: StationaryBootstrap
    /// The Diebold–Mariano test on the same differences.
    public let dieboldMariano: DieboldMariano

    /// Compares systems A and B.
    /// - Parameters:
    ///   - a: per-init scores of system A.
    ///   - b: per-init scores of system B (same inits, same order; at least 2).
    ///   - replicates: bootstrap replicates (default 2000).
    ///   - seed: RNG seed.
    ///   - level: interval coverage (default 0.95).
    ///   - meanBlockLength: block length; default `politisWhiteBlockLength(a − b)`.
    ///   - hacLags: Diebold–Mariano HAC lag; default `DieboldMariano.defaultLags`.
    public init(a: [Double], b: [Double], replicates: Int = 2000, seed: UInt64 = 0, level: Double = 0.95,
                meanBlockLength: Double? = nil, hacLags: Int? = nil) {
        precondition(a.count == b.count, "PairedComparison: \(a.count) vs \(b.count) cases")
        precondition(a.count >= 2, "PairedComparison: at least 2 paired cases")
        let d = zip(a, b).map { $0 - $1 }
        count = d.count
        meanDifference = d.reduce(0, +) / Double(d.count)
        bootstrap = StationaryBootstrap(meanBlockLength: meanBlockLength ?? politisWhiteBlockLength(d), replicates: replicates, seed: seed)
        let means = bootstrap.replicateMeans(d)
        interval = percentileInterval(means, level: level)
        let below = means.filter { $0 <= 0 }.count, above = means.filter { $0 >= 0 }.count
        pValue = min(1, 2 * Double(min(below, above)) / Double(means.count))
        dieboldMariano = DieboldMariano(differences: d, lags: hacLags)
    }
}
