import HensCore
import Spherical

/// A 1×1 convolution over channels (torch `Conv2d(in, out, 1)`): y[o, p] = Σᵢ W[o, i]·x[i, p] + b[o].
///
/// The weight is `[out][in]` row-major in the parameter buffer (torch's layout), so every
/// product is one GEMM on a column block of the fields: (out × in)·(in × columns).
struct PointwiseLinear {
    let inChannels: Int
    let outChannels: Int
    /// Offset of W in the parameter buffer.
    let weight: Int
    /// Offset of b, or nil without bias.
    let bias: Int?

    /// y = W·x (+ b), or y += W·x (+ b) when `accumulate`, for `columns` columns.
    func forward<T: SHTScalar>(_ parameters: UnsafePointer<T>, _ x: UnsafePointer<T>, ldx: Int,
                               _ y: UnsafeMutablePointer<T>, ldy: Int, columns: Int, accumulate: Bool = false) {
        var beta: T = accumulate ? 1 : 0
        if let bias {
            if accumulate {
                for o in 0..<outChannels {
                    let b = parameters[bias + o], row = y + o * ldy
                    for p in 0..<columns { row[p] += b }
                }
            } else {
                Elementwise.fillRows(y, ld: ldy, values: parameters + bias, rows: outChannels, columns: columns)
                beta = 1
            }
        }
        T.gemm(m: outChannels, n: columns, k: inChannels, a: parameters + weight, lda: inChannels,
             b: x, ldb: ldx, beta: beta, c: y, ldc: ldy)
    }

    /// ∂L/∂x = Wᵀ·∂L/∂y for `columns` columns (added to `gradX` when `accumulate`).
    func backwardInput<T: SHTScalar>(_ parameters: UnsafePointer<T>, gradY: UnsafePointer<T>, ldgy: Int,
                                     gradX: UnsafeMutablePointer<T>, ldgx: Int, columns: Int, accumulate: Bool) {
        T.gemm(transposeA: true, m: inChannels, n: columns, k: outChannels, a: parameters + weight, lda: inChannels,
             b: gradY, ldb: ldgy, beta: accumulate ? 1 : 0, c: gradX, ldc: ldgx)
    }

    /// Adds ∂L/∂W = ∂L/∂y·xᵀ and ∂L/∂b = Σ_p ∂L/∂y over `points` columns; output rows are split
    /// over the workers (each owns its rows, so no reduction between threads).
    func backwardParameters<T: SHTScalar>(gradY: UnsafePointer<T>, ldgy: Int, x: UnsafePointer<T>, ldx: Int,
                                          points: Int, gradParameters: UnsafeMutablePointer<T>) {
        Parallel.forEachChunk(outChannels) { rows in
            T.gemm(transposeB: true, m: rows.count, n: inChannels, k: points, a: gradY + rows.lowerBound * ldgy, lda: ldgy,
                 b: x, ldb: ldx, beta: 1, c: gradParameters + weight + rows.lowerBound * inChannels, ldc: inChannels)
            if let bias {
                Elementwise.accumulateRowSums(gradY + rows.lowerBound * ldgy, ld: ldgy, rows: rows.count, columns: points,
                                              into: gradParameters + bias + rows.lowerBound)
            }
        }
    }

    /// Whole-field forward, tiled over columns and spread over the workers.
    func forwardTiled<T: SHTScalar>(_ parameters: UnsafePointer<T>, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                    points: Int, tiles: ColumnTiles, accumulate: Bool = false) {
        tiles.forEach(points) { cols, _ in
            forward(parameters, x + cols.lowerBound, ldx: points, y + cols.lowerBound, ldy: points,
                    columns: cols.count, accumulate: accumulate)
        }
    }

    /// Whole-field ∂L/∂x, tiled over columns.
    func backwardInputTiled<T: SHTScalar>(_ parameters: UnsafePointer<T>, gradY: UnsafePointer<T>,
                                          gradX: UnsafeMutablePointer<T>, points: Int, tiles: ColumnTiles, accumulate: Bool) {
        tiles.forEach(points) { cols, _ in
            backwardInput(parameters, gradY: gradY + cols.lowerBound, ldgy: points, gradX: gradX + cols.lowerBound,
                          ldgx: points, columns: cols.count, accumulate: accumulate)
        }
    }
}
