import Foundation

/// The learning-rate schedule families.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// The base rate throughout (after warm-up).
    case constant
    /// Cosine decay from the base rate to `minimum` over all optimiser steps.
    case cosine
    /// torch's ReduceLROnPlateau on the validation loss, checked once per epoch.
    case plateau
}

/// The learning rate at every optimiser step, with its resumable state.
///
/// The schedule is evaluated **per optimiser step** (not per epoch): with the few epochs CPU
/// training affords, per-epoch steps would make the cosine a staircase. Step s (0-based):
///
///     warm-up   w(s) = (s + 1) / W  for s < W, else 1
///     constant  lr = base · w(s)
///     cosine    lr = w(s) · (min + (base − min) · ½ (1 + cos(π · clamp((s − W)/(T − W), 0, 1))))
///     plateau   lr = w(s) · (the plateau scheduler's current rate), updated once per epoch
///
/// with T the total number of steps. Only the plateau variant has state beyond the step count.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// The family.
    public var kind: ScheduleKind
    /// Peak rate.
    public var base: Double
    /// End of the cosine, floor of the plateau.
    public var minimum: Double
    /// Linear warm-up steps W.
    public var warmupSteps: Int
    /// Total optimiser steps T of the run.
    public var totalSteps: Int
    /// The plateau scheduler (only for `.plateau`).
    public var plateau: ReduceLROnPlateau?

    enum CodingKeys: String, CodingKey {
        case kind, base, minimum, plateau
        case warmupSteps = "warmup_steps"
        case totalSteps = "total_steps"
    }

    /// A schedule; `plateau` supplies factor/patience/threshold/cooldown for `.plateau` and
    /// is ignored otherwise.
    public init(kind: ScheduleKind, base: Double, minimum: Double = 0, warmupSteps: Int = 0, totalSteps: Int,
                plateau: ReduceLROnPlateau? = nil) {
        self.kind = kind
        self.base = base
        self.minimum = minimum
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = totalSteps
        self.plateau = kind == .plateau ? (plateau ?? ReduceLROnPlateau(learningRate: base, minimum: minimum)) : nil
    }

    /// The rate for optimiser step `step` (0-based).
    public func learningRate(step: Int) -> Double {
        let warmup = step < warmupSteps ? Double(step + 1) / Double(warmupSteps) : 1
        switch kind {
        case .constant:
            return base * warmup
        case .cosine:
            let span = max(1, totalSteps - warmupSteps)
            let progress = min(1, max(0, Double(step - warmupSteps) / Double(span)))
            return warmup * (minimum + (base - minimum) * 0.5 * (1 + cos(.pi * progress)))
        case .plateau:
            return warmup * (plateau?.learningRate ?? base)
        }
    }

    /// Records the end of an epoch with its validation loss (only the plateau variant uses it).
    public mutating func endEpoch(validationLoss: Double) {
        plateau?.record(validationLoss)
    }
}
