import Foundation

/// Scores of a binary event forecast by an m-member ensemble (docs/formulas.md#binary-events):
/// Brier and fair Brier scores, log score, reliability diagram, Murphy decomposition and ROC.
///
/// The event is o = 1{y > T} and the forecast probability p = e/m, with e = #{xᵢ > T} (strict ">"
/// for both, as WeatherBench 2 and HENS). Because p can only take the m + 1 values k/m, the
/// accumulator keeps, for each k, the weighted number of points with e = k that were non-events
/// and events; every diagnostic except the running Brier, fair-Brier and log-score sums is a
/// function of that table, so nothing is lost to binning and accumulators merge by addition.
///
/// Keep one accumulator per (init, lead, channel, event, band), or pool them over inits with
/// `merge` (pooling counts is what a reliability diagram or ROC over many cases does). Weights are
/// optional; the default (`PointWeights.uniform`) matches HENS / xskillscore, which sum
/// contingency tables over (lat, lon) without area weighting.
public struct BinaryEventScores: Equatable, Sendable {
    /// Ensemble size m.
    public let memberCount: Int
    /// Weighted count of points with e = k whose outcome was 0, k = 0…m.
    public private(set) var nonEvents: [Double]
    /// Weighted count of points with e = k whose outcome was 1, k = 0…m.
    public private(set) var events: [Double]
    /// Σ w (p − o)², accumulated point by point (an independent check on the table).
    public private(set) var brierSum = 0.0
    /// Σ w [(p − o)² − p(1 − p)/(m − 1)].
    public private(set) var fairBrierSum = 0.0
    /// Σ w · (−[o ln(p + 1e−9) + (1 − o) ln(1 − p + 1e−9)]).
    public private(set) var logSum = 0.0

    /// An empty accumulator for an `memberCount`-member ensemble.
    public init(memberCount: Int) {
        precondition(memberCount >= 1, "BinaryEventScores: memberCount must be ≥ 1")
        self.memberCount = memberCount
        nonEvents = .init(repeating: 0, count: memberCount + 1)
        events = .init(repeating: 0, count: memberCount + 1)
    }

    /// Adds a field's (or tile's) worth of points.
    /// - Parameters:
    ///   - exceedances: e per point, #{members > T}, each in 0…m (e.g. `PointPassOutput.exceedances`).
    ///   - outcomes: o per point, `truth > threshold` (see `outcomes(truth:thresholds:)`).
    ///   - weights: per-point weights; points of weight 0 are skipped.
    public mutating func add(exceedances: UnsafeBufferPointer<Int32>, outcomes: UnsafeBufferPointer<Bool>,
                             weights: PointWeights = .uniform) {
        precondition(exceedances.count == outcomes.count, "BinaryEventScores.add: \(exceedances.count) exceedances, \(outcomes.count) outcomes")
        let m = memberCount
        let inverseM = 1 / Double(m)
        let fairFactor = m > 1 ? 1 / Double(m - 1) : Double.nan
        var brier = 0.0, fair = 0.0, log = 0.0
        for p in 0..<exceedances.count {
            let w = weights.weight(p)
            guard w != 0 else { continue }
            let k = Int(exceedances[p])
            precondition(k >= 0 && k <= m, "BinaryEventScores.add: exceedance \(k) outside 0…\(m)")
            let prob = Double(k) * inverseM
            let squared: Double
            if outcomes[p] {
                events[k] += w
                squared = (1 - prob) * (1 - prob)
                log -= w * Foundation.log(prob + 1e-9)
            } else {
                nonEvents[k] += w
                squared = prob * prob
                log -= w * Foundation.log(1 - prob + 1e-9)
            }
            brier += w * squared
            fair += w * (squared - prob * (1 - prob) * fairFactor)
        }
        brierSum += brier
        fairBrierSum += fair
        logSum += log
    }

    /// Array convenience for `add(exceedances:outcomes:weights:)`.
    public mutating func add(exceedances: [Int32], outcomes: [Bool], weights: PointWeights = .uniform) {
        exceedances.withUnsafeBufferPointer { e in
            outcomes.withUnsafeBufferPointer { o in add(exceedances: e, outcomes: o, weights: weights) }
        }
    }

    /// The observed outcomes o = 1{y > T} (strict), one per point. A NaN truth gives false.
    public static func outcomes(truth: UnsafeBufferPointer<Float>, thresholds: UnsafeBufferPointer<Float>) -> [Bool] {
        precondition(truth.count == thresholds.count, "BinaryEventScores.outcomes: \(truth.count) truths, \(thresholds.count) thresholds")
        return (0..<truth.count).map { truth[$0] > thresholds[$0] }
    }

