import HensCore
import Spherical

/// One SFNO block's layers, as offsets into the flat parameter buffer.
struct SFNOBlockLayout {
    let index: Int
    let input: GridRole
    let output: GridRole
    /// Whether the residual is ISHT_out(SHT_in(x)) rather than x itself.
    let resamples: Bool
    let spectral: SpectralConvolution
    /// th-example: the norm after the filter; makani: norm0 (before the GELU).
    let norm0: InstanceNorm?
    let mlp: PointwiseMLP
    /// makani only: the norm after the MLP.
    let norm1: InstanceNorm?
    /// makani only: the linear outer skip (no bias).
    let skip: PointwiseLinear?
}

/// One block's passes. Both variants share the spectral filter:
/// y = ISHT_out(W ⋆ SHT_in(x)) and the residual r = ISHT_out(SHT_in(x)) (grid change) or x;
/// then th-example: out = MLP(norm(y)) + r; makani: out = norm1(MLP(gelu(norm0(y)))) + S·r.
extension SFNOModel {
    /// One block: spectral filter (and resampled residual), then the variant's pointwise part.
    ///
    /// Without a tape (inference) `out` also holds y and z on the way, and a resampled residual
    /// is written over `x` (see `ForwardScratch`); the arithmetic is the same either way.
    func forwardBlock(_ block: SFNOBlockLayout, _ p: UnsafeMutablePointer<T>, input x: UnsafeMutablePointer<T>,
                      output out: UnsafeMutablePointer<T>, scratch s: ForwardScratch<T>, tape: MemberTape<T>.Block?) {
        let e = architecture.embed
        let tin = transform(block.input), tout = transform(block.output)
        let pin = tin.points, points = tout.points

        // Filter: y = ISHT_out(W ⋆ SHT_in(x)); residual r = ISHT_out(SHT_in(x)) or x.
        tin.forward(x, into: s.coefficientsX, count: e, scratch: s.transformScratch)
        block.spectral.forward(p, x: s.coefficientsX, y: s.coefficientsY, stack: tape?.stack, workerScratch: s.degrees,
                               workerStride: s.degreeStride)
        let y = tape?.filtered ?? out
        tout.inverse(s.coefficientsY, into: y, count: e, scratch: s.transformScratch)
        let r: UnsafePointer<T>
        if block.resamples {
            let buffer = tape?.residual ?? x  // x is dead once SHT_in(x) is taken
            tout.inverse(s.coefficientsX, into: buffer, count: e, scratch: s.transformScratch)
            r = UnsafePointer(buffer)
        } else if let kept = tape?.residual {
            kept.update(from: x, count: e * pin)
            r = UnsafePointer(kept)
        } else {
            r = UnsafePointer(x)
        }
        let stats0 = tape?.stats0 ?? s.stats0
        block.norm0?.statistics(y, ld: points, points: points, into: stats0)

        switch config.variant {
        case .thExample:
            // out = MLP(norm(y)) + r; when y is out, each tile's input is copied before r lands there.
            let copyInput = y == out
            tiles.forEach(points) { cols, worker in
                let o = cols.lowerBound, n = cols.count
                let a = normalizedTile(block.norm0, p, stats: stats0, y + o, ld: points, columns: n, into: s.tileInput(worker),
                                       copy: copyInput)
                Elementwise.copy(r + o, ld: points, to: out + o, ld: points, rows: e, columns: n)
                block.mlp.forwardTile(p, a.pointer, ldx: a.ld, out + o, ldout: points, columns: n, accumulate: true,
                                      preActivation: tape.map { $0.hidden + o }, ldPre: points, scratch: s.tileHidden(worker))
            }
        case .makani:
            // z = MLP(gelu(norm0(y))); out = norm1(z) + S·r. The tile input a is a copy, so z may overwrite y.
            let z = tape?.mlpOutput ?? out
            tiles.forEach(points) { cols, worker in
                let o = cols.lowerBound, n = cols.count
                let a = s.tileInput(worker)
                let normalized = normalizedTile(block.norm0, p, stats: stats0, y + o, ld: points, columns: n, into: a, copy: false)
                GELU.forward(normalized.pointer, ldx: normalized.ld, a, ldy: n, rows: e, columns: n)
                block.mlp.forwardTile(p, a, ldx: n, z + o, ldout: points, columns: n, accumulate: false,
                                      preActivation: tape.map { $0.hidden + o }, ldPre: points, scratch: s.tileHidden(worker))
            }
            let stats1 = tape?.stats1 ?? s.stats1
            block.norm1?.statistics(z, ld: points, points: points, into: stats1)
            let skip = block.skip!
            tiles.forEach(points) { cols, _ in
                let o = cols.lowerBound, n = cols.count
                if let norm = block.norm1 {
                    norm.apply(p, stats: stats1, z + o, ldx: points, out + o, ldy: points, columns: n)
                } else if z != out {
                    Elementwise.copy(z + o, ld: points, to: out + o, ld: points, rows: e, columns: n)
                }
                skip.forward(p, r + o, ldx: points, out + o, ldy: points, columns: n, accumulate: true)
            }
        }
    }

