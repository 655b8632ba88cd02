import Foundation

/// Weighted spatial sums of ensemble-mean error and ensemble variance for one valid time
/// (one init, lead, channel and band) (docs/formulas.md#ensemble-mean-spread-and-ssr).
///
/// Add the per-point arrays of a field (or of its tiles, then `merge` the tiles), read the
/// spatial means, and pass each valid time's sums to a `DispersionScores` to average over inits.
public struct DispersionSums: Equatable, Sendable {
    /// Σ w.
    public private(set) var weight = 0.0
    /// Σ w (x̄ − y)².
    public private(set) var squaredError = 0.0
    /// Σ w (x̄ − y).
    public private(set) var error = 0.0
    /// Σ w |x̄ − y|.
    public private(set) var absoluteError = 0.0
    /// Σ w s², s² the ensemble variance with ddof = 1.
    public private(set) var variance = 0.0

    /// Empty sums.
    public init() {}

    /// Adds points.
    /// - Parameters:
    ///   - mean: ensemble mean x̄ per point.
    ///   - variance: ensemble variance s² per point (ddof = 1; 0 for m = 1).
    ///   - truth: verification y per point.
    ///   - weights: per-point weights (band-masked latitude weights); weight-0 points are skipped.
    public mutating func add(mean: UnsafeBufferPointer<Double>, variance: UnsafeBufferPointer<Double>,
                             truth: UnsafeBufferPointer<Float>, weights: PointWeights = .uniform) {
        precondition(mean.count == variance.count && mean.count == truth.count, "DispersionSums.add: lengths differ")
        var sw = 0.0, se2 = 0.0, se = 0.0, sae = 0.0, sv = 0.0
        for p in 0..<mean.count {
            let w = weights.weight(p)
            guard w != 0 else { continue }
            let e = mean[p] - Double(truth[p])
            sw += w
            se2 += w * e * e
            se += w * e
            sae += w * abs(e)
            sv += w * variance[p]
        }
        weight += sw
        squaredError += se2
        error += se
        absoluteError += sae
        self.variance += sv
    }

    /// Array convenience for `add(mean:variance:truth:weights:)`.
    public mutating func add(mean: [Double], variance: [Double], truth: [Float], weights: PointWeights = .uniform) {
        mean.withUnsafeBufferPointer { m in
            variance.withUnsafeBufferPointer { v in
                truth.withUnsafeBufferPointer { t in add(mean: m, variance: v, truth: t, weights: weights) }
            }
        }
    }

    /// Adds the sums of other points of the same valid time (e.g. another tile).
    public mutating func merge(_ other: DispersionSums) {
        weight += other.weight
        squaredError += other.squaredError
        error += other.error
        absoluteError += other.absoluteError
        variance += other.variance
    }

    /// Spatial mean of (x̄ − y)².
    public var meanSquaredError: Double { squaredError / weight }
    /// Spatial mean of x̄ − y.
    public var bias: Double { error / weight }
    /// Spatial mean of |x̄ − y|.
    public var meanAbsoluteError: Double { absoluteError / weight }
    /// Spatial mean of s².
    public var meanVariance: Double { variance / weight }
}

/// Ensemble-mean skill and spread averaged over valid times (inits), from each time's
/// spatial means (WeatherBench 2 order: space first, then time; square roots last).
///
/// Every valid time counts equally, whatever its total weight. Times whose sums are empty
/// (weight 0) are ignored.
public struct DispersionScores: Equatable, Sendable {
    /// Ensemble size m.
    public let memberCount: Int
    /// Number of valid times averaged.
    public private(set) var times = 0
    /// Σ over times of the spatial-mean MSE, bias, MAE and variance.
    public private(set) var sumMSE = 0.0, sumBias = 0.0, sumMAE = 0.0, sumVariance = 0.0

    /// An empty average for an `memberCount`-member ensemble.
    public init(memberCount: Int) {
        precondition(memberCount >= 1, "DispersionScores: memberCount must be ≥ 1")
        self.memberCount = memberCount
    }

    /// Adds one valid time's spatial sums.
    public mutating func add(_ sums: DispersionSums) {
        guard sums.weight > 0 else { return }
        times += 1
        sumMSE += sums.meanSquaredError
        sumBias += sums.bias
        sumMAE += sums.meanAbsoluteError
        sumVariance += sums.meanVariance
    }

    /// Adds another average's times (same ensemble size).
    public mutating func merge(_ other: DispersionScores) {
        precondition(other.memberCount == memberCount, "DispersionScores.merge: m = \(other.memberCount) vs \(memberCount)")
        times += other.times
        sumMSE += other.sumMSE
        sumBias += other.sumBias
        sumMAE += other.sumMAE
        sumVariance += other.sumVariance
    }

    /// Time mean of the spatial-mean MSE ⟨(x̄ − y)²⟩.
    public var meanSquaredError: Double { sumMSE / Double(times) }
    /// RMSE = √(time mean of the spatial MSE): the root is taken after averaging.
    public var rootMeanSquaredError: Double { meanSquaredError.squareRoot() }
    /// Time mean of ⟨x̄ − y⟩.
    public var bias: Double { sumBias / Double(times) }
    /// Time mean of ⟨|x̄ − y|⟩.
    public var meanAbsoluteError: Double { sumMAE / Double(times) }
    /// Time mean of ⟨s²⟩.
    public var meanVariance: Double { sumVariance / Double(times) }
    /// Spread = √⟨s²⟩, the root of the mean variance (not the mean standard deviation).
    public var spread: Double { meanVariance.squareRoot() }
    /// ⟨(x̄ − y)²⟩ − ⟨s²⟩/m: unbiased for the MSE of the infinite-ensemble mean
    /// (WeatherBench 2 `DebiasedEnsembleMeanMSE`).
    public var debiasedMeanSquaredError: Double { meanSquaredError - meanVariance / Double(memberCount) }
    /// Spread / RMSE without correction (Earth2Studio); tends to √(m/(m + 1)) when calibrated.
    public var rawSpreadSkillRatio: Double { spread / rootMeanSquaredError }
    /// √((m + 1)/m) · spread / RMSE (Fortin et al. 2014; HENS): 1 for a calibrated ensemble.
    public var spreadSkillRatio: Double {
        (Double(memberCount + 1) / Double(memberCount)).squareRoot() * rawSpreadSkillRatio
    }
    /// √(⟨s²⟩ / (⟨(x̄ − y)²⟩ − ⟨s²⟩/m)) (WeatherBench-X `UnbiasedSpreadSkillRatio`); NaN when the
    /// debiased MSE is not positive.
    public var unbiasedSpreadSkillRatio: Double {
        let denominator = debiasedMeanSquaredError
        return denominator > 0 ? (meanVariance / denominator).squareRoot() : .nan
    }
}