    /// Adds another accumulator's counts and sums (same ensemble size).
    public mutating func merge(_ other: BinaryEventScores) {
        precondition(other.memberCount == memberCount, "BinaryEventScores.merge: m = \(other.memberCount) vs \(memberCount)")
        for k in 0...memberCount {
            nonEvents[k] += other.nonEvents[k]
            events[k] += other.events[k]
        }
        brierSum += other.brierSum
        fairBrierSum += other.fairBrierSum
        logSum += other.logSum
    }

    /// Total weight of the points added.
    public var totalWeight: Double { nonEvents.reduce(0, +) + events.reduce(0, +) }

    /// Weighted observed event frequency ō (NaN when empty).
    public var baseRate: Double { events.reduce(0, +) / totalWeight }

    /// Brier score ⟨(p − o)²⟩ (NaN when empty).
    public var brierScore: Double { brierSum / totalWeight }

    /// Fair Brier score ⟨(p − o)² − p(1 − p)/(m − 1)⟩ (Ferro 2007; xskillscore `fair=True`,
    /// WeatherBench 2 `DebiasedEnsembleBrierScore`): unbiased for the Brier score of the
    /// infinite ensemble when members are exchangeable. NaN for m = 1.
    public var fairBrierScore: Double { memberCount > 1 ? fairBrierSum / totalWeight : .nan }

    /// Log (ignorance) score with HENS' 1e−9 guard: ⟨−[o ln(p + 1e−9) + (1 − o) ln(1 − p + 1e−9)]⟩.
    public var logScore: Double { logSum / totalWeight }

    // MARK: - Reliability

    /// Reliability diagram on `bins` equal bins of [0, 1] (default 10: edges 0, 0.1, …, 1).
    ///
    /// Bins are half-open [a, b) except the last, [a, 1]. Membership is decided exactly with
    /// integers (k/m is in bin ⌊bins·k/m⌋), so a probability on an edge always goes to the upper
    /// bin; xskillscore compares against floating `linspace` edges, where 0.30000000000000004
    /// can send p = 0.3 to the lower bin.
    public func reliabilityDiagram(bins: Int = 10) -> [ReliabilityBin] {
        precondition(bins >= 1, "reliabilityDiagram: bins must be ≥ 1")
        var weight = [Double](repeating: 0, count: bins)
        var probabilitySum = [Double](repeating: 0, count: bins)
        var eventSum = [Double](repeating: 0, count: bins)
        for k in 0...memberCount {
            let b = binIndex(k, bins: bins)
            let n = nonEvents[k] + events[k]
            weight[b] += n
            probabilitySum[b] += n * Double(k) / Double(memberCount)
            eventSum[b] += events[k]
        }
        return (0..<bins).map { b in
            ReliabilityBin(lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), count: weight[b],
                           meanProbability: weight[b] > 0 ? probabilitySum[b] / weight[b] : .nan,
                           observedFrequency: weight[b] > 0 ? eventSum[b] / weight[b] : .nan)
        }
    }

    /// The bin of probability k/m among `bins` equal bins: ⌊bins·k/m⌋, with p = 1 in the last.
    private func binIndex(_ k: Int, bins: Int) -> Int { min(bins - 1, bins * k / memberCount) }

    /// Murphy (1973) decomposition BS ≈ REL − RES + UNC over the reliability diagram's bins,
    /// using each bin's within-bin mean probability f_b (not its centre, which HENS used):
    /// REL = Σ n_b (f_b − ō_b)²/N, RES = Σ n_b (ō_b − ō)²/N, UNC = ō(1 − ō).
    ///
    /// The identity holds exactly only when all probabilities within a bin are equal; otherwise
    /// `residual` = BS − (REL − RES + UNC) holds the within-bin variance and covariance terms.
    /// `exactDecomposition` bins on the m + 1 distinct probabilities instead and sums exactly.
    public func murphyDecomposition(bins: Int = 10) -> MurphyDecomposition {
        decomposition(over: reliabilityDiagram(bins: bins))
    }

    /// The Murphy decomposition binned on the m + 1 distinct probabilities k/m, for which
    /// BS = REL − RES + UNC holds exactly (to rounding).
    public var exactDecomposition: MurphyDecomposition {
        let m = Double(memberCount)
        let classes = (0...memberCount).map { k -> ReliabilityBin in
            let n = nonEvents[k] + events[k]
            return ReliabilityBin(lower: Double(k) / m, upper: Double(k) / m, count: n, meanProbability: Double(k) / m,
                                  observedFrequency: n > 0 ? events[k] / n : .nan)
        }
        return decomposition(over: classes)
    }

    private func decomposition(over classes: [ReliabilityBin]) -> MurphyDecomposition {
        let total = totalWeight
        let climate = baseRate
        var reliability = 0.0, resolution = 0.0
        for c in classes where c.count > 0 {
            reliability += c.count * (c.meanProbability - c.observedFrequency) * (c.meanProbability - c.observedFrequency)
            resolution += c.count * (c.observedFrequency - climate) * (c.observedFrequency - climate)
        }
        return MurphyDecomposition(reliability: reliability / total, resolution: resolution / total,
                                   uncertainty: climate * (1 - climate), brierScore: brierScore)
    }

    // MARK: - ROC

    /// ROC over the thresholds k/m, k = 0…m: the event is forecast when p ≥ k/m (xskillscore
    /// `roc` with `bin_edges` = k/m, which loses nothing to binning).
    public var roc: ROCCurve {
        let m = memberCount
        let totalEvents = events.reduce(0, +), totalNonEvents = nonEvents.reduce(0, +)
        var hits = [Double](repeating: 0, count: m + 1)
        var falseAlarms = [Double](repeating: 0, count: m + 1)
        var h = 0.0, f = 0.0
        for k in stride(from: m, through: 0, by: -1) {
            h += events[k]
            f += nonEvents[k]
            hits[k] = h
            falseAlarms[k] = f
        }
        // Undefined rates as xskillscore fills them: H → 0, F → 1.
        let hitRates = hits.map { totalEvents > 0 ? $0 / totalEvents : 0 }
        let falseAlarmRates = falseAlarms.map { totalNonEvents > 0 ? $0 / totalNonEvents : 1 }
        return ROCCurve(thresholds: (0...m).map { Double($0) / Double(m) },
                        hitRates: hitRates, falseAlarmRates: falseAlarmRates)
    }
}