    /// One block backwards: ∂L/∂(block output) → ∂L/∂(block input), adding the block's
    /// parameter gradients.
    func backwardBlock(_ block: SFNOBlockLayout, _ p: UnsafeMutablePointer<T>, tape t: MemberTape<T>.Block,
                       gradOutput g: UnsafeMutablePointer<T>, gradInput gx: UnsafeMutablePointer<T>,
                       scratch s: BackwardScratch<T>, gradParameters gp: UnsafeMutablePointer<T>) {
        let e = architecture.embed
        let tin = transform(block.input), tout = transform(block.output)
        let points = tout.points
        let stats0 = UnsafePointer(t.stats0 ?? s.slope) // read only when the block has a norm
        let gradResidual: UnsafePointer<T>
        let gradFiltered = s.gradMLPInput

        switch config.variant {
        case .thExample:
            // out = MLP(norm(y)) + r
            gradResidual = UnsafePointer(g)
            normalizeFields(block.norm0, p, stats: stats0, t.filtered, into: s.mlpInput, points: points)
            block.mlp.backward(p, x: s.mlpInput, preActivation: t.hidden, gradOut: g, gradX: gradFiltered, accumulate: false,
                               points: points, tiles: tiles, scratch: s.hidden, gradParameters: gp)
        case .makani:
            // out = norm1(z) + S·r, z = MLP(gelu(norm0(y)))
            let skip = block.skip!
            skip.backwardParameters(gradY: g, ldgy: points, x: t.residual!, ldx: points, points: points, gradParameters: gp)
            skip.backwardInputTiled(p, gradY: g, gradX: s.gradResidual, points: points, tiles: tiles, accumulate: false)
            gradResidual = UnsafePointer(s.gradResidual)
            let gradZ: UnsafePointer<T>
            if let norm = block.norm1 {
                norm.backward(p, stats: t.stats1!, x: t.mlpOutput!, gradY: g, gradX: s.gradMLPOutput, points: points,
                              gradParameters: gp)
                gradZ = UnsafePointer(s.gradMLPOutput)
            } else {
                gradZ = UnsafePointer(g)
            }
            // Recompute a = gelu(norm0(y)) and its slope.
            normalizeFields(block.norm0, p, stats: stats0, t.filtered, into: s.mlpInput, points: points)
            tiles.forEach(points) { cols, _ in
                for c in 0..<e {
                    let v = s.mlpInput + c * points + cols.lowerBound
                    GELU.valueAndDerivative(v, value: v, derivative: s.slope + c * points + cols.lowerBound, count: cols.count)
                }
            }
            block.mlp.backward(p, x: s.mlpInput, preActivation: t.hidden, gradOut: gradZ, gradX: gradFiltered,
                               accumulate: false, points: points, tiles: tiles, scratch: s.hidden, gradParameters: gp)
            tiles.forEach(points) { cols, _ in
                for c in 0..<e {
                    let gv = gradFiltered + c * points + cols.lowerBound, sv = s.slope + c * points + cols.lowerBound
                    for i in 0..<cols.count { gv[i] *= sv[i] }
                }
            }
        }
        // Through the first norm (in place).
        block.norm0?.backward(p, stats: stats0, x: t.filtered, gradY: gradFiltered, gradX: gradFiltered, points: points,
                              gradParameters: gp)

        // Spectral filter: ∂Y = ISHT_outᵀ(∂y); ∂X = W ⋆ᵀ ∂Y (+ ISHT_outᵀ(∂r) if resampled); ∂x = SHT_inᵀ(∂X) (+ ∂r).
        tout.inverseAdjoint(gradFiltered, into: s.gradCoefficientsY, count: e, scratch: s.transformScratch)
        block.spectral.backward(p, stack: t.stack, gradY: s.gradCoefficientsY, gradX: s.gradCoefficientsX, accumulate: false,
                                scratch: s.spectralScratch, gradParameters: gp)
        if block.resamples {
            tout.inverseAdjoint(gradResidual, into: s.gradCoefficientsY, count: e, scratch: s.transformScratch)
            Elementwise.add(s.gradCoefficientsY, to: s.gradCoefficientsX, count: architecture.coefficientCount)
        }
        tin.forwardAdjoint(s.gradCoefficientsX, into: gx, count: e, scratch: s.transformScratch)
        if !block.resamples {
            Elementwise.add(gradResidual, to: gx, count: e * tin.points)
        }
    }

    /// Writes the first norm's output (recomputed from its saved input and statistics), or a
    /// copy of the input when the block has no norm.
    private func normalizeFields(_ norm: InstanceNorm?, _ p: UnsafePointer<T>, stats: UnsafePointer<T>,
                                 _ y: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>, points: Int) {
        let e = architecture.embed
        tiles.forEach(points) { cols, _ in
            let o = cols.lowerBound
            if let norm {
                norm.apply(p, stats: stats, y + o, ldx: points, dst + o, ldy: points, columns: cols.count)
            } else {
                Elementwise.copy(y + o, ld: points, to: dst + o, ld: points, rows: e, columns: cols.count)
            }
        }
    }

    /// The MLP input of a tile: the normalised filter output written into `buffer`, or — when
    /// the block has no norm — the filter output itself, or a copy of it in `buffer` when `copy`
    /// (the caller is about to overwrite y).
    @inline(__always)
    private func normalizedTile(_ norm: InstanceNorm?, _ p: UnsafePointer<T>, stats: UnsafePointer<T>, _ y: UnsafePointer<T>,
                                ld: Int, columns: Int, into buffer: UnsafeMutablePointer<T>,
                                copy: Bool) -> (pointer: UnsafePointer<T>, ld: Int) {
        guard let norm else {
            guard copy else { return (y, ld) }
            Elementwise.copy(y, ld: ld, to: buffer, ld: columns, rows: architecture.embed, columns: columns)
            return (UnsafePointer(buffer), columns)
        }
        norm.apply(p, stats: stats, y, ldx: ld, buffer, ldy: columns, columns: columns)
        return (UnsafePointer(buffer), columns)
    }
}
