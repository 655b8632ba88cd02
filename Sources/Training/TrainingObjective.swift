/// What an optimiser step minimises: the squared L2 of one prediction per sample, or the fair
/// CRPS of M predictions per sample (a stochastic model run M times with different noise).
public enum TrainingObjective: Sendable {
    /// `SphereLoss` on one member per sample.
    case squared(SphereLoss)
    /// `EnsembleCRPSLoss` on `members` members per sample.
    case crps(EnsembleCRPSLoss)

    /// Model samples per training sample.
    public var members: Int {
        switch self {
        case .squared: return 1
        case .crps(let loss): return loss.members
        }
    }

    /// The loss of `batch` samples' predictions (`batch × members × channels × points`) against
    /// their targets (`batch × channels × points`); writes `gradientScale · ∂loss/∂prediction`
    /// into `gradient` when it is non-nil.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, batch: Int,
                         gradient: UnsafeMutablePointer<Float>?, gradientScale: Double) -> Double {
        switch self {
        case .squared(let loss):
            return loss.evaluate(prediction: prediction, target: target, batch: batch, gradient: gradient, gradientScale: gradientScale)
        case .crps(let loss):
            return loss.evaluate(prediction: prediction, target: target, batch: batch, gradient: gradient, gradientScale: gradientScale)
        }
    }
}
