/// On-the-fly Legendre sums for one order m, vectorised over ring pairs.
///
/// These are the inner loops of the recurrence path (used for few fields or large band
/// limits, where a precomputed table would be streamed from memory for every field).
/// They work on ring *pairs* (a northern ring and its mirror): data folded into the
/// even part E = N + S and odd part O = N − S, so that degrees with l − m even touch only E
/// and the others only O — half the work of a full-ring sum. Eight pairs (two SIMD4
/// vectors) are processed per block so that the FMA latency of the recurrence is hidden.

typealias Lanes = SIMD4<Double>

/// Inputs describing the ring pairs for one order, in blocks of 8 (zero-padded).
struct PairBlockGeometry {
    /// cos θ of the northern ring of each pair (padded count).
    let x: UnsafePointer<Double>
    /// P̄ₘᵐ of each pair (0 where negligible).
    let seed: UnsafePointer<Double>
    /// First pair index to process (a multiple of 8); earlier pairs have negligible P̄ₗᵐ.
    let start: Int
    /// Padded pair count (a multiple of 8).
    let count: Int
}

/// Analysis: out[2i], out[2i+1] = (Re, Im) of Σₚ P̄ₗᵐ(xₚ)·Dₚ for l = m + i, with D = E for
/// even i and D = O for odd i. `accumulator` needs 2·(lmax − m) lanes of scratch.
@inline(__always)
func legendreAnalysis(_ rec: LegendreRecurrence, _ g: PairBlockGeometry,
                      eRe: UnsafePointer<Double>, eIm: UnsafePointer<Double>,
                      oRe: UnsafePointer<Double>, oIm: UnsafePointer<Double>,
                      accumulator acc: UnsafeMutablePointer<Lanes>, out: UnsafeMutablePointer<Double>) {
    let n = rec.lmax - rec.m
    guard n > 0 else { return }
    acc.initialize(repeating: Lanes(), count: 2 * n)
    rec.alpha.withUnsafeBufferPointer { alpha in
        var p = g.start
        while p < g.count {
            defer { p += 8 }
            let q0a0 = Lanes(g.seed + p), q0b0 = Lanes(g.seed + p + 4)
            if q0a0 == Lanes() && q0b0 == Lanes() { continue } // whole block negligible
            let xa = Lanes(g.x + p), xb = Lanes(g.x + p + 4)
            let ea = Lanes(eRe + p), eb = Lanes(eRe + p + 4), fa = Lanes(eIm + p), fb = Lanes(eIm + p + 4)
            let oa = Lanes(oRe + p), ob = Lanes(oRe + p + 4), ra = Lanes(oIm + p), rb = Lanes(oIm + p + 4)
            var qa = q0a0, qb = q0b0                               // degree l (even i)
            acc[0] = acc[0].addingProduct(qa, ea).addingProduct(qb, eb)
            acc[1] = acc[1].addingProduct(qa, fa).addingProduct(qb, fb)
            guard n > 1 else { continue }
            let c1 = rec.firstStep
            var sa = (c1 * xa) * qa, sb = (c1 * xb) * qb           // degree l + 1 (odd i)
            acc[2] = acc[2].addingProduct(sa, oa).addingProduct(sb, ob)
            acc[3] = acc[3].addingProduct(sa, ra).addingProduct(sb, rb)
            var i = 2
            while i + 1 < n {
                let ta = alpha[i] * xa, tb = alpha[i] * xb
                qa = qa.addingProduct(ta, sa); qb = qb.addingProduct(tb, sb)
                acc[2 * i] = acc[2 * i].addingProduct(qa, ea).addingProduct(qb, eb)
                acc[2 * i + 1] = acc[2 * i + 1].addingProduct(qa, fa).addingProduct(qb, fb)
                let ua = alpha[i + 1] * xa, ub = alpha[i + 1] * xb
                sa = sa.addingProduct(ua, qa); sb = sb.addingProduct(ub, qb)
                acc[2 * i + 2] = acc[2 * i + 2].addingProduct(sa, oa).addingProduct(sb, ob)
                acc[2 * i + 3] = acc[2 * i + 3].addingProduct(sa, ra).addingProduct(sb, rb)
                i += 2
            }
            if i < n { // one even degree left
                let ta = alpha[i] * xa, tb = alpha[i] * xb
                qa = qa.addingProduct(ta, sa); qb = qb.addingProduct(tb, sb)
                acc[2 * i] = acc[2 * i].addingProduct(qa, ea).addingProduct(qb, eb)
                acc[2 * i + 1] = acc[2 * i + 1].addingProduct(qa, fa).addingProduct(qb, fb)
            }
        }
    }
    rec.scale.withUnsafeBufferPointer { scale in
        for i in 0..<n {
            out[2 * i] = scale[i] * acc[2 * i].sum()
            out[2 * i + 1] = scale[i] * acc[2 * i + 1].sum()
        }
    }
}

