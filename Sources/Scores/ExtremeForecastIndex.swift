import Foundation

/// The per-interval coefficients of the exact piecewise EFI integral for n climate levels at
/// p_i = i/(n − 1) (docs/formulas.md#efi-and-sot). They depend only on n, so a pass computes
/// them once.
public struct EFICoefficients {
    /// Number of climate levels n (≥ 2).
    public let levels: Int
    /// ΔA_i = arccos√p_{i+1} − arccos√p_i.
    public let acosDifference: [Double]
    /// ΔB_i = √(p_{i+1}(1 − p_{i+1})) − √(p_i(1 − p_i)).
    public let productDifference: [Double]
    /// (1 − 2p_i)·ΔA_i + ΔB_i, the coefficient of the slope dF/dp on interval i.
    public let slopeCoefficient: [Double]

    /// Coefficients for `levels` percentiles spanning [0, 1], with p computed as NumPy's
    /// `linspace(0, 1, n)` does (i·step, the last exactly 1) so that results follow earthkit's.
    public init(levels: Int) {
        precondition(levels >= 2, "EFI needs at least 2 climate levels, got \(levels)")
        self.levels = levels
        let step = 1.0 / Double(levels - 1)
        var p = [Double](repeating: 0, count: levels)
        for i in 0..<(levels - 1) { p[i] = Double(i) * step }
        p[levels - 1] = 1
        let a = p.map { (v: Double) -> Double in acos(v.squareRoot()) }
        let b = p.map { (v: Double) -> Double in (v * (1 - v)).squareRoot() }
        var da = [Double](), db = [Double](), slope = [Double]()
        for i in 0..<(levels - 1) {
            let dA = a[i + 1] - a[i], dB = b[i + 1] - b[i]
            da.append(dA)
            db.append(dB)
            slope.append((1 - 2 * p[i]) * dA + dB)
        }
        acosDifference = da
        productDifference = db
        slopeCoefficient = slope
    }
}

/// Extreme Forecast Index and Shift of Tails of one sorted ensemble against one point's model
/// climate percentiles (ECMWF definitions: Lalaurette 2003, Zsótér 2006; as earthkit-meteo
/// computes them).
public enum ExtremeForecastIndex {
    /// EFI = (2/π)∫₀¹ (p − F(p))/√(p(1 − p)) dp with F(p_i) = #{members ≤ q_c(p_i)}/m taken
    /// piecewise-linear between the n climate levels and integrated exactly per interval.
    /// F is found by merging the sorted members with the non-decreasing climate percentiles,
    /// O(m + n). +1 when every member exceeds the climate maximum, −1 when all are below its
    /// minimum. A NaN member or climate value gives NaN.
    @inlinable
    @_specialize(where T == Float, C == Float)
    @_specialize(where T == Double, C == Double)
    public static func efi<T: BinaryFloatingPoint, C: BinaryFloatingPoint>(
        sorted x: UnsafeBufferPointer<T>, climate: UnsafeBufferPointer<C>, coefficients k: EFICoefficients
    ) -> Double {
        let n = k.levels, m = x.count
        precondition(climate.count >= n && m >= 1, "EFI: \(climate.count) climate values for \(n) levels, \(m) members")
        // Radix-sorted NaNs sit at either end; a scan keeps this correct for any sorted input.
        for v in x where v.isNaN { return .nan }
        var j = 0
        var previous = 0.0
        var sum = 0.0
        for i in 0..<n {
            let q = Double(climate[i])
            if q.isNaN { return .nan }
            while j < m && Double(x[j]) <= q { j += 1 }
            let fraction = Double(j) / Double(m)
            if i > 0 {
                let slope = (fraction - previous) * Double(n - 1)
                sum += (2 * previous - 1) * k.acosDifference[i - 1] + k.slopeCoefficient[i - 1] * slope
                    - k.productDifference[i - 1]
            }
            previous = fraction
        }
        return sum * (2 / Double.pi)
    }

    /// Shift of Tails with ensemble percentile 90 (upper) or 10 (lower) against the 101-level
    /// model climate: SOT₉₀ = (Q_f(90) − Q_c(99)) / (Q_c(99) − Q_c(90)) and
    /// SOT₁₀ = (Q_f(10) − Q_c(1)) / (Q_c(1) − Q_c(10)); Q_f uses NumPy-linear interpolation.
    /// NaN where |tail − Q_c(90 or 10)| ≤ 0 or any input is NaN; clipped to [−10, 10].
    /// Requires exactly 101 climate levels (0…100 %); other level counts give NaN.
    @inlinable
    @_specialize(where T == Float, C == Float)
    @_specialize(where T == Double, C == Double)
    public static func shiftOfTails<T: BinaryFloatingPoint, C: BinaryFloatingPoint>(
        sorted x: UnsafeBufferPointer<T>, climate: UnsafeBufferPointer<C>, levels: Int, upper: Bool
    ) -> Double {
        guard levels == 101, climate.count >= 101, !x.isEmpty else { return .nan }
        let qf = SortedCRPS.quantile(sorted: x, level: Double(upper ? 90 : 10) / 100)
        let qc = Double(climate[upper ? 90 : 10])
        let tail = Double(climate[upper ? 99 : 1])
        guard abs(tail - qc) > 0 else { return .nan }
        let sot = (qf - tail) / (tail - qc)
        if sot < -10 { return -10 }
        if sot > 10 { return 10 }
        return sot
    }
}
