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
