/// Tail-focused CRPS variants on a sorted ensemble (docs/formulas.md#weighted-crps; HENS Part II),
/// both with the standard (empirical-CDF) estimator.
public enum WeightedCRPS {
    /// Threshold-weighted CRPS with weight 1{z > T}, i.e. chaining function v(z) = max(z, T):
    /// the standard CRPS of max(x, T) against max(y, T). Equals scoringrules'
    /// `twcrps_ensemble(obs, fct, a=T)`. On sorted members the ones ≤ T all become T, so this is
    /// one O(m) pass with a floor and needs no re-sort.
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func thresholdWeighted<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, truth: Double,
                                                                 threshold: Double) -> Double {
        SortedCRPS.summary(sorted: x, truth: truth, floor: threshold).crps
    }

    /// Outcome-weighted CRPS with weight 1{z > T} (as HENS Part II uses it): NaN where y ≤ T
    /// (the outcome carries no weight); otherwise the standard CRPS of the members above T
    /// against y, which is what scoringrules' `owcrps_ensemble` reduces to for an indicator
    /// weight. When at most one member exceeds T it is |max − y|, the CRPS of the largest
    /// member alone (scoringrules would give 0/0 when none exceeds T).
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func outcomeWeighted<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, truth: Double,
                                                               threshold: Double) -> Double {
        guard truth > threshold else { return .nan }
        let m = x.count
        let start = SortedCRPS.countAtOrBelow(sorted: x, threshold)
        if m - start <= 1 { return abs(Double(x[m - 1]) - truth) }
        let tail = UnsafeBufferPointer(rebasing: x[start...])
        return SortedCRPS.summary(sorted: tail, truth: truth).crps
    }
}
