import Foundation

/// Rank (Talagrand) histogram of the verification within the ensemble (Hamill 2001),
/// plus the outlier fraction.
///
/// Ranks r ∈ 0…m come from the sorted per-point pass (#{x < y} with a seeded random tie-break).
/// A calibrated exchangeable ensemble gives P(r = k) = 1/(m + 1) and an outlier fraction of
/// 2/(m + 1). Two outlier measures are kept because they differ when members tie with y:
/// `extremeRankFraction` counts tie-broken ranks 0 and m; `outlierFraction` counts strict
/// outliers y < min or y > max (y equal to an extreme member is inside), the HENS Part II
/// definition, and needs `addOutliers`.
///
/// Counts are weighted (weight 1 per point by default) and accumulators merge by addition, so
/// one can be kept per (lead, channel, band) and pooled over inits.
public struct RankHistogram: Equatable, Sendable {
    /// Ensemble size m.
    public let memberCount: Int
    /// Weighted count of each rank 0…m.
    public private(set) var counts: [Double]
    /// Weighted count of strict outliers (y < min or y > max).
    public private(set) var outlierWeight = 0.0
    /// Total weight of the points given to `addOutliers`.
    public private(set) var outlierTotalWeight = 0.0

    /// An empty histogram for an `memberCount`-member ensemble.
    public init(memberCount: Int) {
        precondition(memberCount >= 1, "RankHistogram: memberCount must be ≥ 1")
        self.memberCount = memberCount
        counts = .init(repeating: 0, count: memberCount + 1)
    }

    /// Adds per-point ranks (each in 0…m, e.g. `PointPassOutput.rank`); weight-0 points are skipped.
    public mutating func add(ranks: UnsafeBufferPointer<Int32>, weights: PointWeights = .uniform) {
        for p in 0..<ranks.count {
            let w = weights.weight(p)
            guard w != 0 else { continue }
            let r = Int(ranks[p])
            precondition(r >= 0 && r <= memberCount, "RankHistogram.add: rank \(r) outside 0…\(memberCount)")
            counts[r] += w
        }
    }

    /// Array convenience for `add(ranks:weights:)`.
    public mutating func add(ranks: [Int32], weights: PointWeights = .uniform) {
        ranks.withUnsafeBufferPointer { add(ranks: $0, weights: weights) }
    }

    /// Adds strict-outlier flags: y < min or y > max of the members at each point.
    /// - Parameters:
    ///   - truth: y per point.
    ///   - minimum: smallest member per point.
    ///   - maximum: largest member per point.
    ///   - weights: per-point weights; weight-0 points are skipped.
    public mutating func addOutliers(truth: UnsafeBufferPointer<Float>, minimum: UnsafeBufferPointer<Float>,
                                     maximum: UnsafeBufferPointer<Float>, weights: PointWeights = .uniform) {
        precondition(truth.count == minimum.count && truth.count == maximum.count, "RankHistogram.addOutliers: lengths differ")
        for p in 0..<truth.count {
            let w = weights.weight(p)
            guard w != 0 else { continue }
            outlierTotalWeight += w
            if truth[p] < minimum[p] || truth[p] > maximum[p] { outlierWeight += w }
        }
    }

    /// Array convenience for `addOutliers(truth:minimum:maximum:weights:)`.
    public mutating func addOutliers(truth: [Float], minimum: [Float], maximum: [Float], weights: PointWeights = .uniform) {
        truth.withUnsafeBufferPointer { t in
            minimum.withUnsafeBufferPointer { lo in
                maximum.withUnsafeBufferPointer { hi in addOutliers(truth: t, minimum: lo, maximum: hi, weights: weights) }
            }
        }
    }

    /// Adds another histogram's counts (same ensemble size).
    public mutating func merge(_ other: RankHistogram) {
        precondition(other.memberCount == memberCount, "RankHistogram.merge: m = \(other.memberCount) vs \(memberCount)")
        for k in counts.indices { counts[k] += other.counts[k] }
        outlierWeight += other.outlierWeight
        outlierTotalWeight += other.outlierTotalWeight
    }

    /// Total weight of the ranks added.
    public var totalWeight: Double { counts.reduce(0, +) }

    /// Relative frequency of each rank (sums to 1; NaN when empty). Flat at 1/(m + 1) when calibrated.
    public var frequencies: [Double] {
        let total = totalWeight
        return counts.map { $0 / total }
    }

    /// Share of ranks 0 or m among the tie-broken ranks.
    public var extremeRankFraction: Double { (counts[0] + counts[memberCount]) / totalWeight }

    /// Share of strict outliers (y < min or y > max) among the points given to `addOutliers`
    /// (NaN if none were).
    public var outlierFraction: Double { outlierWeight / outlierTotalWeight }

    /// The outlier fraction of a calibrated exchangeable ensemble: 2/(m + 1).
    public var expectedOutlierFraction: Double { 2 / Double(memberCount + 1) }
}

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

