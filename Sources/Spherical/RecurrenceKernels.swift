/// On-the-fly Legendre sums for one order m, vectorised over ring pairs.
///
/// These are the inner loops of the recurrence path (used for few fields or large band
/// limits, where a precomputed table would be streamed from memory for every field).
/// They work on ring *pairs* (a northern ring and its mirror): data folded into the
/// even part E = N + S and odd part O = N − S, so that degrees with l − m even touch only E
/// and the others only O — half the work of a full-ring sum. Two SIMD vectors of pairs are
/// processed per block so that the FMA latency of the recurrence is hidden.
///
/// The arithmetic is Float64 for both transform precisions, as in ducc0: near the poles P̄ₘᵐ
/// starts far below Float32's range (sin^m θ) and grows by up to 1e36 towards the turning
/// point, so a Float32 recurrence would lose those rings (measured: 4e-2 round-trip error at
/// lmax 360) unless it carried per-lane exponents.

/// The recurrence's SIMD vector: four doubles, one AVX register.
typealias Lanes = SIMD4<Double>

/// A recurrence's coefficients in the working precision (see `LegendreRecurrence`).
struct RecurrenceCoefficients: Sendable {
    let m: Int
    let lmax: Int
    let alpha: [Double]
    let scale: [Double]
    let firstStep: Double

    init(_ r: LegendreRecurrence) {
        m = r.m
        lmax = r.lmax
        alpha = r.alpha
        scale = r.scale
        firstStep = r.firstStep
    }
}

/// Inputs describing the ring pairs for one order, in blocks of two vectors (zero-padded).
struct PairBlockGeometry {
    /// cos θ of the northern ring of each pair (padded count).
    let x: UnsafePointer<Double>
    /// P̄ₘᵐ of each pair (0 where negligible).
    let seed: UnsafePointer<Double>
    /// First pair index to process (a multiple of the block size); earlier pairs have
    /// negligible P̄ₗᵐ.
    let start: Int
    /// Padded pair count (a multiple of the block size).
    let count: Int

    /// Pairs per block: two SIMD vectors.
    static var blockSize: Int { 2 * Lanes.scalarCount }
}

