import HensCore
import Spherical

/// The Driscoll–Healy ("dhconv") channel mixing of an SFNO block in spectral space:
/// Y[o, l, m] = Σᵢ W[l, o, i]·X[i, l, m] with complex W, for m ≤ l only.
///
/// **Triangular GEMMs.** Degree l has n_l = min(l + 1, mmax) orders; the structural zeros
/// m > l are never touched (half the work of a dense lmax × mmax layout). A complex product
/// becomes one real GEMM by stacking each input channel with its rotation
/// J·x = i·x ((re, im) → (−im, re)):
///
///     Y_l (E × 2n_l) = A_l (E × 2E) · S_l (2E × 2n_l),
///     A_l[o][2i] = Re W[l,o,i],  A_l[o][2i+1] = Im W[l,o,i],
///     S_l[2i] = X_i (re/im interleaved over m),  S_l[2i+1] = J·X_i,
///
/// so Re Y = Wr·Xr − Wi·Xi and Im Y = Wr·Xi + Wi·Xr come out of one product. The weight is
/// stored `[lmax][E_out][E_in][2]` (degree-major, re/im last), which *is* A_l row-major: the
/// GEMM reads the parameters in place and the weight gradient lands in place.
///
/// Coefficients are in the transforms' order-major layout (`TriangularModes` rows of E complex
/// numbers); each degree gathers its rows into S_l and scatters Y_l back. The stacks S_l of all
/// degrees share one buffer (`stackCount` reals), which the backward pass reads for ∂W.
struct SpectralConvolution {
    let channels: Int
    let modes: TriangularModes
    /// Offset of the weight `[lmax][E][E][2]` in the parameter buffer.
    let weight: Int
    /// Offset of degree l's block in the stack buffer (its E × 2n_l output block in a
    /// `degreeCount` buffer starts at half this offset).
    let stackOffsets: [Int]
    /// Reals of the stack buffer: Σ_l 2E·2n_l.
    let stackCount: Int

    init(channels: Int, modes: TriangularModes, weight: Int) {
        self.channels = channels
        self.modes = modes
        self.weight = weight
        var offsets = [Int](), total = 0
        for l in 0..<modes.lmax {
            offsets.append(total)
            total += 2 * channels * 2 * modes.orders(l)
        }
        stackOffsets = offsets
        stackCount = total
    }

    var lmax: Int { modes.lmax }
    /// Reals of one per-degree (E × 2n_l) buffer set: the contraction's output before it is
    /// scattered, or ∂Y gathered per degree.
    var degreeCount: Int { stackCount / 2 }
    /// Reals of the weight tensor.
    var weightCount: Int { lmax * channels * channels * 2 }

    /// Reals of one degree's buffers at most (the widest degree, n_l = mmax): its stack S_l
    /// (2E × 2n_l) then its output Y_l (E × 2n_l).
    var degreeScratchCount: Int { 3 * channels * 2 * modes.mmax }

    /// Y = W ⋆ X for one sample. When `stack` is given (`stackCount` reals, training) it
    /// receives every S_l for the backward pass; otherwise (inference) each S_l lives only in
    /// its worker's scratch. `workerScratch` holds `degreeScratchCount` reals per worker,
    /// `workerStride` apart, for as many workers as `Parallel.threadCount`. Degrees are dealt
    /// cyclically to the workers and each is one GEMM of the same shape whichever worker runs
    /// it, so Y does not depend on the thread count; each degree touches only its own rows.
    func forward<T: SHTScalar>(_ parameters: UnsafePointer<T>, x: UnsafePointer<T>, y: UnsafeMutablePointer<T>,
                               stack: UnsafeMutablePointer<T>?, workerScratch: UnsafeMutablePointer<T>, workerStride: Int) {
        let e = channels, width = 2 * e, degrees = lmax
        Parallel.forEachWorker(tasks: degrees) { worker, workers in
            let own = workerScratch + worker * workerStride
            var l = worker
            while l < degrees {
                let n = modes.orders(l), cols = 2 * n
                let s = stack.map { $0 + stackOffsets[l] } ?? own, out = own + 2 * e * 2 * modes.mmax
                for m in 0..<n {
                    let src = x + modes.row(l: l, m: m) * width
                    for i in 0..<e {
                        let plain = s + (2 * i) * cols + 2 * m, rotated = plain + cols
                        let re = src[2 * i], im = src[2 * i + 1]
                        plain[0] = re; plain[1] = im
                        rotated[0] = -im; rotated[1] = re
                    }
                }
                T.gemm(m: e, n: cols, k: 2 * e, a: parameters + weight + l * e * e * 2, lda: 2 * e,
                       b: s, ldb: cols, beta: 0, c: out, ldc: cols)
                for m in 0..<n {
                    let dst = y + modes.row(l: l, m: m) * width
                    for o in 0..<e {
                        dst[2 * o] = out[o * cols + 2 * m]
                        dst[2 * o + 1] = out[o * cols + 2 * m + 1]
                    }
                }
                l += workers
            }
        }
    }

    /// Backward for one sample: writes ∂L/∂X (or adds it when `accumulate`) and adds ∂L/∂W.
    ///
    /// With G_l = ∂L/∂Y_l (same re/im convention): ∂L/∂S_l = A_lᵀ·G_l, folded back through the
    /// stacking as ∂X_i = ∂S[2i] + Jᵀ∂S[2i+1] (Jᵀ: (a, b) → (b, −a)); ∂L/∂A_l += G_l·S_lᵀ.
    /// `scratch` holds `stackCount + degreeCount` reals.
    func backward<T: SHTScalar>(_ parameters: UnsafePointer<T>, stack: UnsafePointer<T>, gradY: UnsafePointer<T>,
                                gradX: UnsafeMutablePointer<T>, accumulate: Bool, scratch: UnsafeMutablePointer<T>,
                                gradParameters: UnsafeMutablePointer<T>) {
        let e = channels, width = 2 * e
        Parallel.forEachCyclic(lmax) { l in
            let n = modes.orders(l), cols = 2 * n
            let a = parameters + weight + l * e * e * 2
            let gs = scratch + stackOffsets[l], g = scratch + stackCount + stackOffsets[l] / 2
            for m in 0..<n {
                let src = gradY + modes.row(l: l, m: m) * width
                for o in 0..<e {
                    g[o * cols + 2 * m] = src[2 * o]
                    g[o * cols + 2 * m + 1] = src[2 * o + 1]
                }
            }
            T.gemm(transposeA: true, m: 2 * e, n: cols, k: e, a: a, lda: 2 * e, b: g, ldb: cols, beta: 0, c: gs, ldc: cols)
            T.gemm(transposeB: true, m: e, n: 2 * e, k: cols, a: g, lda: cols, b: stack + stackOffsets[l], ldb: cols,
                 beta: 1, c: gradParameters + weight + l * e * e * 2, ldc: 2 * e)
            for m in 0..<n {
                let dst = gradX + modes.row(l: l, m: m) * width
                for i in 0..<e {
                    let plain = gs + (2 * i) * cols + 2 * m, rotated = plain + cols
                    let re = plain[0] + rotated[1], im = plain[1] - rotated[0]
                    if accumulate {
                        dst[2 * i] += re; dst[2 * i + 1] += im
                    } else {
                        dst[2 * i] = re; dst[2 * i + 1] = im
                    }
                }
            }
        }
    }
}
