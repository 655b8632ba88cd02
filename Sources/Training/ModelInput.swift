import HensCore
import SFNO

/// Builds model inputs from prognostic states — `[sample][prognostic + auxiliary + noise][point]`,
/// prognostic channels first (makani's order), a stochastic model's noise channels last — and
/// routes input gradients back to the prognostic channels for backprop through time.
struct ModelInput {
    /// Prognostic channels.
    let channels: Int
    /// Points per field.
    let fieldCount: Int
    /// The auxiliary source.
    let auxiliary: AuxiliaryChannels
    /// The noise channels of a stochastic model (nil: deterministic).
    var noise: NoiseChannels?
    /// An imported model's step inputs (cos-zenith, fixed fields), after the auxiliary ones.
    var stepInputs: StepInputTimes?

    /// Channels the model reads.
    var inputChannels: Int { channels + auxiliary.channelCount + (stepInputs?.fields.channelCount ?? 0) + (noise?.count ?? 0) }
    /// Values of one sample's input.
    var sampleCount: Int { inputChannels * fieldCount }

    /// Writes the input of autoregressive step `step` (0 for the initial state) for
    /// `samples.count × members` model samples (sample b's members at b·members …): the
    /// prognostic state, the auxiliary channels at time `time + step`, and — for a stochastic
    /// model — fresh noise whose seed depends on (`noiseSeed`, model sample, step) only.
    /// - Parameter replicated: `prognostic` holds one state per training sample, copied to each of
    ///   its members (the initial state); otherwise one state per model sample.
    func compose(prognostic: UnsafePointer<Float>, samples: [TrainingSample], members: Int = 1, replicated: Bool = false,
                 step: Int, noiseSeed: UInt64 = 0, into input: UnsafeMutablePointer<Float>) {
        let state = channels * fieldCount
        let auxiliaryCount = (auxiliary.channelCount + (stepInputs?.fields.channelCount ?? 0)) * fieldCount
        for (b, s) in samples.enumerated() {
            for j in 0..<members {
                let i = b * members + j
                let destination = input + i * sampleCount
                destination.update(from: prognostic + (replicated ? b : i) * state, count: state)
                auxiliary.fill(trajectory: s.trajectory, time: s.time + step, fieldCount: fieldCount, into: destination + state)
                if let stepInputs {
                    stepInputs.fields.fill(validTime: stepInputs.seconds[s.trajectory][s.time + step],
                                           into: destination + state + auxiliary.channelCount * fieldCount)
                }
                noise?.fill(seed: NoiseChannels.stepSeed(member: SplitMix64.mix(noiseSeed ^ UInt64(i)), step: step),
                            into: destination + state + auxiliaryCount)
            }
        }
    }

    /// Adds the prognostic part of ∂L/∂input (`batch × inputChannels × points`) into
    /// ∂L/∂(previous step's output) (`batch × channels × points`); auxiliary and noise inputs
    /// are not predicted, so their gradients stop here.
    func accumulatePrognosticGradient(_ gradInput: UnsafePointer<Float>, batch: Int,
                                      into gradOutput: UnsafeMutablePointer<Float>) {
        let state = channels * fieldCount
        for b in 0..<batch {
            let source = gradInput + b * sampleCount, destination = gradOutput + b * state
            for i in 0..<state { destination[i] += source[i] }
        }
    }
}

/// An imported model's step inputs on a split with absolute times: the fields, and the UTC
/// seconds of every (trajectory, time) they are computed for.
public struct StepInputTimes: Sendable {
    /// The fields (cos-zenith at the valid time, stored fixed channels).
    public let fields: StepInputFields
    /// Seconds since 1970 of `[trajectory][time]`.
    public let seconds: [[Double]]

    /// Step inputs for a split whose times are `seconds`.
    public init(fields: StepInputFields, seconds: [[Double]]) {
        self.fields = fields
        self.seconds = seconds
    }
}
