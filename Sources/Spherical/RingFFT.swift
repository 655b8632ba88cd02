import Foundation
import HensCore
import NumericsBackend

/// Real FFTs along longitude for a batch of fields, between the grid layout
/// `[b][k][j]` (batch, row, column) and the "Fourier-major" layout `[m][k][b]` of complex
/// numbers (order, row, batch) that the Legendre stage reads one order at a time.
///
/// Rows go in fixed blocks of `blockRows` (the last may be shorter), split among the workers.
/// For a batch of several fields, each block is transformed into contiguous rows of a small
/// scratch array and then transposed into (or, inverse, gathered from) the Fourier-major layout:
/// FFTW's heuristic planner, which hens uses because its plans do not depend on timing, plans
/// contiguous transforms about as well as its timed planner, but not batched transforms that
/// scatter straight into the strided layout (7–10 % slower SHTs at batch 16). A single field
/// goes straight into the layout, where the heuristic plans are as fast and a transpose would
/// cost more than it saves. Plans are made once per (batch, block rows) and reused; the blocks do
/// not depend on the thread count, so neither do the results. Execution is thread-safe.
final class RingFFT<T: SHTScalar>: @unchecked Sendable {  // unchecked: the plan caches are guarded by a lock; plans execute thread-safely
    let nlat: Int
    let nlon: Int
    /// Number of complex Fourier coefficients per ring: nlon/2 + 1.
    let frequencies: Int
    let planning: FFTPlanning
    private var forwardPlans: [Key: RealFFTPlan<T>] = [:]
    private var inversePlans: [Key: RealFFTPlan<T>] = [:]
    private let cacheLock = NSLock()

    private struct Key: Hashable { let batch: Int; let rows: Int }

    init(nlat: Int, nlon: Int, planning: FFTPlanning) {
        self.nlat = nlat
        self.nlon = nlon
        self.frequencies = nlon / 2 + 1
        self.planning = planning
    }

    /// Real values per batch of fields on the grid.
    func gridCount(batch: Int) -> Int { batch * nlat * nlon }
    /// Reals (re, im interleaved) in the Fourier-major buffer.
    func spectrumCount(batch: Int) -> Int { 2 * frequencies * nlat * batch }

    /// Rows per block: a block's scratch (batch × 8 rows of complex numbers) stays in cache.
    static var blockRows: Int { 8 }