/// One bin of a reliability diagram.
public struct ReliabilityBin: Equatable, Sendable {
    /// Lower edge of the bin.
    public let lower: Double
    /// Upper edge of the bin (exclusive except for the last bin).
    public let upper: Double
    /// Weighted number of points whose probability fell in the bin (the plain count when unweighted).
    public let count: Double
    /// Weighted mean forecast probability of those points (NaN for an empty bin).
    public let meanProbability: Double
    /// Weighted observed relative frequency ō_b of the event among them (NaN for an empty bin).
    public let observedFrequency: Double
}

/// The Murphy decomposition of a Brier score.
public struct MurphyDecomposition: Equatable, Sendable {
    /// REL = Σ n_b (f_b − ō_b)² / N (lower is better).
    public let reliability: Double
    /// RES = Σ n_b (ō_b − ō)² / N (higher is better).
    public let resolution: Double
    /// UNC = ō (1 − ō).
    public let uncertainty: Double
    /// The Brier score the decomposition is of, accumulated point by point.
    public let brierScore: Double

    /// REL − RES + UNC.
    public var sum: Double { reliability - resolution + uncertainty }
    /// BS − (REL − RES + UNC): zero (to rounding) for the exact decomposition, the within-bin
    /// terms otherwise.
    public var residual: Double { brierScore - sum }
}

/// A ROC curve over probability thresholds and its area.
public struct ROCCurve: Equatable, Sendable {
    /// Probability thresholds t, ascending (k/m for ensembles); the event is forecast when p ≥ t.
    public let thresholds: [Double]
    /// Hit rate H = hits / (hits + misses) per threshold (0 when there are no events).
    public let hitRates: [Double]
    /// False-alarm rate F = false alarms / (false alarms + correct negatives) per threshold
    /// (1 when there are no non-events).
    public let falseAlarmRates: [Double]

    /// The curve's points padded as xskillscore does: (1, 1) first, then one point per threshold
    /// (ascending thresholds, so F descends), then (0, 0). Pairs are (F, H).
    public var paddedPoints: [(falseAlarmRate: Double, hitRate: Double)] {
        [(1, 1)] + zip(falseAlarmRates, hitRates).map { ($0, $1) } + [(0, 0)]
    }

    /// Area under the padded curve by the trapezoid rule, |∫ H dF|, clipped to [0, 1].
    public var area: Double {
        let points = paddedPoints
        var sum = 0.0
        for i in 1..<points.count {
            sum += (points[i - 1].falseAlarmRate - points[i].falseAlarmRate) * (points[i - 1].hitRate + points[i].hitRate) / 2
        }
        return min(1, max(0, abs(sum)))
    }
}
