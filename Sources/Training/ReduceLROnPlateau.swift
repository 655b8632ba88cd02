/// torch's `ReduceLROnPlateau` in mode `min` with a relative threshold: after more than
/// `patience` epochs without a relative improvement of `threshold` over the best validation
/// loss, the learning rate is multiplied by `factor` (not below `minimum`), then `cooldown`
/// epochs pass before bad epochs count again.
public struct ReduceLROnPlateau: Codable, Equatable, Sendable {
    /// Multiplier applied at a reduction (0 < factor < 1).
    public var factor: Double
    /// Bad epochs tolerated before reducing.
    public var patience: Int
    /// Relative improvement that counts (torch's `threshold_mode='rel'`, default 1e-4).
    public var threshold: Double
    /// Epochs after a reduction during which bad epochs are not counted.
    public var cooldown: Int
    /// Floor of the learning rate.
    public var minimum: Double

    /// The current learning rate (before any warm-up factor).
    public private(set) var learningRate: Double
    /// Best loss so far (+∞ before the first epoch).
    public private(set) var best: Double
    /// Consecutive epochs without improvement.
    public private(set) var badEpochs: Int
    /// Remaining cooldown epochs.
    public private(set) var cooldownRemaining: Int

    enum CodingKeys: String, CodingKey {
        case factor, patience, threshold, cooldown, minimum, best
        case learningRate = "lr"
        case badEpochs = "bad_epochs"
        case cooldownRemaining = "cooldown_remaining"
    }

    /// A scheduler starting at `learningRate`.
    public init(learningRate: Double, factor: Double = 0.5, patience: Int = 10, threshold: Double = 1e-4,
                cooldown: Int = 0, minimum: Double = 0) {
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.cooldown = cooldown
        self.minimum = minimum
        self.learningRate = learningRate
        best = .infinity
        badEpochs = 0
        cooldownRemaining = 0
    }

    /// Records one epoch's validation loss and reduces the rate when it has plateaued.
    public mutating func record(_ loss: Double) {
        if loss < best * (1 - threshold) {
            best = loss
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownRemaining > 0 {
            cooldownRemaining -= 1
            badEpochs = 0
        }
        if badEpochs > patience {
            let reduced = max(learningRate * factor, minimum)
            // torch ignores reductions smaller than eps = 1e-8.
            if learningRate - reduced > 1e-8 { learningRate = reduced }
            cooldownRemaining = cooldown
            badEpochs = 0
        }
    }
}