    /// Runs `body(first row, rows, plan, scratch)` for every block of rows, blocks split among the
    /// workers; `plan` is the block's plan (looked up once per call: at most two block sizes) and
    /// `scratch` holds `batch × rows` rows of `frequencies` complex numbers (none for one field).
    private func forEachBlock(forward: Bool, batch: Int,
                              _ body: (Int, Int, RealFFTPlan<T>, UnsafeMutablePointer<T>) -> Void) {
        let blocks = (nlat + Self.blockRows - 1) / Self.blockRows
        let fullPlan = plan(forward: forward, batch: batch, rows: min(Self.blockRows, nlat))
        let lastRows = nlat - (blocks - 1) * Self.blockRows
        let lastPlan = lastRows == Self.blockRows ? fullPlan : plan(forward: forward, batch: batch, rows: lastRows)
        Parallel.forEachChunk(blocks) { range in
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: batch > 1 ? 2 * batch * Self.blockRows * frequencies : 0)
            defer { scratch.deallocate() }
            for block in range {
                let first = block * Self.blockRows
                body(first, min(Self.blockRows, nlat - first), block == blocks - 1 ? lastPlan : fullPlan, scratch)
            }
        }
    }

    /// grid `[b][k][j]` → spectrum `[m][k][b]` (unnormalised e^{−imλ} sums).
    func forward(_ grid: UnsafeMutablePointer<T>, _ spectrum: UnsafeMutablePointer<T>, batch: Int) {
        let nlat = self.nlat, frequencies = self.frequencies
        forEachBlock(forward: true, batch: batch) { first, rows, plan, scratch in
            guard batch > 1 else { return plan.execute(grid + first * nlon, spectrum + 2 * first) }
            plan.execute(grid + first * nlon, scratch)
            // scratch [b][r][m] → spectrum [m][first + r][b]
            for m in 0..<frequencies {
                for r in 0..<rows {
                    let target = spectrum + 2 * ((m * nlat + first + r) * batch)
                    for b in 0..<batch {
                        let source = scratch + 2 * ((b * rows + r) * frequencies + m)
                        target[2 * b] = source[0]
                        target[2 * b + 1] = source[1]
                    }
                }
            }
        }
    }

    /// spectrum `[m][k][b]` → grid `[b][k][j]`: gⱼ = X₀ + 2 Re Σₘ Xₘ e^{imλⱼ} (no 1/n).
    /// Destroys the spectrum of a single field (FFTW's complex-to-real transforms overwrite their input).
    func inverse(_ spectrum: UnsafeMutablePointer<T>, _ grid: UnsafeMutablePointer<T>, batch: Int) {
        let nlat = self.nlat, frequencies = self.frequencies
        forEachBlock(forward: false, batch: batch) { first, rows, plan, scratch in
            guard batch > 1 else { return plan.execute(spectrum + 2 * first, grid + first * nlon) }
            // spectrum [m][first + r][b] → scratch [b][r][m]
            for m in 0..<frequencies {
                for r in 0..<rows {
                    let source = spectrum + 2 * ((m * nlat + first + r) * batch)
                    for b in 0..<batch {
                        let target = scratch + 2 * ((b * rows + r) * frequencies + m)
                        target[0] = source[2 * b]
                        target[1] = source[2 * b + 1]
                    }
                }
            }
            plan.execute(scratch, grid + first * nlon)
        }
    }

    private func plan(forward: Bool, batch: Int, rows: Int) -> RealFFTPlan<T> {
        let key = Key(batch: batch, rows: rows)
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let p = forward ? forwardPlans[key] : inversePlans[key] { return p }
        let p = makePlan(forward: forward, batch: batch, rows: rows)
        if forward { forwardPlans[key] = p } else { inversePlans[key] = p }
        return p
    }

    private func makePlan(forward: Bool, batch: Int, rows: Int) -> RealFFTPlan<T> {
        // Planning arrays at least as large as the layouts: `.measure` planning overwrites them.
        let real = UnsafeMutablePointer<T>.allocate(capacity: gridCount(batch: batch))
        let complex = UnsafeMutablePointer<T>.allocate(capacity: spectrumCount(batch: batch))
        defer { real.deallocate(); complex.deallocate() }
        do {
            if batch == 1 {
                // Straight between a block of grid rows and the Fourier-major layout, whose
                // orders are `nlat` complex numbers apart.
                return forward
                    ? try RealFFTPlan(.forward, length: nlon, outputStride: nlat, loops: [FFTLoop(count: rows, inputStride: nlon, outputStride: 1)],
                                      input: real, output: complex, planning: planning)
                    : try RealFFTPlan(.inverse, length: nlon, inputStride: nlat, loops: [FFTLoop(count: rows, inputStride: 1, outputStride: nlon)],
                                      input: complex, output: real, planning: planning)
            }
            // Block rows of every field: grid rows `nlon` apart, fields `nlat·nlon` apart; scratch
            // rows `frequencies` complex numbers apart, fields `rows` scratch rows apart.
            if forward {
                let loops = [FFTLoop(count: batch, inputStride: nlat * nlon, outputStride: rows * frequencies),
                             FFTLoop(count: rows, inputStride: nlon, outputStride: frequencies)]
                return try RealFFTPlan(.forward, length: nlon, loops: loops, input: real, output: complex, planning: planning)
            } else {
                let loops = [FFTLoop(count: batch, inputStride: rows * frequencies, outputStride: nlat * nlon),
                             FFTLoop(count: rows, inputStride: frequencies, outputStride: nlon)]
                return try RealFFTPlan(.inverse, length: nlon, loops: loops, input: complex, output: real, planning: planning)
            }
        } catch {
            // Plain strided real transforms always plan; failing here is a broken FFTW.
            fatalError("\(error)")
        }
    }
}
