import Foundation
import HensCore
import NumericsBackend
import Spherical

/// The scalar SHT of one grid as the SFNO uses it — ortho normalisation, Condon–Shortley
/// phase, torch-harmonics conventions (the same transform as `SphericalHarmonicTransform`) —
/// laid out for many fields of one member at a time, with the adjoints the backward pass needs.
///
/// **Why not `SphericalHarmonicTransform` itself.** Inside the SFNO every call transforms E
/// fields of one member, at a modest band limit, thousands of times. Three things matter there
/// that the general transform does not provide: (1) FFTs into contiguous rows (the general
/// transform writes each frequency straight into an order-major spectrum, a large-stride
/// scatter that made the FFT stage 3–4× slower than FFTW's contiguous speed); (2) coefficients in
/// the triangular order-major layout of `TriangularModes`, which the per-order Legendre GEMMs
/// write and read in place; (3) caller-owned scratch, so a forecast step allocates nothing, and
/// work split into fixed pieces (fields, ring pairs, orders), so results do not depend on the
/// thread count. The Legendre tables and ring pairs are the general transform's own
/// (`ParityTables` with the Condon–Shortley phase, `RingPairs`); only the layout around them
/// is this regime's (many fields at a low band limit: contiguous per-field ring FFTs folded into
/// `[pair][order][field]` blocks, one GEMM per order over all fields), where the general
/// transform, built for single fields up to high degree, folds one order of a Fourier-major
/// batch at a time (`FoldedOrder`).
///
/// **Adjoints.** With A = inverse, F = forward, Qₖ = qₖ·2π/nlon the cell area of ring k and
/// wₘ the inverse real FFT's order weight (1 for m = 0 and the Nyquist order, 2 otherwise),
/// F = diag(1/wₘ)·Aᵀ·diag(Q) exactly (the ±1 phase factors square to one;
/// docs/formulas.md#transform-adjoints), hence
/// Aᵀ(g) = wₘ ⊙ F(g ⊘ Qₖ) and Fᵀ(c) = Qₖ ⊙ A(c ⊘ wₘ). Both are the forward or inverse pass with
/// the ring weights swapped for 1 (or 1 for Q) and an order factor on the GEMMs' α, so they
/// cost what the transforms cost. The imaginary parts A ignores (m = 0, Nyquist) get zero
/// gradient because F produces none. Every ring weight of the supported grids is positive
/// (the Clenshaw–Curtis and Lobatto pole weights are small but non-zero).
///
/// **Chunks.** A call on many fields runs in chunks of `chunkFields` fields through one chunk's
/// scratch, so a 620-channel transform on a 721 × 1440 grid needs ~0.5 GB of scratch rather than
/// ~3.9 GB; small models fit in one chunk.
///
/// Layouts: fields `[F][nlat][nlon]`; coefficients `TriangularModes` rows of F complex numbers.
final class GridTransform<T: SHTScalar>: @unchecked Sendable {  // unchecked: immutable after init (chunkFields is set by tests only); scratch is the caller's
    let grid: SphericalGrid
    let modes: TriangularModes
    /// Points of one field.
    let points: Int
    /// Complex frequencies of one ring's real FFT (nlon/2 + 1).
    let frequencies: Int
    /// The grid's mirror-ring pairs.
    private let pairs: RingPairs
    /// Mirror-ring pairs holding an even part ((nlat + 1)/2; the equator, if any, is the last).
    var evenPairs: Int { pairs.evenCount }
    /// Mirror-ring pairs holding an odd part (nlat/2).
    var oddPairs: Int { pairs.oddCount }
    /// Parity tables per order: symmetric rows (l = m, m + 2, …) × evenPairs and
    /// antisymmetric rows (l = m + 1, m + 3, …) × oddPairs of (−1)ᵐ·P̄ₗᵐ(cos θ_p).
    private let tables: ParityTables<T>
    /// Qₚ of each pair's rings.
    private let ringArea: [T]
    /// wₘ and 1/wₘ.
    private let orderWeight: [T]
    private let inverseOrderWeight: [T]
    /// Reals of one field's spectrum (`nlat` rows of `frequencies` complex numbers), padded to
    /// a multiple of 16 so every field's spectrum keeps the planning alignment.
    let spectrumStride: Int
    /// One real FFT of every ring of one field (`nlat` transforms), each direction: plans made
    /// on 64-byte aligned arrays, which may use FFTW's SIMD codelets (2× faster here than
    /// `FFTW_UNALIGNED` plans), and unaligned fall-backs for arrays FFTW considers differently
    /// aligned (e.g. fields of an odd number of points).
    private let forwardPlan: RealFFTPlan<T>
    private let inversePlan: RealFFTPlan<T>
    private let forwardPlanUnaligned: RealFFTPlan<T>
    private let inversePlanUnaligned: RealFFTPlan<T>

