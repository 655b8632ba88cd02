import Foundation

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