/// Analysis: out[2i], out[2i+1] = (Re, Im) of Σₚ P̄ₗᵐ(xₚ)·Dₚ for l = m + i, with D = E for
/// even i and D = O for odd i. `accumulator` needs 2·(lmax − m) vectors of scratch.
@inline(__always)
func legendreAnalysis(_ rec: RecurrenceCoefficients, _ g: PairBlockGeometry,
                                    eRe: UnsafePointer<Double>, eIm: UnsafePointer<Double>,
                                    oRe: UnsafePointer<Double>, oIm: UnsafePointer<Double>,
                                    accumulator acc: UnsafeMutablePointer<Lanes>,
                                    out: UnsafeMutablePointer<Double>) {
    typealias V = Lanes
    let n = rec.lmax - rec.m
    guard n > 0 else { return }
    let w = V.scalarCount
    acc.initialize(repeating: V(), count: 2 * n)
    rec.alpha.withUnsafeBufferPointer { alpha in
        var p = g.start
        while p < g.count {
            defer { p += 2 * w }
            let q0a = load(V.self, g.seed + p), q0b = load(V.self, g.seed + p + w)
            if q0a == V() && q0b == V() { continue } // whole block negligible
            let xa = load(V.self, g.x + p), xb = load(V.self, g.x + p + w)
            let ea = load(V.self, eRe + p), eb = load(V.self, eRe + p + w)
            let fa = load(V.self, eIm + p), fb = load(V.self, eIm + p + w)
            let oa = load(V.self, oRe + p), ob = load(V.self, oRe + p + w)
            let ra = load(V.self, oIm + p), rb = load(V.self, oIm + p + w)
            var qa = q0a, qb = q0b                                 // degree l (even i)
            acc[0] = acc[0].addingProduct(qa, ea).addingProduct(qb, eb)
            acc[1] = acc[1].addingProduct(qa, fa).addingProduct(qb, fb)
            guard n > 1 else { continue }
            var sa = (rec.firstStep * xa) * qa, sb = (rec.firstStep * xb) * qb // degree l + 1 (odd i)
            acc[2] = acc[2].addingProduct(sa, oa).addingProduct(sb, ob)
            acc[3] = acc[3].addingProduct(sa, ra).addingProduct(sb, rb)
            var i = 2
            while i < n {
                qa = qa.addingProduct(alpha[i] * xa, sa); qb = qb.addingProduct(alpha[i] * xb, sb)
                acc[2 * i] = acc[2 * i].addingProduct(qa, ea).addingProduct(qb, eb)
                acc[2 * i + 1] = acc[2 * i + 1].addingProduct(qa, fa).addingProduct(qb, fb)
                if i + 1 == n { break }
                sa = sa.addingProduct(alpha[i + 1] * xa, qa); sb = sb.addingProduct(alpha[i + 1] * xb, qb)
                acc[2 * i + 2] = acc[2 * i + 2].addingProduct(sa, oa).addingProduct(sb, ob)
                acc[2 * i + 3] = acc[2 * i + 3].addingProduct(sa, ra).addingProduct(sb, rb)
                i += 2
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
func legendreSynthesis(_ rec: RecurrenceCoefficients, _ g: PairBlockGeometry,
                                     coefficients c: UnsafePointer<Double>,
                                     eRe: UnsafeMutablePointer<Double>, eIm: UnsafeMutablePointer<Double>,
                                     oRe: UnsafeMutablePointer<Double>, oIm: UnsafeMutablePointer<Double>) {
    typealias V = Lanes
    let n = rec.lmax - rec.m
    let w = V.scalarCount
    for out in [eRe, eIm, oRe, oIm] { out.initialize(repeating: 0, count: g.count) }
    guard n > 0 else { return }
    rec.alpha.withUnsafeBufferPointer { alpha in
        var p = g.start
        while p < g.count {
            defer { p += 2 * w }
            var qa = load(V.self, g.seed + p), qb = load(V.self, g.seed + p + w)
            if qa == V() && qb == V() { continue }
            let xa = load(V.self, g.x + p), xb = load(V.self, g.x + p + w)
            var ea = qa * c[0], eb = qb * c[0], fa = qa * c[1], fb = qb * c[1]
            var oa = V(), ob = V(), ra = V(), rb = V()
            if n > 1 {
                var sa = (rec.firstStep * xa) * qa, sb = (rec.firstStep * xb) * qb
                oa = sa * c[2]; ob = sb * c[2]; ra = sa * c[3]; rb = sb * c[3]
                var i = 2
                while i < n {
                    qa = qa.addingProduct(alpha[i] * xa, sa); qb = qb.addingProduct(alpha[i] * xb, sb)
                    let cr = c[2 * i], ci = c[2 * i + 1]
                    ea = ea.addingProduct(qa, cr); eb = eb.addingProduct(qb, cr)
                    fa = fa.addingProduct(qa, ci); fb = fb.addingProduct(qb, ci)
                    if i + 1 == n { break }
                    sa = sa.addingProduct(alpha[i + 1] * xa, qa); sb = sb.addingProduct(alpha[i + 1] * xb, qb)
                    let dr = c[2 * i + 2], di = c[2 * i + 3]
                    oa = oa.addingProduct(sa, dr); ob = ob.addingProduct(sb, dr)
                    ra = ra.addingProduct(sa, di); rb = rb.addingProduct(sb, di)
                    i += 2
                }
            }
            store(ea, eRe + p); store(eb, eRe + p + w)
            store(fa, eIm + p); store(fb, eIm + p + w)
            store(oa, oRe + p); store(ob, oRe + p + w)
            store(ra, oIm + p); store(rb, oIm + p + w)
        }
    }
}

@inline(__always)
private func load<V: SIMD>(_: V.Type, _ pointer: UnsafePointer<V.Scalar>) -> V {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
}

@inline(__always)
private func store<V: SIMD>(_ v: V, _ pointer: UnsafeMutablePointer<V.Scalar>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: V.self)
}