    /// Fields per pass (`chunkFields(nlat:nlon:mmax:)`; settable so tests can force many chunks
    /// on tiny grids — scratch for one chunk must then still be passed).
    var chunkFields: Int

    var lmax: Int { modes.lmax }
    var mmax: Int { modes.mmax }
    /// Fields folded together: 8 complex Float32 values are one 64-byte cache line.
    static var fieldBlock: Int { 8 }

    init(grid: SphericalGrid, modes: TriangularModes, planning: FFTPlanning) throws {
        guard modes.mmax <= grid.nlon / 2 + 1 else {
            throw HensError.invalid("mmax", "at most nlon/2 + 1 = \(grid.nlon / 2 + 1) for \(grid.label), got \(modes.mmax)")
        }
        guard grid.cellAreas.allSatisfy({ $0 > 0 }) else {
            throw HensError.invalid("grid", "\(grid.label) has a ring without quadrature weight")
        }
        self.grid = grid
        self.modes = modes
        points = grid.nlat * grid.nlon
        frequencies = grid.nlon / 2 + 1
        spectrumStride = Self.spectrumStride(nlat: grid.nlat, nlon: grid.nlon)
        chunkFields = Self.chunkFields(nlat: grid.nlat, nlon: grid.nlon, mmax: modes.mmax)
        let pairs = RingPairs(grid: grid)
        self.pairs = pairs
        ringArea = (0..<pairs.evenCount).map { T(pairs.forwardWeight[$0]) }
        let weights = (0..<modes.mmax).map { m -> Double in m == 0 || 2 * m == grid.nlon ? 1 : 2 }
        orderWeight = weights.map { T($0) }
        inverseOrderWeight = weights.map { T(1 / $0) }

        // Tables from the rescaled recurrence in Float64, (−1)ᵐ applied there, rounded once to T.
        tables = .scalar(pairs: pairs, lmax: modes.lmax, mmax: modes.mmax, condonShortleyPhase: true)

        // FFT plans for one field: nlat contiguous rings of nlon reals ↔ nlat rows of
        // `frequencies` complex numbers.
        let nlat = grid.nlat, nlon = grid.nlon, freqs = frequencies
        let stride = MemoryLayout<T>.stride
        let realRaw = UnsafeMutableRawPointer.allocate(byteCount: nlat * nlon * stride, alignment: 64)
        let complexRaw = UnsafeMutableRawPointer.allocate(byteCount: nlat * freqs * 2 * stride, alignment: 64)
        defer { realRaw.deallocate(); complexRaw.deallocate() }
        let real = realRaw.bindMemory(to: T.self, capacity: nlat * nlon)
        let complex = complexRaw.bindMemory(to: T.self, capacity: nlat * freqs * 2)
        func plans(_ alignment: FFTAlignment) throws -> (RealFFTPlan<T>, RealFFTPlan<T>) {
            (try RealFFTPlan(.forward, length: nlon, loops: [FFTLoop(count: nlat, inputStride: nlon, outputStride: freqs)],
                             input: real, output: complex, planning: planning, alignment: alignment),
             try RealFFTPlan(.inverse, length: nlon, loops: [FFTLoop(count: nlat, inputStride: freqs, outputStride: nlon)],
                             input: complex, output: real, planning: planning, alignment: alignment))
        }
        (forwardPlan, inversePlan) = try plans(.simd)
        (forwardPlanUnaligned, inversePlanUnaligned) = try plans(.any)
    }

    /// Real FFTs of the rings of field i into its spectrum.
    @inline(__always)
    private func ringFFT(_ field: UnsafePointer<T>, into spectrum: UnsafeMutablePointer<T>) {
        let input = UnsafeMutablePointer(mutating: field)
        (RealFFTPlan<T>.isSIMDAligned(input, spectrum) ? forwardPlan : forwardPlanUnaligned).execute(input, spectrum)
    }