/// Weighted spatial sums for the anomaly correlation of one valid time
/// (docs/formulas.md#anomaly-correlation):
/// f′ = forecast − c, o′ = y − c with c the climatology at the valid time.
public struct AnomalyCorrelationSums: Equatable, Sendable {
    /// Σ w.
    public private(set) var weight = 0.0
    /// Σ w f′o′, Σ w f′², Σ w o′².
    public private(set) var forecastTruth = 0.0, forecastSquared = 0.0, truthSquared = 0.0
    /// Σ w f′, Σ w o′ (for the centred form).
    public private(set) var forecastSum = 0.0, truthSum = 0.0

    /// Empty sums.
    public init() {}

    /// Adds points.
    /// - Parameters:
    ///   - forecast: the forecast per point (typically the ensemble mean).
    ///   - truth: verification y per point.
    ///   - climatology: climatology c per point at this valid time.
    ///   - weights: per-point weights; weight-0 points are skipped.
    public mutating func add(forecast: UnsafeBufferPointer<Double>, truth: UnsafeBufferPointer<Float>,
                             climatology: UnsafeBufferPointer<Float>, weights: PointWeights = .uniform) {
        precondition(forecast.count == truth.count && forecast.count == climatology.count, "AnomalyCorrelationSums.add: lengths differ")
        var sw = 0.0, sfo = 0.0, sff = 0.0, soo = 0.0, sf = 0.0, so = 0.0
        for p in 0..<forecast.count {
            let w = weights.weight(p)
            guard w != 0 else { continue }
            let c = Double(climatology[p])
            let f = forecast[p] - c, o = Double(truth[p]) - c
            sw += w
            sfo += w * f * o
            sff += w * f * f
            soo += w * o * o
            sf += w * f
            so += w * o
        }
        weight += sw
        forecastTruth += sfo
        forecastSquared += sff
        truthSquared += soo
        forecastSum += sf
        truthSum += so
    }

    /// Array convenience for `add(forecast:truth:climatology:weights:)`.
    public mutating func add(forecast: [Double], truth: [Float], climatology: [Float], weights: PointWeights = .uniform) {
        forecast.withUnsafeBufferPointer { f in
            truth.withUnsafeBufferPointer { t in
                climatology.withUnsafeBufferPointer { c in add(forecast: f, truth: t, climatology: c, weights: weights) }
            }
        }
    }

    /// Adds the sums of other points of the same valid time (e.g. another tile).
    public mutating func merge(_ other: AnomalyCorrelationSums) {
        weight += other.weight
        forecastTruth += other.forecastTruth
        forecastSquared += other.forecastSquared
        truthSquared += other.truthSquared
        forecastSum += other.forecastSum
        truthSum += other.truthSum
    }

    /// Uncentred ACC ⟨f′o′⟩ / √(⟨f′²⟩⟨o′²⟩) (WeatherBench 2): the area-mean anomaly is kept.
    public var uncentred: Double { forecastTruth / (forecastSquared * truthSquared).squareRoot() }

    /// Centred ACC: the weighted means of f′ and o′ over the area are removed first.
    public var centred: Double {
        let f = forecastSum / weight, o = truthSum / weight
        let covariance = forecastTruth / weight - f * o
        let forecastVariance = forecastSquared / weight - f * f
        let truthVariance = truthSquared / weight - o * o
        return covariance / (forecastVariance * truthVariance).squareRoot()
    }
}

/// ACC averaged over valid times: computed per valid time, then averaged (WeatherBench 2).
/// Times whose ACC is undefined (zero anomaly variance, no points) are left out and not counted.
public struct AnomalyCorrelationScores: Equatable, Sendable {
    /// Valid times averaged (uncentred, centred: they can differ when one is undefined).
    public private(set) var uncentredTimes = 0, centredTimes = 0
    /// Σ over times of the per-time ACCs.
    public private(set) var sumUncentred = 0.0, sumCentred = 0.0

    /// An empty average.
    public init() {}

    /// Adds one valid time.
    public mutating func add(_ sums: AnomalyCorrelationSums) {
        let u = sums.uncentred, c = sums.centred
        if u.isFinite { uncentredTimes += 1; sumUncentred += u }
        if c.isFinite { centredTimes += 1; sumCentred += c }
    }

    /// Adds another average's times.
    public mutating func merge(_ other: AnomalyCorrelationScores) {
        uncentredTimes += other.uncentredTimes
        centredTimes += other.centredTimes
        sumUncentred += other.sumUncentred
        sumCentred += other.sumCentred
    }

    /// Time mean of the uncentred ACC (NaN with no valid time).
    public var uncentred: Double { sumUncentred / Double(uncentredTimes) }
    /// Time mean of the centred ACC (NaN with no valid time).
    public var centred: Double { sumCentred / Double(centredTimes) }
}