/// Synthesis: for every pair p, E = Σ_{i even} P̄ c and O = Σ_{i odd} P̄ c, where
/// `coefficients[2i], [2i+1]` = (Re, Im) of degree l = m + i, **already multiplied by sₗ**
/// (the recurrence's rescaling). Pairs before `g.start` get zeros.
@inline(__always)
func legendreSynthesis(_ rec: LegendreRecurrence, _ g: PairBlockGeometry, coefficients c: UnsafePointer<Double>,
                       eRe: UnsafeMutablePointer<Double>, eIm: UnsafeMutablePointer<Double>,
                       oRe: UnsafeMutablePointer<Double>, oIm: UnsafeMutablePointer<Double>) {
    let n = rec.lmax - rec.m
    for out in [eRe, eIm, oRe, oIm] { out.initialize(repeating: 0, count: g.count) }
    guard n > 0 else { return }
    rec.alpha.withUnsafeBufferPointer { alpha in
        var p = g.start
        while p < g.count {
            defer { p += 8 }
            var qa = Lanes(g.seed + p), qb = Lanes(g.seed + p + 4)
            if qa == Lanes() && qb == Lanes() { continue }
            let xa = Lanes(g.x + p), xb = Lanes(g.x + p + 4)
            var ea = qa * c[0], eb = qb * c[0], fa = qa * c[1], fb = qb * c[1]
            var oa = Lanes(), ob = Lanes(), ra = Lanes(), rb = Lanes()
            if n > 1 {
                let c1 = rec.firstStep
                var sa = (c1 * xa) * qa, sb = (c1 * xb) * qb
                oa = sa * c[2]; ob = sb * c[2]; ra = sa * c[3]; rb = sb * c[3]
                var i = 2
                while i + 1 < n {
                    let ta = alpha[i] * xa, tb = alpha[i] * xb
                    qa = qa.addingProduct(ta, sa); qb = qb.addingProduct(tb, sb)
                    let cr = c[2 * i], ci = c[2 * i + 1]
                    ea = ea.addingProduct(qa, cr); eb = eb.addingProduct(qb, cr)
                    fa = fa.addingProduct(qa, ci); fb = fb.addingProduct(qb, ci)
                    let ua = alpha[i + 1] * xa, ub = alpha[i + 1] * xb
                    sa = sa.addingProduct(ua, qa); sb = sb.addingProduct(ub, qb)
                    let dr = c[2 * i + 2], di = c[2 * i + 3]
                    oa = oa.addingProduct(sa, dr); ob = ob.addingProduct(sb, dr)
                    ra = ra.addingProduct(sa, di); rb = rb.addingProduct(sb, di)
                    i += 2
                }
                if i < n {
                    let ta = alpha[i] * xa, tb = alpha[i] * xb
                    qa = qa.addingProduct(ta, sa); qb = qb.addingProduct(tb, sb)
                    let cr = c[2 * i], ci = c[2 * i + 1]
                    ea = ea.addingProduct(qa, cr); eb = eb.addingProduct(qb, cr)
                    fa = fa.addingProduct(qa, ci); fb = fb.addingProduct(qb, ci)
                }
            }
            store(ea, eRe + p); store(eb, eRe + p + 4)
            store(fa, eIm + p); store(fb, eIm + p + 4)
            store(oa, oRe + p); store(ob, oRe + p + 4)
            store(ra, oIm + p); store(rb, oIm + p + 4)
        }
    }
}

extension SIMD4 where Scalar == Double {
    /// Loads four consecutive values.
    @inline(__always)
    init(_ pointer: UnsafePointer<Double>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }
}

@inline(__always)
private func store(_ v: Lanes, _ pointer: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: Lanes.self)
}