    /// Inverse real FFTs of one field's spectrum (destroyed) into its rings.
    @inline(__always)
    private func ringInverseFFT(_ spectrum: UnsafeMutablePointer<T>, into field: UnsafeMutablePointer<T>) {
        (RealFFTPlan<T>.isSIMDAligned(spectrum, field) ? inversePlan : inversePlanUnaligned).execute(spectrum, field)
    }

    /// Padded reals per field spectrum.
    static func spectrumStride(nlat: Int, nlon: Int) -> Int { (nlat * (nlon / 2 + 1) * 2 + 15) / 16 * 16 }

    /// Reals of the coefficients of `fields` fields.
    func coefficientCount(fields: Int) -> Int { modes.count * 2 * fields }

    /// Reals of scratch a call on `fields` fields needs.
    func scratchCount(fields: Int) -> Int {
        Self.scratchCount(nlat: grid.nlat, nlon: grid.nlon, mmax: modes.mmax, fields: fields)
    }

    /// Reals of scratch for `fields` fields on an nlat × nlon grid: per field of one chunk
    /// (`chunkFields`), the spectrum (`[F][nlat][nlon/2 + 1]` complex) and the folded orders
    /// (`[pair][mmax][F]` complex, even then odd pairs: a pair's orders are close together, so
    /// folding a ring touches few pages).
    static func scratchCount(nlat: Int, nlon: Int, mmax: Int, fields: Int) -> Int {
        min(fields, chunkFields(nlat: nlat, nlon: nlon, mmax: mmax)) * fieldScratchCount(nlat: nlat, nlon: nlon, mmax: mmax)
    }

    /// Reals of scratch per field of a chunk.
    static func fieldScratchCount(nlat: Int, nlon: Int, mmax: Int) -> Int {
        spectrumStride(nlat: nlat, nlon: nlon) + mmax * nlat * 2
    }

    /// Scratch budget of one chunk in reals (512 MiB of Float32).
    static var chunkBudget: Int { 1 << 27 }

    /// Fields transformed in one pass: as many as `chunkBudget` holds, in multiples of
    /// `fieldBlock` (at least one block). Larger calls run chunk after chunk through the same
    /// scratch, so scratch is O(chunk × grid), not O(fields × grid). The chunks depend only on the
    /// grid, band limit and field count — never on the thread count — so results stay
    /// thread-independent; a call within one chunk (every model up to ~1° grids at E ≤ 256) runs
    /// exactly as an unchunked one.
    static func chunkFields(nlat: Int, nlon: Int, mmax: Int) -> Int {
        max(fieldBlock, chunkBudget / fieldScratchCount(nlat: nlat, nlon: nlon, mmax: mmax) / fieldBlock * fieldBlock)
    }


    /// Runs `body(first, count)` for consecutive chunks of `fields` fields.
    @inline(__always)
    private func forEachChunk(_ fields: Int, _ body: (_ first: Int, _ count: Int) -> Void) {
        let chunk = max(1, chunkFields)
        var first = 0
        while first < fields {
            body(first, min(chunk, fields - first))
            first += chunk
        }
    }

    // MARK: - Public operations

    /// Coefficients of `count` fields.
    func forward(_ fields: UnsafePointer<T>, into coefficients: UnsafeMutablePointer<T>, count: Int,
                 scratch: UnsafeMutablePointer<T>) {
        forEachChunk(count) { first, f in
            analysis(fields + first * points, into: coefficients + 2 * first, ld: count, count: f, ringWeighted: true,
                     orderWeights: nil, scratch: scratch)
        }
    }

    /// Fields of `count` coefficient sets.
    func inverse(_ coefficients: UnsafePointer<T>, into fields: UnsafeMutablePointer<T>, count: Int,
                 scratch: UnsafeMutablePointer<T>) {
        forEachChunk(count) { first, f in
            synthesis(coefficients + 2 * first, into: fields + first * points, ld: count, count: f, ringWeighted: false,
                      orderWeights: nil, scratch: scratch)
        }
    }

