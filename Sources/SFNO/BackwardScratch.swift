import Spherical

/// Scratch for one member's backward pass (members run one after another through it).
struct BackwardScratch<T: SHTScalar> {
    /// Ping-pong ∂L/∂activations `[E][P]`.
    let gradients: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)
    /// ∂L/∂residual, ∂L/∂(MLP output), the recomputed MLP input, its GELU slope, ∂L/∂(MLP input).
    let gradResidual: UnsafeMutablePointer<T>
    let gradMLPOutput: UnsafeMutablePointer<T>
    let mlpInput: UnsafeMutablePointer<T>
    let slope: UnsafeMutablePointer<T>
    let gradMLPInput: UnsafeMutablePointer<T>
    /// The MLP backward's two `[hidden][P]` buffers.
    let hidden: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)
    /// ∂L/∂Y and ∂L/∂X in coefficient space (`E` sets each).
    let gradCoefficientsY: UnsafeMutablePointer<T>
    let gradCoefficientsX: UnsafeMutablePointer<T>
    /// The transforms' scratch and the spectral layer's (∂stack, per-degree ∂Y).
    let transformScratch: UnsafeMutablePointer<T>
    let spectralScratch: UnsafeMutablePointer<T>

    static func count(_ a: SFNOArchitecture) -> Int {
        var plan = BufferPlan()
        _ = carve(a, plan: &plan)
        return plan.count
    }

    init(_ a: SFNOArchitecture, base: UnsafeMutablePointer<T>) {
        var plan = BufferPlan()
        let o = Self.carve(a, plan: &plan)
        gradients = (base + o[0], base + o[1])
        gradResidual = base + o[2]
        gradMLPOutput = base + o[3]
        mlpInput = base + o[4]
        slope = base + o[5]
        gradMLPInput = base + o[6]
        hidden = (base + o[7], base + o[8])
        gradCoefficientsY = base + o[9]
        gradCoefficientsX = base + o[10]
        transformScratch = base + o[11]
        spectralScratch = base + o[12]
    }

    private static func carve(_ a: SFNOArchitecture, plan: inout BufferPlan) -> [Int] {
        let field = a.embed * a.pointsMax, hidden = a.hiddenMax * a.pointsMax
        return [field, field, field, field, field, field, field, hidden, hidden, a.coefficientCount, a.coefficientCount,
                a.transformScratchCount, a.stackCount + a.stackCount / 2].map { plan.take($0) }
    }
}
