import Foundation
import HensCore
import NumericsBackend

/// Forward and inverse vector spherical harmonic transforms (torch-harmonics
/// `RealVectorSHT` / `InverseRealVectorSHT`): a tangent vector field (v_θ, v_λ) ↔ its
/// spheroidal (s) and toroidal (t) coefficients,
///
///     v_θ = Σ s ∂θY + t (1/sin θ) ∂λY,    v_λ = Σ s (1/sin θ) ∂λY − t ∂θY,
///
/// with sₗₘ, tₗₘ the quadrature projections divided by l(l+1) (1 at l = 0).
///
/// - Grid layout: `[batch][2][nlat][nlon]`, component 0 = v_θ (southward), 1 = v_λ (eastward).
/// - Coefficient layout: `[batch][2][lmax][mmax]` interleaved complex, 0 = s, 1 = t.
///
/// Uses the parity-split table path (GEMMs over the batch): ∂θP̄ has the opposite equatorial
/// symmetry to P̄, m P̄ / sin θ the same. Norm and Condon–Shortley phase follow the scalar
/// transform built with the same arguments, so the vorticity/divergence helpers relate the
/// two exactly.
public final class VectorSphericalHarmonicTransform<T: SHTScalar>: @unchecked Sendable {  // unchecked: immutable tables after init; scratch comes from a locked pool
    public let grid: SphericalGrid
    public let lmax: Int
    public let mmax: Int
    public let normalization: Normalization
    public let csPhase: Bool

    let pairs: RingPairs
    let fft: RingFFT<T>
    /// ∂θP̄ₗᵐ (symmetric rows start at degree m + 1).
    let derivative: ParityTables<T>
    /// m P̄ₗᵐ / sin θ (symmetric rows start at degree m).
    let meridional: ParityTables<T>
    private let forwardScale: [Double]
    let buffers = BufferPool<T>()

    /// Creates a vector transform; arguments as for `SphericalHarmonicTransform`.
    public init(grid: SphericalGrid, lmax: Int? = nil, mmax: Int? = nil,
                normalization: Normalization = .ortho, csPhase: Bool = true,
                planning: FFTPlanning = .estimate) throws {
        let truncation = try Truncation(grid: grid, lmax: lmax, mmax: mmax)
        let l = truncation.lmax, m = truncation.mmax
        self.grid = grid
        self.lmax = l
        self.mmax = m
        self.normalization = normalization
        self.csPhase = csPhase
        let pairs = RingPairs(grid: grid)
        self.pairs = pairs
        fft = RingFFT(nlat: grid.nlat, nlon: grid.nlon, planning: planning)
        // P̄ for orders up to mmax and degrees up to lmax (one beyond each bound, for the
        // derivative identities).
        let recurrences = (0...m).map { LegendreRecurrence(m: $0, lmax: l + 1) }
        func p(_ values: [[Double]], _ order: Int, _ degree: Int) -> Double {
            order > degree || order > m ? 0 : values[order][degree - order]
        }
        func columns(_ pair: Int) -> [[Double]] {
            recurrences.map { $0.values(x: pairs.cosTheta[pair], sinTheta: pairs.sinTheta[pair]) }
        }
        var cache: (pair: Int, values: [[Double]]) = (-1, [])
        func valuesAt(_ pair: Int) -> [[Double]] {
            if cache.pair != pair { cache = (pair, columns(pair)) }
            return cache.values
        }
        derivative = ParityTables(pairs: pairs, lmax: l, mmax: m, symmetricOffset: 1) { order, pair in
            let v = valuesAt(pair)
            return (order..<l).map { degree in
                let dl = Double(degree), dm = Double(order)
                if order == 0 { return -(dl * (dl + 1)).squareRoot() * p(v, 1, degree) }
                return 0.5 * (((dl + dm) * (dl - dm + 1)).squareRoot() * p(v, order - 1, degree)
                              - ((dl - dm) * (dl + dm + 1)).squareRoot() * p(v, order + 1, degree))
            }
        }
        meridional = ParityTables(pairs: pairs, lmax: l, mmax: m, symmetricOffset: 0) { order, pair in
            let v = valuesAt(pair)
            return (order..<l).map { degree in
                if order == 0 { return 0 }
                let dl = Double(degree), dm = Double(order)
                return 0.5 * ((2 * dl + 1) / (2 * dl + 3)).squareRoot()
                    * (((dl - dm + 1) * (dl - dm + 2)).squareRoot() * p(v, order - 1, degree + 1)
                       + ((dl + dm + 1) * (dl + dm + 2)).squareRoot() * p(v, order + 1, degree + 1))
            }
        }
        forwardScale = truncation.forwardScales(normalization: normalization, csPhase: csPhase)
    }

