import HensCore
import Spherical

/// Two 1×1 layers with an exact GELU between them: out = fc2(gelu(fc1(x))).
///
/// This one kernel is the block MLP of both variants and makani's encoder and decoder. The
/// forward pass works on column tiles so that the hidden activations (2–4× wider than the
/// input) stay in cache between the two GEMMs instead of streaming through memory.
struct PointwiseMLP {
    let fc1: PointwiseLinear
    let fc2: PointwiseLinear

    var inChannels: Int { fc1.inChannels }
    var hidden: Int { fc1.outChannels }
    var outChannels: Int { fc2.outChannels }

    /// One tile: out (+)= fc2(gelu(fc1(x))) for `columns` columns.
    /// - Parameters:
    ///   - preActivation: where fc1's output is kept for the backward pass (leading dimension
    ///     `ldPre`); nil for inference, which then activates in place in `scratch`.
    ///   - scratch: `hidden × columns` values.
    func forwardTile<T: SHTScalar>(_ parameters: UnsafePointer<T>, _ x: UnsafePointer<T>, ldx: Int,
                                   _ out: UnsafeMutablePointer<T>, ldout: Int, columns: Int, accumulate: Bool,
                                   preActivation: UnsafeMutablePointer<T>?, ldPre: Int, scratch: UnsafeMutablePointer<T>) {
        if let pre = preActivation {
            fc1.forward(parameters, x, ldx: ldx, pre, ldy: ldPre, columns: columns)
            GELU.forward(pre, ldx: ldPre, scratch, ldy: columns, rows: hidden, columns: columns)
        } else {
            fc1.forward(parameters, x, ldx: ldx, scratch, ldy: columns, columns: columns)
            GELU.forward(scratch, scratch, count: hidden * columns)
        }
        fc2.forward(parameters, scratch, ldx: columns, out, ldy: ldout, columns: columns, accumulate: accumulate)
    }

    /// Backward over whole fields of `points` columns.
    /// - Parameters:
    ///   - x: the layer input; `preActivation`: fc1's output saved by the forward pass.
    ///   - gradX: receives ∂L/∂x (added when `accumulate`); nil skips it.
    ///   - scratch: two buffers of `hidden × points` values.
    func backward<T: SHTScalar>(_ parameters: UnsafePointer<T>, x: UnsafePointer<T>, preActivation: UnsafePointer<T>,
                                gradOut: UnsafePointer<T>, gradX: UnsafeMutablePointer<T>?, accumulate: Bool, points: Int,
                                tiles: ColumnTiles, scratch: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>),
                                gradParameters: UnsafeMutablePointer<T>) {
        let (activation, slope) = scratch
        let h = hidden
        tiles.forEach(points) { cols, _ in
            for r in 0..<h {
                let o = r * points + cols.lowerBound
                GELU.valueAndDerivative(preActivation + o, value: activation + o, derivative: slope + o, count: cols.count)
            }
        }
        fc2.backwardParameters(gradY: gradOut, ldgy: points, x: activation, ldx: points, points: points,
                               gradParameters: gradParameters)
        // ∂L/∂(pre-activation) = (W₂ᵀ ∂L/∂out) ⊙ gelu′, written over the activations (no longer needed).
        tiles.forEach(points) { cols, _ in
            let o = cols.lowerBound
            fc2.backwardInput(parameters, gradY: gradOut + o, ldgy: points, gradX: activation + o, ldgx: points,
                              columns: cols.count, accumulate: false)
            for r in 0..<h {
                let g = activation + r * points + o, s = slope + r * points + o
                for p in 0..<cols.count { g[p] *= s[p] }
            }
        }
        fc1.backwardParameters(gradY: activation, ldgy: points, x: x, ldx: points, points: points,
                               gradParameters: gradParameters)
        if let gradX {
            fc1.backwardInputTiled(parameters, gradY: activation, gradX: gradX, points: points, tiles: tiles,
                                   accumulate: accumulate)
        }
    }
}