    /// Aᵀ(g) = wₘ ⊙ F(g ⊘ Q): gradients on the grid → gradients on the coefficients.
    func inverseAdjoint(_ gradFields: UnsafePointer<T>, into gradCoefficients: UnsafeMutablePointer<T>, count: Int,
                        scratch: UnsafeMutablePointer<T>) {
        orderWeight.withUnsafeBufferPointer { w in
            forEachChunk(count) { first, f in
                analysis(gradFields + first * points, into: gradCoefficients + 2 * first, ld: count, count: f, ringWeighted: false,
                         orderWeights: w.baseAddress!, scratch: scratch)
            }
        }
    }

    /// Fᵀ(c) = Q ⊙ A(c ⊘ wₘ): gradients on the coefficients → gradients on the grid.
    func forwardAdjoint(_ gradCoefficients: UnsafePointer<T>, into gradFields: UnsafeMutablePointer<T>, count: Int,
                        scratch: UnsafeMutablePointer<T>) {
        inverseOrderWeight.withUnsafeBufferPointer { w in
            forEachChunk(count) { first, f in
                synthesis(gradCoefficients + 2 * first, into: gradFields + first * points, ld: count, count: f, ringWeighted: true,
                          orderWeights: w.baseAddress!, scratch: scratch)
            }
        }
    }

    // MARK: - Stages

    /// FFT along rings, fold mirror rings (× Qₚ when `ringWeighted`), per-order GEMMs with the
    /// parity tables (× orderWeights[m]). `f` fields (one chunk) whose coefficients are columns
    /// of rows of `ld` complex numbers.
    private func analysis(_ fields: UnsafePointer<T>, into c: UnsafeMutablePointer<T>, ld: Int, count f: Int, ringWeighted: Bool,
                          orderWeights: UnsafePointer<T>?, scratch: UnsafeMutablePointer<T>) {
        let nlat = grid.nlat, ringReals = frequencies * 2, width = 2 * f, rowWidth = 2 * ld
        let spectrum = scratch, mmax = modes.mmax
        let even = scratch + f * spectrumStride, odd = even + evenPairs * mmax * width
        Parallel.forEachCyclic(f) { i in ringFFT(fields + i * points, into: spectrum + i * spectrumStride) }
        // Fold: fields in blocks of 8, so that each order's 8 results fill one cache line of
        // the folded layout (one field at a time would touch a new line per order).
        Parallel.forEachCyclic(evenPairs) { p in
            let w: T = ringWeighted ? ringArea[p] : 1
            let hasSouth = p < oddPairs
            var block = 0
            while block < f {
                let count = min(Self.fieldBlock, f - block)
                for m in 0..<mmax {
                    let e = even + (p * mmax + m) * width + 2 * block
                    let o = odd + (p * mmax + m) * width + 2 * block
                    for j in 0..<count {
                        let north = spectrum + (block + j) * spectrumStride + p * ringReals + 2 * m
                        if hasSouth {
                            let south = spectrum + (block + j) * spectrumStride + (nlat - 1 - p) * ringReals + 2 * m
                            let nr = north[0], ni = north[1], sr = south[0], si = south[1]
                            e[2 * j] = w * (nr + sr); e[2 * j + 1] = w * (ni + si)
                            o[2 * j] = w * (nr - sr); o[2 * j + 1] = w * (ni - si)
                        } else {
                            e[2 * j] = w * north[0]; e[2 * j + 1] = w * north[1]
                        }
                    }
                }
                block += count
            }
        }
        Parallel.forEachCyclic(modes.mmax) { m in
            let alpha: T = orderWeights?[m] ?? 1
            let rows = c + modes.orderOffsets[m] * rowWidth
            let (symRows, antiRows) = (tables.symmetricRows(m), tables.antisymmetricRows(m))
            tables.blocks(m) { s, a in
                T.gemm(m: symRows, n: width, k: evenPairs, alpha: alpha, a: s, lda: evenPairs,
                       b: even + m * width, ldb: mmax * width, beta: 0, c: rows, ldc: 2 * rowWidth)
                if oddPairs > 0 {
                    T.gemm(m: antiRows, n: width, k: oddPairs, alpha: alpha, a: a,
                           lda: oddPairs, b: odd + m * width, ldb: mmax * width, beta: 0, c: rows + rowWidth, ldc: 2 * rowWidth)
                } else {
                    for r in 0..<antiRows { (rows + (2 * r + 1) * rowWidth).update(repeating: 0, count: width) }
                }
            }
        }
    }

