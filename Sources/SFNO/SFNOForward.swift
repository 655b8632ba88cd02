import HensCore
import Spherical

extension SFNOModel {
    /// The forward pass of one member (`input` `[Cin][P]` → `output` `[Cout][P]`).
    ///
    /// With a tape, every activation the backward pass reads is written into the tape instead
    /// of (or besides) the scratch; otherwise the scratch is reused block after block.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forwardMember(_ p: UnsafeMutablePointer<T>, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
                       scratch s: ForwardScratch<T>, tape: MemberTape<T>?) {
        let a = architecture, e = a.embed, pd = config.dataPoints
        var current = s.activations.0, next = s.activations.1
        tape?.input.update(from: input, count: config.inChannels * pd)

        // Encoder (+ learned position embedding).
        switch a.encoder {
        case .linear(let layer):
            layer.forwardTiled(p, input, current, points: pd, tiles: tiles)
        case .mlp(let mlp):
            tiles.forEach(pd) { cols, worker in
                let o = cols.lowerBound
                mlp.forwardTile(p, input + o, ldx: pd, current + o, ldout: pd, columns: cols.count, accumulate: false,
                                preActivation: tape?.encoderHidden.map { $0 + o }, ldPre: pd, scratch: s.tileHidden(worker))
            }
        }
        if let pos = a.positionEmbedding {
            tiles.forEach(pd) { cols, _ in
                Elementwise.add(p + pos + cols.lowerBound, ld: pd, to: current + cols.lowerBound, ld: pd, rows: e, columns: cols.count)
            }
        }

        for block in a.blocks {
            let isLast = block.index == a.blocks.count - 1
            // The last block writes straight into the tape's copy of the decoder input.
            let out = isLast ? (tape?.decoderInput ?? next) : next
            forwardBlock(block, p, input: current, output: out, scratch: s, tape: tape?.blocks[block.index])
            next = current
            current = out
        }

        // Decoder (+ residual prediction or big skip).
        switch a.decoder {
        case .linear(let layer):
            let residual = config.variant == .thExample && config.residualPrediction
            tiles.forEach(pd) { cols, _ in
                let o = cols.lowerBound
                if residual {
                    Elementwise.copy(input + o, ld: pd, to: output + o, ld: pd, rows: config.outChannels, columns: cols.count)
                }
                layer.forward(p, current + o, ldx: pd, output + o, ldy: pd, columns: cols.count, accumulate: residual)
            }
        case .mlp(let mlp):
            tiles.forEach(pd) { cols, worker in
                let o = cols.lowerBound
                mlp.forwardTile(p, current + o, ldx: pd, output + o, ldout: pd, columns: cols.count, accumulate: false,
                                preActivation: tape?.decoderHidden.map { $0 + o }, ldPre: pd, scratch: s.tileHidden(worker))
                a.bigSkip?.forward(p, input + o, ldx: pd, output + o, ldy: pd, columns: cols.count, accumulate: true)
            }
        }
    }
}
