import Foundation
import HensCore
import SFNO

/// AdamW's hyper-parameters (the learning rate comes from the schedule at every step).
public struct AdamWSettings: Codable, Equatable, Sendable {
    /// First-moment decay β1.
    public var beta1: Double
    /// Second-moment decay β2.
    public var beta2: Double
    /// ε added to √v̂.
    public var epsilon: Double
    /// Decoupled weight decay λ (applied as p ← p·(1 − lr·λ) to tensors that decay).
    public var weightDecay: Double
    /// Maximum global gradient L2 norm; nil disables clipping.
    public var gradientClip: Double?

    /// Settings; the defaults are makani's SFNO ones (β = (0.9, 0.95), no decay, no clip).
    public init(beta1: Double = 0.9, beta2: Double = 0.95, epsilon: Double = 1e-8,
                weightDecay: Double = 0, gradientClip: Double? = nil) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
    }
}

/// AdamW's resumable state: steps taken and the two moment buffers.
public struct AdamWState: Equatable, Sendable {
    /// Optimiser steps taken so far.
    public var step: Int
    /// First moment m, one per parameter.
    public var firstMoment: [Float]
    /// Second moment v, one per parameter.
    public var secondMoment: [Float]

    /// A fresh state for `parameterCount` parameters.
    public init(parameterCount: Int) {
        step = 0
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    /// A state from stored values (a checkpoint).
    public init(step: Int, firstMoment: [Float], secondMoment: [Float]) {
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}

/// AdamW over a model's flat Float32 parameter buffer, computed as torch's single-tensor
/// `AdamW` does (Float32 element updates, Float64 bias corrections):
///
///     g ← g · min(1, clip / (‖g‖ + 1e-6))            (global norm clipping, optional)
///     p ← p · (1 − lr·λ)                              (only tensors with `decays`)
///     m ← lerp(m, g, 1 − β1);  v ← β2 v + (1 − β2) g²
///     p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
public struct AdamW {
    /// Hyper-parameters.
    public let settings: AdamWSettings
    /// Step count and moments (exported to and restored from checkpoints).
    public private(set) var state: AdamWState
    /// The buffer cut into runs that share one decay flag; gaps between tensors do not decay.
    private let segments: [(range: Range<Int>, decays: Bool)]

    /// An optimiser for a buffer of `parameterCount` reals described by `tensors`.
    /// - Throws: when tensors overlap or lie outside the buffer.
    public init(settings: AdamWSettings, tensors: [ParameterTensor], parameterCount: Int) throws {
        self.settings = settings
        state = AdamWState(parameterCount: parameterCount)
        var segments: [(range: Range<Int>, decays: Bool)] = []
        var next = 0
        for t in tensors.sorted(by: { $0.offset < $1.offset }) {
            guard t.offset >= next, t.range.upperBound <= parameterCount else {
                throw HensError(.internal, "model parameters: tensor '\(t.name)' (elements \(t.range)) overlaps another "
                    + "or lies outside the \(parameterCount)-element buffer")
            }
            if t.offset > next { segments.append((next..<t.offset, false)) }
            if t.count > 0 { segments.append((t.range, t.decays)) }
            next = t.range.upperBound
        }
        if next < parameterCount { segments.append((next..<parameterCount, false)) }
        self.segments = segments
    }

    /// Replaces the state (resuming from a checkpoint).
    public mutating func restore(_ saved: AdamWState) throws {
        let n = state.firstMoment.count
        guard saved.firstMoment.count == n, saved.secondMoment.count == n, saved.step >= 0 else {
            throw HensError(.badInput, "optimiser state: expected \(n) moments per buffer, got "
                + "\(saved.firstMoment.count) and \(saved.secondMoment.count)")
        }
        state = saved
    }

    /// The global L2 norm of `gradients`, summed in Float64 in buffer order (deterministic).
    public static func norm(_ gradients: UnsafeBufferPointer<Float>) -> Double {
        var sum = 0.0
        for g in gradients { sum += Double(g) * Double(g) }
        return sum.squareRoot()
    }

    /// Clips `gradients` in place (when configured), then takes one step at `learningRate`.
    /// Returns the gradient norm before clipping.
    @discardableResult
    public mutating func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                              learningRate: Double) -> Double {
        let n = state.firstMoment.count
        precondition(parameters.count == n && gradients.count == n, "AdamW: buffer sizes do not match the state")
        let gradientNorm = Self.norm(UnsafeBufferPointer(gradients))
        if let clip = settings.gradientClip {
            // torch's clip_grad_norm_: coefficient clamped to 1, so small gradients pass unchanged.
            let coefficient = clip / (gradientNorm + 1e-6)
            if coefficient < 1 {
                let c = Float(coefficient)
                for i in 0..<n { gradients[i] *= c }
            }
        }

        state.step += 1
        let t = Double(state.step)
        let decayFactor = Float(1 - learningRate * settings.weightDecay)
        let stepSize = Float(learningRate / (1 - pow(settings.beta1, t)))
        let correction2 = Float((1 - pow(settings.beta2, t)).squareRoot())
        let weight1 = Float(1 - settings.beta1), beta2 = Float(settings.beta2), weight2 = Float(1 - settings.beta2)
        let epsilon = Float(settings.epsilon)
        let applyDecay = settings.weightDecay != 0
        let segments = self.segments

        state.firstMoment.withUnsafeMutableBufferPointer { m in
            state.secondMoment.withUnsafeMutableBufferPointer { v in
                Parallel.forEachChunk(n, minimumChunk: 1 << 14) { chunk in
                    for segment in segments {
                        let range = segment.range.clamped(to: chunk)
                        guard !range.isEmpty else { continue }
                        let decays = applyDecay && segment.decays
                        for i in range {
                            var p = parameters[i]
                            if decays { p *= decayFactor }
                            let g = gradients[i]
                            // torch's lerp_ switches formula at weight 0.5 for accuracy.
                            m[i] = weight1 < 0.5 ? m[i] + weight1 * (g - m[i]) : g - (g - m[i]) * (1 - weight1)
                            v[i] = v[i] * beta2 + weight2 * g * g
                            let denominator = v[i].squareRoot() / correction2 + epsilon
                            parameters[i] = p - stepSize * (m[i] / denominator)
                        }
                    }
                }
            }
        }
        return gradientNorm
    }
}
