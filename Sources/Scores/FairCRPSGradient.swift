extension SortedCRPS {
    /// ∂(fair CRPS)/∂x₍ᵢ₎ of a sorted ensemble against `truth`, written to `gradient[i]` for every
    /// rank i (0-based): the training loss of CRPS-trained models uses this beside `summary`'s
    /// `crpsFair`, so training and scoring share one estimator (docs/formulas.md#crps-loss).
    ///
    /// With fair CRPS = (1/m)Σ|x_i − y| − Σ(2i − m − 1)x₍ᵢ₎ / (m(m − 1)) (1-based ranks i):
    ///
    ///     ∂/∂x₍ᵢ₎ = sign(x₍ᵢ₎ − y)/m − (2i − m − 1)/(m(m − 1))
    ///
    /// which holds wherever the members are distinct and differ from y; at ties it is a
    /// subgradient (sign 0 = 0, tied members ranked in their sorted order). Needs m ≥ 2.
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func fairGradient<T: BinaryFloatingPoint>(sorted x: UnsafeBufferPointer<T>, truth: Double,
                                                            into gradient: UnsafeMutablePointer<Double>) {
        let m = x.count
        precondition(m >= 2, "fair CRPS needs at least two members")
        let md = Double(m)
        let spreadScale = 1 / (md * (md - 1))
        for i in 0..<m {
            let d = Double(x[i]) - truth
            let sign: Double = d > 0 ? 1 : (d < 0 ? -1 : 0)
            gradient[i] = sign / md - Double(2 * (i + 1) - m - 1) * spreadScale
        }
    }
}
