import SFNO

/// Builds model inputs from prognostic states — `[batch][prognostic + auxiliary][point]`,
/// prognostic channels first (makani's order) — and routes input gradients back to the
/// prognostic channels for backprop through time.
struct ModelInput {
    /// Prognostic channels.
    let channels: Int
    /// Points per field.
    let fieldCount: Int
    /// The auxiliary source.
    let auxiliary: AuxiliaryChannels

    /// Channels the model reads.
    var inputChannels: Int { channels + auxiliary.channelCount }
    /// Values of one sample's input.
    var sampleCount: Int { inputChannels * fieldCount }

    /// Writes the input of autoregressive step `step` (0 for the initial state): the
    /// prognostic state of each sample, then its auxiliary channels at time `time + step`.
    func compose(prognostic: UnsafePointer<Float>, samples: [TrainingSample], step: Int,
                 into input: UnsafeMutablePointer<Float>) {
        let state = channels * fieldCount
        for (b, s) in samples.enumerated() {
            let destination = input + b * sampleCount
            destination.update(from: prognostic + b * state, count: state)
            auxiliary.fill(trajectory: s.trajectory, time: s.time + step, fieldCount: fieldCount, into: destination + state)
        }
    }

    /// Adds the prognostic part of ∂L/∂input (`batch × inputChannels × points`) into
    /// ∂L/∂(previous step's output) (`batch × channels × points`); auxiliary inputs are not
    /// predicted, so their gradients stop here.
    func accumulatePrognosticGradient(_ gradInput: UnsafePointer<Float>, batch: Int,
                                      into gradOutput: UnsafeMutablePointer<Float>) {
        let state = channels * fieldCount
        for b in 0..<batch {
            let source = gradInput + b * sampleCount, destination = gradOutput + b * state
            for i in 0..<state { destination[i] += source[i] }
        }
    }
}