    /// Reals per batch of vector fields: batch · 2 · nlat · nlon.
    public func gridCount(batch: Int) -> Int { batch * 2 * grid.nlat * grid.nlon }
    /// Reals per batch of (s, t) coefficient sets: batch · 2 · lmax · mmax · 2.
    public func coefficientCount(batch: Int) -> Int { batch * 2 * lmax * mmax * 2 }

    /// Offset of the real part of (field b, component c, l, m) in the coefficient layout.
    @inline(__always)
    private func index(_ b: Int, _ c: Int, _ l: Int, _ m: Int) -> Int { (((b * 2 + c) * lmax + l) * mmax + m) * 2 }

    // MARK: Forward

    /// (v_θ, v_λ) → (s, t) for `batch` vector fields.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward(_ vectors: UnsafePointer<T>, into coefficients: UnsafeMutablePointer<T>, batch: Int) {
        let fields = 2 * batch, width = 2 * fields
        let spectrum = buffers.take(fft.spectrumCount(batch: fields))
        defer { buffers.give(spectrum) }
        fft.forward(UnsafeMutablePointer(mutating: vectors), spectrum.base, batch: fields)
        coefficients.initialize(repeating: 0, count: coefficientCount(batch: batch))
        Parallel.forEachWorker(tasks: mmax) { worker, workers in
            let folded = FoldedOrder<T>(pairs: pairs, width: width)
            let a = UnsafeMutablePointer<T>.allocate(capacity: lmax * width) // ∂θP̄ projections, row per degree
            let b = UnsafeMutablePointer<T>.allocate(capacity: lmax * width) // m P̄/sinθ projections
            defer { folded.deallocate(); a.deallocate(); b.deallocate() }
            var m = worker
            while m < mmax {
                folded.fold(spectrum.base, order: m, weighted: true)
                project(derivative, m, folded, width, into: a)
                project(meridional, m, folded, width, into: b)
                for l in m..<lmax {
                    let nf = l == 0 ? 1 : 1 / Double(l * (l + 1))
                    let s = T(nf * forwardScale[l * mmax + m])
                    let ra = a + (l - m) * width, rb = b + (l - m) * width
                    for f in 0..<batch {
                        // Columns: field f's component 0 at 4f, 4f+1 (re, im), component 1 at 4f+2, 4f+3.
                        let a0r = ra[4 * f], a0i = ra[4 * f + 1], a1r = ra[4 * f + 2], a1i = ra[4 * f + 3]
                        let b0r = rb[4 * f], b0i = rb[4 * f + 1], b1r = rb[4 * f + 2], b1i = rb[4 * f + 3]
                        let sIdx = index(f, 0, l, m), tIdx = index(f, 1, l, m)
                        coefficients[sIdx] = s * (a0r + b1i)
                        coefficients[sIdx + 1] = s * (a0i - b1r)
                        coefficients[tIdx] = s * (b0i - a1r)
                        coefficients[tIdx + 1] = s * (-b0r - a1i)
                    }
                }
                m += workers
            }
        }
    }

    /// Contracts a table with the folded data: row (l − m) of `out` = Σₚ table · data.
    private func project(_ table: ParityTables<T>, _ m: Int, _ folded: FoldedOrder<T>, _ width: Int,
                         into out: UnsafeMutablePointer<T>) {
        let scratch = UnsafeMutablePointer<T>.allocate(capacity: ((lmax + 1) / 2) * width)
        defer { scratch.deallocate() }
        table.blocks(m) { sym, anti in
            for (block, rows, first, data, k) in [(sym, table.symmetricRows(m), table.firstSymmetricDegree(m), folded.even, pairs.evenCount),
                                                  (anti, table.antisymmetricRows(m), table.firstAntisymmetricDegree(m), folded.odd, pairs.oddCount)]
            where rows > 0 {
                if k > 0 {
                    T.gemm(transposeA: false, m: rows, n: width, k: k, a: block, lda: k, b: data, ldb: width, beta: 0, c: scratch, ldc: width)
                } else {
                    scratch.initialize(repeating: 0, count: rows * width)
                }
                for i in 0..<rows {
                    (out + (first + 2 * i - m) * width).update(from: scratch + i * width, count: width)
                }
            }
        }
    }

    // MARK: Inverse

    /// (s, t) → (v_θ, v_λ) for `batch` coefficient sets.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func inverse(_ coefficients: UnsafePointer<T>, into vectors: UnsafeMutablePointer<T>, batch: Int) {
        let fields = 2 * batch, width = 2 * fields
        let spectrum = buffers.take(fft.spectrumCount(batch: fields))
        defer { buffers.give(spectrum) }
        let nlat = grid.nlat
        let orders = min(mmax, fft.frequencies)
        Parallel.forEachWorker(tasks: orders) { worker, workers in
            let folded = FoldedOrder<T>(pairs: pairs, width: width)
            // Right-hand sides for the ∂θP̄ and m P̄/sinθ contractions, row per degree.
            let x0 = UnsafeMutablePointer<T>.allocate(capacity: lmax * width)
            let x1 = UnsafeMutablePointer<T>.allocate(capacity: lmax * width)
            let rows = UnsafeMutablePointer<T>.allocate(capacity: ((lmax + 1) / 2) * width)
            defer { folded.deallocate(); x0.deallocate(); x1.deallocate(); rows.deallocate() }
            var m = worker
            while m < orders {
                for l in m..<lmax {
                    let u = T(1 / forwardScale[l * mmax + m])
                    let r0 = x0 + (l - m) * width, r1 = x1 + (l - m) * width
                    for f in 0..<batch {
                        let sIdx = index(f, 0, l, m), tIdx = index(f, 1, l, m)
                        let sr = u * coefficients[sIdx], si = u * coefficients[sIdx + 1]
                        let tr = u * coefficients[tIdx], ti = u * coefficients[tIdx + 1]
                        // G_θ = Σ s ∂θP̄ + i t mP̄/sinθ;  G_λ = Σ i s mP̄/sinθ − t ∂θP̄.
                        r0[4 * f] = sr; r0[4 * f + 1] = si; r0[4 * f + 2] = -tr; r0[4 * f + 3] = -ti
                        r1[4 * f] = -ti; r1[4 * f + 1] = tr; r1[4 * f + 2] = -si; r1[4 * f + 3] = sr
                    }
                }
                folded.even.initialize(repeating: 0, count: pairs.evenCount * width)
                folded.odd.initialize(repeating: 0, count: pairs.oddCount * width)
                for (table, rhs) in [(derivative, x0), (meridional, x1)] {
                    table.blocks(m) { sym, anti in
                        for (block, count, first, data, k) in [(sym, table.symmetricRows(m), table.firstSymmetricDegree(m), folded.even, pairs.evenCount),
                                                               (anti, table.antisymmetricRows(m), table.firstAntisymmetricDegree(m), folded.odd, pairs.oddCount)]
                        where count > 0 && k > 0 {
                            for i in 0..<count {
                                (rows + i * width).update(from: rhs + (first + 2 * i - m) * width, count: width)
                            }
                            T.gemm(transposeA: true, m: k, n: width, k: count, a: block, lda: k, b: rows, ldb: width,
                                   beta: 1, c: data, ldc: width)
                        }
                    }
                }
                folded.unfold(into: spectrum.base, order: m)
                m += workers
            }
        }
        (spectrum.base + orders * nlat * width).initialize(repeating: 0, count: (fft.frequencies - orders) * nlat * width)
        for m in [0] + (grid.nlon % 2 == 0 && grid.nlon / 2 < orders ? [grid.nlon / 2] : []) {
            let base = spectrum.base + m * nlat * width
            for i in 0..<(nlat * fields) { base[2 * i + 1] = 0 }
        }
        fft.inverse(spectrum.base, vectors, batch: fields)
    }

    /// Array convenience for `forward(_:into:batch:)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward(_ vectors: [T], batch: Int = 1) -> [T] {
        transformed(vectors, expected: gridCount(batch: batch), outputCount: coefficientCount(batch: batch), "forward") {
            forward($0, into: $1, batch: batch)
        }
    }

    /// Array convenience for `inverse(_:into:batch:)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func inverse(_ coefficients: [T], batch: Int = 1) -> [T] {
        transformed(coefficients, expected: coefficientCount(batch: batch), outputCount: gridCount(batch: batch), "inverse") {
            inverse($0, into: $1, batch: batch)
        }
    }
}
