import Foundation
import HensCore
import NumericsBackend

/// How the Legendre stage of a transform is computed.
public enum LegendreAlgorithm: String, CaseIterable, Sendable {
    /// Pick per call: `table` for batches of several fields when the table is small enough,
    /// `recurrence` otherwise.
    case automatic
    /// Precomputed parity tables contracted with BLAS GEMMs over the batch
    /// (fast for many fields at modest band limits — the SFNO case).
    case table
    /// P̄ₗᵐ generated on the fly by a recurrence over ring pairs (fast for few fields and large
    /// band limits, where a table would be streamed from memory for every field).
    case recurrence
}

/// Forward and inverse real scalar spherical harmonic transforms on one grid
/// (torch-harmonics `RealSHT` / `InverseRealSHT` conventions).
///
/// - Grid layout: `[batch][nlat][nlon]`, rows north → south, longitudes from 0.
/// - Coefficient layout: `[batch][lmax][mmax]` complex numbers stored as interleaved
///   (re, im) pairs; only m ≤ l is populated, m > l is zero. `lmax`, `mmax` are exclusive.
/// - Forward: cₗₘ = ∫ f conj(Yₗₘ) dΩ by quadrature; inverse: f = Σₗ Σₘ≥₀ wₘ Re(cₗₘ Yₗₘ),
///   w₀ = 1, wₘ = 2 (the imaginary part of m = 0 is ignored).
///
/// Both directions exploit l ≥ m and the grid's equatorial symmetry. Transforms between
/// different grids (a resolution change) use the forward of one instance and the inverse of
/// another with the same `lmax`, `mmax`. An instance is safe to use from several threads.
public final class SphericalHarmonicTransform<T: SHTScalar>: @unchecked Sendable {  // unchecked: immutable tables after init; scratch comes from a locked pool
    public let grid: SphericalGrid
    /// Exclusive degree bound.
    public let lmax: Int
    /// Exclusive order bound (≤ lmax).
    public let mmax: Int
    public let normalization: Normalization
    /// Whether the Condon–Shortley phase (−1)ᵐ is included (torch-harmonics' default).
    public let csPhase: Bool

    let pairs: RingPairs
    let fft: RingFFT<T>
    let recurrences: [RecurrenceCoefficients]
    /// P̄ₘᵐ at every ring pair, `[m][pair]` (padded), and the first pair worth visiting per m:
    /// computed once, because pow/log per (m, pair) would cost as much as a small transform.
    private let seeds: [Double]
    private let firstPair: [Int]
    /// Per (l, m) factor applied to forward outputs (norm × phase); inverse uses its reciprocal.
    private let forwardScale: [Double]
    private let tableLock = NSLock()
    private var _tables: ParityTables<T>?
    let buffers = BufferPool<T>()

