import HensCore
import Spherical

extension SFNOModel {
    /// The backward pass of one member: reads its tape, adds parameter gradients, and writes
    /// ∂L/∂input when asked. Layer by layer it is the transpose of `forwardMember`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backwardMember(_ p: UnsafeMutablePointer<T>, tape: MemberTape<T>, gradOutput: UnsafePointer<T>,
                        gradInput: UnsafeMutablePointer<T>?, gradParameters gp: UnsafeMutablePointer<T>,
                        scratch s: BackwardScratch<T>) {
        let a = architecture, e = a.embed, pd = config.dataPoints
        var current = s.gradients.0, next = s.gradients.1
        gradInput?.update(repeating: 0, count: config.inChannels * pd)

        // Decoder (+ residual prediction or big skip).
        switch a.decoder {
        case .linear(let layer):
            layer.backwardParameters(gradY: gradOutput, ldgy: pd, x: tape.decoderInput, ldx: pd, points: pd, gradParameters: gp)
            layer.backwardInputTiled(p, gradY: gradOutput, gradX: current, points: pd, tiles: tiles, accumulate: false)
            if config.variant == .thExample && config.residualPrediction, let gradInput {
                Elementwise.add(gradOutput, to: gradInput, count: config.outChannels * pd)
            }
        case .mlp(let mlp):
            mlp.backward(p, x: tape.decoderInput, preActivation: tape.decoderHidden!, gradOut: gradOutput, gradX: current,
                         accumulate: false, points: pd, tiles: tiles, scratch: s.hidden, gradParameters: gp)
            if let skip = a.bigSkip {
                skip.backwardParameters(gradY: gradOutput, ldgy: pd, x: tape.input, ldx: pd, points: pd, gradParameters: gp)
                if let gradInput {
                    skip.backwardInputTiled(p, gradY: gradOutput, gradX: gradInput, points: pd, tiles: tiles, accumulate: true)
                }
            }
        }

        for block in a.blocks.reversed() {
            backwardBlock(block, p, tape: tape.blocks[block.index], gradOutput: current, gradInput: next,
                          scratch: s, gradParameters: gp)
            swap(&current, &next)
        }

        // Position embedding and encoder.
        if let pos = a.positionEmbedding { Elementwise.add(current, to: gp + pos, count: e * pd) }
        switch a.encoder {
        case .linear(let layer):
            layer.backwardParameters(gradY: current, ldgy: pd, x: tape.input, ldx: pd, points: pd, gradParameters: gp)
            if let gradInput {
                layer.backwardInputTiled(p, gradY: current, gradX: gradInput, points: pd, tiles: tiles, accumulate: true)
            }
        case .mlp(let mlp):
            mlp.backward(p, x: tape.input, preActivation: tape.encoderHidden!, gradOut: current, gradX: gradInput,
                         accumulate: true, points: pd, tiles: tiles, scratch: s.hidden, gradParameters: gp)
        }
    }
}
