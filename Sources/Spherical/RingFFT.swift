import Foundation
import HensCore
import NumericsBackend

/// Real FFTs along longitude for a batch of fields, between the grid layout
/// `[b][k][j]` (batch, row, column) and the "Fourier-major" layout `[m][k][b]` of complex
/// numbers (order, row, batch) that the Legendre stage reads one order at a time.
///
/// Rows are split into one chunk per worker; each chunk executes a cached plan on its
/// sub-arrays. Plans are made once per (batch, chunk rows) and reused; execution is thread-safe.
final class RingFFT<T: SHTScalar>: @unchecked Sendable {
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

    /// grid `[b][k][j]` → spectrum `[m][k][b]` (unnormalised e^{−imλ} sums).
    func forward(_ grid: UnsafeMutablePointer<T>, _ spectrum: UnsafeMutablePointer<T>, batch: Int) {
        Parallel.forEachChunk(nlat) { rows in
            let plan = self.plan(forward: true, batch: batch, rows: rows.count)
            plan.execute(grid + rows.lowerBound * self.nlon, spectrum + 2 * rows.lowerBound * batch)
        }
    }

    /// spectrum `[m][k][b]` → grid `[b][k][j]`: gⱼ = X₀ + 2 Re Σₘ Xₘ e^{imλⱼ} (no 1/n).
    /// Destroys the spectrum.
    func inverse(_ spectrum: UnsafeMutablePointer<T>, _ grid: UnsafeMutablePointer<T>, batch: Int) {
        Parallel.forEachChunk(nlat) { rows in
            let plan = self.plan(forward: false, batch: batch, rows: rows.count)
            plan.execute(spectrum + 2 * rows.lowerBound * batch, grid + rows.lowerBound * self.nlon)
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
        // Scratch arrays sized for the whole grid: `.measure` planning overwrites them.
        let real = UnsafeMutablePointer<T>.allocate(capacity: gridCount(batch: batch))
        let complex = UnsafeMutablePointer<T>.allocate(capacity: spectrumCount(batch: batch))
        defer { real.deallocate(); complex.deallocate() }
        let spectrumStride = nlat * batch // between orders m, in complex units
        do {
            if forward {
                let loops = [FFTLoop(count: batch, inputStride: nlat * nlon, outputStride: 1),
                             FFTLoop(count: rows, inputStride: nlon, outputStride: batch)]
                return try RealFFTPlan(.forward, length: nlon, inputStride: 1, outputStride: spectrumStride, loops: loops,
                                       input: real, output: complex, planning: planning)
            } else {
                let loops = [FFTLoop(count: batch, inputStride: 1, outputStride: nlat * nlon),
                             FFTLoop(count: rows, inputStride: batch, outputStride: nlon)]
                return try RealFFTPlan(.inverse, length: nlon, inputStride: spectrumStride, outputStride: 1, loops: loops,
                                       input: complex, output: real, planning: planning)
            }
        } catch {
            // Plain strided real transforms always plan; failing here is a broken FFTW.
            fatalError("\(error)")
        }
    }
}