    /// Creates a transform.
    /// - Parameters:
    ///   - lmax: exclusive degree bound (default: the grid's `defaultBandLimit`).
    ///   - mmax: exclusive order bound (default and maximum: `lmax`; triangular truncation).
    /// - Throws: when the band limits do not fit the grid.
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
        pairs = RingPairs(grid: grid)
        fft = RingFFT(nlat: grid.nlat, nlon: grid.nlon, planning: planning)
        let recurrences = (0..<m).map { LegendreRecurrence(m: $0, lmax: l) }
        self.recurrences = recurrences.map(RecurrenceCoefficients.init)
        let pairs = self.pairs
        var seeds = [Double](repeating: 0, count: m * pairs.paddedCount)
        for mm in 0..<m {
            for p in 0..<pairs.evenCount {
                seeds[mm * pairs.paddedCount + p] = recurrences[mm].sectoral(sinTheta: pairs.sinTheta[p])
            }
        }
        self.seeds = seeds
        firstPair = (0..<m).map { pairs.firstRelevantPair(m: $0, lmax: l) }
        forwardScale = truncation.forwardScales(normalization: normalization, csPhase: csPhase)
    }

    /// Reals per batch of grids: batch · nlat · nlon.
    public func gridCount(batch: Int) -> Int { batch * grid.nlat * grid.nlon }
    /// Reals per batch of coefficient sets: batch · lmax · mmax · 2.
    public func coefficientCount(batch: Int) -> Int { batch * lmax * mmax * 2 }

    /// The parity tables, built on first use (size: ≈ lmax²·nlat/4 values).
    var tables: ParityTables<T> {
        tableLock.lock()
        defer { tableLock.unlock() }
        if let t = _tables { return t }
        let t = ParityTables<T>.scalar(pairs: pairs, lmax: lmax, mmax: mmax)
        _tables = t
        return t
    }

    /// Bytes the GEMM path's tables take (built or not).
    public var tableByteCount: Int {
        var n = 0
        for m in 0..<mmax { n += (lmax - m + 1) / 2 * pairs.evenCount + (lmax - m) / 2 * pairs.oddCount }
        return n * MemoryLayout<T>.stride
    }

    /// The algorithm `automatic` resolves to for a batch size: tables when several fields share
    /// each table entry and the table is at most 64 MiB, or when the band limit is small.
    public func resolvedAlgorithm(_ algorithm: LegendreAlgorithm, batch: Int) -> LegendreAlgorithm {
        guard algorithm == .automatic else { return algorithm }
        if lmax <= 48 { return .table }
        return batch >= 4 && tableByteCount <= 64 << 20 ? .table : .recurrence
    }

    // MARK: - Forward

    /// Forward transform of `batch` fields (`gridCount(batch:)` reals) into
    /// `coefficientCount(batch:)` reals.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward(_ fields: UnsafePointer<T>, into coefficients: UnsafeMutablePointer<T>,
                        batch: Int, algorithm: LegendreAlgorithm = .automatic) {
        let spectrum = buffers.take(fft.spectrumCount(batch: batch))
        defer { buffers.give(spectrum) }
        fft.forward(UnsafeMutablePointer(mutating: fields), spectrum.base, batch: batch)
        coefficients.initialize(repeating: 0, count: coefficientCount(batch: batch))
        switch resolvedAlgorithm(algorithm, batch: batch) {
        case .table, .automatic: forwardTable(spectrum.base, coefficients, batch: batch)
        case .recurrence: forwardRecurrence(spectrum.base, coefficients, batch: batch)
        }
    }

    /// Array convenience for `forward(_:into:batch:algorithm:)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward(_ fields: [T], batch: Int = 1, algorithm: LegendreAlgorithm = .automatic) -> [T] {
        transformed(fields, expected: gridCount(batch: batch), outputCount: coefficientCount(batch: batch), "forward") {
            forward($0, into: $1, batch: batch, algorithm: algorithm)
        }
    }

    private func forwardTable(_ spectrum: UnsafeMutablePointer<T>, _ coefficients: UnsafeMutablePointer<T>, batch: Int) {
        let tables = self.tables
        let width = 2 * batch
        Parallel.forEachWorker(tasks: mmax) { worker, workers in
            let folded = FoldedOrder<T>(pairs: pairs, width: width)
            let result = UnsafeMutablePointer<T>.allocate(capacity: ((lmax + 1) / 2) * width)
            defer { folded.deallocate(); result.deallocate() }
            var m = worker
            while m < mmax {
                folded.fold(spectrum, order: m, weighted: true)
                tables.blocks(m) { sym, anti in
                    for (table, rows, first, data, k) in [(sym, tables.symmetricRows(m), m, folded.even, pairs.evenCount),
                                                          (anti, tables.antisymmetricRows(m), m + 1, folded.odd, pairs.oddCount)]
                    where rows > 0 && k > 0 {
                        T.gemm(transposeA: false, m: rows, n: width, k: k, a: table, lda: k, b: data, ldb: width,
                               beta: 0, c: result, ldc: width)
                        scatter(result, rows: rows, m: m, firstDegree: first, batch: batch, into: coefficients)
                    }
                }
                m += workers
            }
        }
    }

    /// Writes GEMM rows (degrees firstDegree, firstDegree + 2, …) of order m into the
    /// coefficient layout, applying norm and phase.
    private func scatter(_ rows: UnsafePointer<T>, rows count: Int, m: Int, firstDegree: Int, batch: Int,
                         into coefficients: UnsafeMutablePointer<T>) {
        let width = 2 * batch
        for i in 0..<count {
            let l = firstDegree + 2 * i
            let s = T(forwardScale[l * mmax + m])
            let row = rows + i * width
            for b in 0..<batch {
                let dst = coefficients + ((b * lmax + l) * mmax + m) * 2
                dst[0] = s * row[2 * b]
                dst[1] = s * row[2 * b + 1]
            }
        }
    }

    private func forwardRecurrence(_ spectrum: UnsafeMutablePointer<T>, _ coefficients: UnsafeMutablePointer<T>, batch: Int) {
        let nP = pairs.paddedCount, nlat = grid.nlat
        Parallel.forEachWorker(tasks: mmax) { worker, workers in
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 4 * nP + 2 * lmax)
            let acc = UnsafeMutablePointer<Lanes>.allocate(capacity: 2 * lmax)
            defer { scratch.deallocate(); acc.deallocate() }
            let eRe = scratch, eIm = scratch + nP, oRe = scratch + 2 * nP, oIm = scratch + 3 * nP
            let out = scratch + 4 * nP
            (scratch).initialize(repeating: 0, count: 4 * nP)
            pairs.cosTheta.withUnsafeBufferPointer { x in seeds.withUnsafeBufferPointer { seedTable in
                var m = worker
                while m < mmax {
                    defer { m += workers }
                    let geometry = PairBlockGeometry(x: x.baseAddress!, seed: seedTable.baseAddress! + m * nP,
                                                        start: firstPair[m], count: nP)
                    let base = spectrum + m * nlat * 2 * batch
                    for b in 0..<batch {
                        for p in 0..<pairs.evenCount {
                            let w = pairs.forwardWeight[p]
                            let north = base + (p * batch + b) * 2
                            let nr = north[0].double, ni = north[1].double
                            if p < pairs.oddCount {
                                let south = base + ((nlat - 1 - p) * batch + b) * 2
                                let sr = south[0].double, si = south[1].double
                                eRe[p] = w * (nr + sr); eIm[p] = w * (ni + si)
                                oRe[p] = w * (nr - sr); oIm[p] = w * (ni - si)
                            } else {
                                eRe[p] = w * nr; eIm[p] = w * ni; oRe[p] = 0; oIm[p] = 0
                            }
                        }
                        legendreAnalysis(recurrences[m], geometry, eRe: eRe, eIm: eIm, oRe: oRe, oIm: oIm, accumulator: acc, out: out)
                        for i in 0..<(lmax - m) {
                            let l = m + i
                            let s = forwardScale[l * mmax + m]
                            let dst = coefficients + ((b * lmax + l) * mmax + m) * 2
                            dst[0] = T(s * out[2 * i])
                            dst[1] = T(s * out[2 * i + 1])
                        }
                    }
                }
            } }
        }
    }

    // MARK: - Inverse

    /// Inverse transform of `batch` coefficient sets into `gridCount(batch:)` reals.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func inverse(_ coefficients: UnsafePointer<T>, into fields: UnsafeMutablePointer<T>,
                        batch: Int, algorithm: LegendreAlgorithm = .automatic) {
        let spectrum = buffers.take(fft.spectrumCount(batch: batch))
        defer { buffers.give(spectrum) }
        let width = 2 * batch, nlat = grid.nlat
        switch resolvedAlgorithm(algorithm, batch: batch) {
        case .table, .automatic: inverseTable(coefficients, spectrum.base, batch: batch)
        case .recurrence: inverseRecurrence(coefficients, spectrum.base, batch: batch)
        }
        // Orders the band limit excludes contribute nothing.
        let used = min(mmax, fft.frequencies)
        (spectrum.base + used * nlat * width).initialize(repeating: 0, count: (fft.frequencies - used) * nlat * width)
        // A real field has no imaginary part at m = 0 or at the Nyquist order.
        zeroImaginary(order: 0, spectrum.base, batch: batch)
        if grid.nlon % 2 == 0 && grid.nlon / 2 < mmax { zeroImaginary(order: grid.nlon / 2, spectrum.base, batch: batch) }
        fft.inverse(spectrum.base, fields, batch: batch)
    }

    /// Array convenience for `inverse(_:into:batch:algorithm:)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func inverse(_ coefficients: [T], batch: Int = 1, algorithm: LegendreAlgorithm = .automatic) -> [T] {
        transformed(coefficients, expected: coefficientCount(batch: batch), outputCount: gridCount(batch: batch), "inverse") {
            inverse($0, into: $1, batch: batch, algorithm: algorithm)
        }
    }

    /// Random coefficients band-limited to this transform (for tests, checks and benchmarks):
    /// standard normal real and imaginary parts on m ≤ l, seeded; m = 0 and the Nyquist order
    /// m = nlon/2 are real, since a real grid cannot carry their imaginary parts.
    public func randomCoefficients(batch: Int = 1, seed: UInt64) -> [T] {
        var rng = SeededGenerator(seed: seed)
        var c = [T](repeating: 0, count: coefficientCount(batch: batch))
        for b in 0..<batch {
            for l in 0..<lmax {
                for m in 0..<min(l + 1, mmax) {
                    let i = ((b * lmax + l) * mmax + m) * 2
                    c[i] = T(rng.nextNormal())
                    let real = m == 0 || (grid.nlon % 2 == 0 && m == grid.nlon / 2)
                    c[i + 1] = real ? 0 : T(rng.nextNormal())
                }
            }
        }
        return c
    }

    private func zeroImaginary(order m: Int, _ spectrum: UnsafeMutablePointer<T>, batch: Int) {
        let base = spectrum + m * grid.nlat * 2 * batch
        for i in 0..<(grid.nlat * batch) { base[2 * i + 1] = 0 }
    }

    private func inverseTable(_ coefficients: UnsafePointer<T>, _ spectrum: UnsafeMutablePointer<T>, batch: Int) {
        let tables = self.tables
        let width = 2 * batch
        Parallel.forEachWorker(tasks: mmax) { worker, workers in
            let folded = FoldedOrder<T>(pairs: pairs, width: width)
            let rows = UnsafeMutablePointer<T>.allocate(capacity: ((lmax + 1) / 2) * width)
            defer { folded.deallocate(); rows.deallocate() }
            var m = worker
            while m < min(mmax, fft.frequencies) {
                tables.blocks(m) { sym, anti in
                    for (table, count, first, data, k) in [(sym, tables.symmetricRows(m), m, folded.even, pairs.evenCount),
                                                           (anti, tables.antisymmetricRows(m), m + 1, folded.odd, pairs.oddCount)]
                    where k > 0 {
                        if count == 0 { data.initialize(repeating: 0, count: k * width); continue }
                        gather(coefficients, rows: count, m: m, firstDegree: first, batch: batch, into: rows)
                        T.gemm(transposeA: true, m: k, n: width, k: count, a: table, lda: k, b: rows, ldb: width,
                               beta: 0, c: data, ldc: width)
                    }
                }
                folded.unfold(into: spectrum, order: m)
                m += workers
            }
        }
    }

    /// Reads degrees firstDegree, firstDegree + 2, … of order m into GEMM rows `[i][2·batch]`,
    /// undoing norm and phase.
    private func gather(_ coefficients: UnsafePointer<T>, rows count: Int, m: Int, firstDegree: Int, batch: Int,
                        into rows: UnsafeMutablePointer<T>) {
        let width = 2 * batch
        for i in 0..<count {
            let l = firstDegree + 2 * i
            let s = T(1 / forwardScale[l * mmax + m])
            let row = rows + i * width
            for b in 0..<batch {
                let src = coefficients + ((b * lmax + l) * mmax + m) * 2
                row[2 * b] = s * src[0]
                row[2 * b + 1] = s * src[1]
            }
        }
    }

    private func inverseRecurrence(_ coefficients: UnsafePointer<T>, _ spectrum: UnsafeMutablePointer<T>, batch: Int) {
        let nP = pairs.paddedCount, nlat = grid.nlat
        Parallel.forEachWorker(tasks: mmax) { worker, workers in
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 4 * nP + 2 * lmax)
            defer { scratch.deallocate() }
            let eRe = scratch, eIm = scratch + nP, oRe = scratch + 2 * nP, oIm = scratch + 3 * nP
            let c = scratch + 4 * nP
            pairs.cosTheta.withUnsafeBufferPointer { x in seeds.withUnsafeBufferPointer { seedTable in
                var m = worker
                while m < min(mmax, fft.frequencies) {
                    defer { m += workers }
                    let rec = recurrences[m]
                    let geometry = PairBlockGeometry(x: x.baseAddress!, seed: seedTable.baseAddress! + m * nP,
                                                        start: firstPair[m], count: nP)
                    let base = spectrum + m * nlat * 2 * batch
                    for b in 0..<batch {
                        for i in 0..<(lmax - m) {
                            let l = m + i
                            let s = rec.scale[i] / forwardScale[l * mmax + m]
                            let src = coefficients + ((b * lmax + l) * mmax + m) * 2
                            c[2 * i] = s * src[0].double
                            c[2 * i + 1] = s * src[1].double
                        }
                        legendreSynthesis(rec, geometry, coefficients: c, eRe: eRe, eIm: eIm, oRe: oRe, oIm: oIm)
                        for p in 0..<pairs.evenCount {
                            let north = base + (p * batch + b) * 2
                            if p < pairs.oddCount {
                                let south = base + ((nlat - 1 - p) * batch + b) * 2
                                north[0] = T(eRe[p] + oRe[p]); north[1] = T(eIm[p] + oIm[p])
                                south[0] = T(eRe[p] - oRe[p]); south[1] = T(eIm[p] - oIm[p])
                            } else {
                                north[0] = T(eRe[p]); north[1] = T(eIm[p])
                            }
                        }
                    }
                }
            } }
        }
    }
}