    /// Per-order GEMMs with the transposed tables (× orderWeights[m]), unfold into both mirror
    /// rings (× Qₚ when `ringWeighted`), inverse FFT along rings. `f` fields (one chunk) whose
    /// coefficients are columns of rows of `ld` complex numbers.
    private func synthesis(_ c: UnsafePointer<T>, into fields: UnsafeMutablePointer<T>, ld: Int, count f: Int, ringWeighted: Bool,
                           orderWeights: UnsafePointer<T>?, scratch: UnsafeMutablePointer<T>) {
        let nlat = grid.nlat, ringReals = frequencies * 2, width = 2 * f, rowWidth = 2 * ld
        let spectrum = scratch, mmax = modes.mmax
        let even = scratch + f * spectrumStride, odd = even + evenPairs * mmax * width
        Parallel.forEachCyclic(mmax) { m in
            let alpha: T = orderWeights?[m] ?? 1
            let rows = c + modes.orderOffsets[m] * rowWidth
            let (symRows, antiRows) = (tables.symmetricRows(m), tables.antisymmetricRows(m))
            let e = even + m * width, o = odd + m * width
            tables.blocks(m) { s, a in
                T.gemm(transposeA: true, m: evenPairs, n: width, k: symRows, alpha: alpha, a: s,
                       lda: evenPairs, b: rows, ldb: 2 * rowWidth, beta: 0, c: e, ldc: mmax * width)
                if antiRows > 0 {
                    T.gemm(transposeA: true, m: oddPairs, n: width, k: antiRows, alpha: alpha,
                           a: a, lda: oddPairs, b: rows + rowWidth, ldb: 2 * rowWidth, beta: 0, c: o, ldc: mmax * width)
                } else {
                    for p in 0..<oddPairs { (o + p * mmax * width).update(repeating: 0, count: width) }
                }
            }
        }
        let nyquist = grid.nlon % 2 == 0 && grid.nlon / 2 < modes.mmax ? grid.nlon / 2 : -1
        // Unfold, fields in blocks of 8 (see the fold in `analysis`).
        Parallel.forEachCyclic(evenPairs) { p in
            let w: T = ringWeighted ? ringArea[p] : 1
            let hasSouth = p < oddPairs
            var block = 0
            while block < f {
                let count = min(Self.fieldBlock, f - block)
                for m in 0..<mmax {
                    let e = even + (p * mmax + m) * width + 2 * block
                    let o = odd + (p * mmax + m) * width + 2 * block
                    for j in 0..<count {
                        let north = spectrum + (block + j) * spectrumStride + p * ringReals + 2 * m
                        if hasSouth {
                            let south = spectrum + (block + j) * spectrumStride + (nlat - 1 - p) * ringReals + 2 * m
                            let er = e[2 * j], ei = e[2 * j + 1], or = o[2 * j], oi = o[2 * j + 1]
                            north[0] = w * (er + or); north[1] = w * (ei + oi)
                            south[0] = w * (er - or); south[1] = w * (ei - oi)
                        } else {
                            north[0] = w * e[2 * j]; north[1] = w * e[2 * j + 1]
                        }
                    }
                }
                for i in block..<(block + count) {
                    finishRing(spectrum + i * spectrumStride + p * ringReals, ringReals: ringReals, nyquist: nyquist)
                    if hasSouth { finishRing(spectrum + i * spectrumStride + (nlat - 1 - p) * ringReals, ringReals: ringReals, nyquist: nyquist) }
                }
                block += count
            }
        }
        Parallel.forEachCyclic(f) { i in ringInverseFFT(spectrum + i * spectrumStride, into: fields + i * points) }
    }

    /// Orders beyond the band limit are zero; a real field has no imaginary part at m = 0 or at
    /// the Nyquist order (`nyquist` < 0: not present).
    @inline(__always)
    private func finishRing(_ ring: UnsafeMutablePointer<T>, ringReals: Int, nyquist: Int) {
        (ring + 2 * modes.mmax).update(repeating: 0, count: ringReals - 2 * modes.mmax)
        ring[1] = 0
        if nyquist >= 0 { ring[2 * nyquist + 1] = 0 }
    }
}
