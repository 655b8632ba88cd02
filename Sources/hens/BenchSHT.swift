import ArgumentParser
import Foundation
import HensCore
import Spherical

/// One benchmark case, named as in `sht_anchor.py` (band limits there are inclusive).
struct SHTBenchCase {
    let name: String
    let kind: GridKind
    let nlat: Int
    let nlon: Int
    /// Inclusive band limit, as the anchor script names it; hens uses lmax = this + 1.
    let lmaxInclusive: Int

    /// The anchor's case table: `glN` Gauss–Legendre N × 2N at lmax N − 1, `ccN` equiangular with
    /// both poles N × 2(N − 1) at lmax N − 2, and `cc721_l359` (inclusive band limits).
    static func named(_ name: String) -> SHTBenchCase? {
        if name == "cc721_l359" { return SHTBenchCase(name: name, kind: .equiangular, nlat: 721, nlon: 1440, lmaxInclusive: 359) }
        if name.hasPrefix("gl"), let n = Int(name.dropFirst(2)) {
            return SHTBenchCase(name: name, kind: .legendreGauss, nlat: n, nlon: 2 * n, lmaxInclusive: n - 1)
        }
        if name.hasPrefix("cc"), let n = Int(name.dropFirst(2)) {
            return SHTBenchCase(name: name, kind: .equiangular, nlat: n, nlon: 2 * (n - 1), lmaxInclusive: n - 2)
        }
        return nil
    }
}

struct BenchSHT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sht",
        abstract: "Time forward and inverse scalar SHTs on the anchor cases (ms per field).",
        discussion: """
        Case names and band limits match the anchor script sht_anchor.py --cases …, so the two JSON
        outputs can be joined on (case, threads, batch). Note: on cc grids the exact quadrature band
        limit is (nlat+1)/2; cases whose lmax exceeds it (cc91…cc721 at nlat−2) report their larger
        round-trip error, as shtns and torch-harmonics do.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated case names (gl90, gl180, gl360, gl720, cc91…cc721, cc721_l359).")
    var cases = "gl360,cc721_l359,gl720"
    @Option(help: "Comma-separated batch sizes.") var batches = "1,16"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts to measure.") var threadCounts = "1,2"
    @Option(help: "Precisions: float32, float64.") var precisions = "float64,float32"
    @Option(help: "Legendre algorithm: automatic, table, recurrence.") var algorithm = "automatic"
    @Option(help: "FFT planning: estimate (what hens runs: reproducible plans) or measure (FFTW times candidate plans; benchmarks only).")
    var fftPlanning = "estimate"
    @Option(help: "Seconds of timing per measurement (after a warm-up).") var budget = 1.0
    @Option(help: "Minimum timed runs per measurement.") var minRuns = 5
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        global.apply()
        guard let algo = LegendreAlgorithm(rawValue: algorithm) else {
            throw HensError.invalid("--algorithm", "one of automatic, table, recurrence; got '\(algorithm)'")
        }
        let caseList = try cases.split(separator: ",").map { name -> SHTBenchCase in
            guard let c = SHTBenchCase.named(String(name)) else { throw HensError.invalid("--cases", "unknown case '\(name)'") }
            return c
        }
        let batchList = try parseIntegers(batches, option: "--batches")
        let threadList = try parseIntegers(threadCounts, option: "--thread-counts")
        var results: [[String: Any]] = []
        for c in caseList {
            let grid = try SphericalGrid(c.kind, nlat: c.nlat, nlon: c.nlon)
            for precision in precisions.split(separator: ",") {
                switch precision {
                case "float64": results += try measure(Double.self, c, grid, batchList, threadList, algo)
                case "float32": results += try measure(Float.self, c, grid, batchList, threadList, algo)
                default: throw HensError.invalid("--precisions", "float32 or float64, got '\(precision)'")
                }
            }
        }
        Parallel.configure(threads: global.threads)
        try emitBenchmarkJSON(benchmark: "sht", results: results, to: json)
    }

    private func measure<T: SHTScalar>(_: T.Type, _ c: SHTBenchCase, _ grid: SphericalGrid, _ batches: [Int],
                                       _ threads: [Int], _ algo: LegendreAlgorithm) throws -> [[String: Any]] {
        let planning: FFTPlanning
        switch fftPlanning {
        case "estimate": planning = .estimate
        case "measure": planning = .measure
        default: throw HensError.invalid("--fft-planning", "estimate or measure, got '\(fftPlanning)'")
        }
        let sht = try SphericalHarmonicTransform<T>(grid: grid, lmax: c.lmaxInclusive + 1, mmax: c.lmaxInclusive + 1, planning: planning)
        var out: [[String: Any]] = []
        for batch in batches {
            let coefficients = sht.randomCoefficients(batch: batch, seed: 42)
            var fields = [T](repeating: 0, count: sht.gridCount(batch: batch))
            var back = [T](repeating: 0, count: sht.coefficientCount(batch: batch))
            for t in threads {
                Parallel.configure(threads: t)
                let used = sht.resolvedAlgorithm(algo, batch: batch)
                let inv = timeRepeated(budget: budget, minRuns: minRuns) {
                    coefficients.withUnsafeBufferPointer { cb in
                        fields.withUnsafeMutableBufferPointer { sht.inverse(cb.baseAddress!, into: $0.baseAddress!, batch: batch, algorithm: algo) }
                    }
                }
                let fwd = timeRepeated(budget: budget, minRuns: minRuns) {
                    fields.withUnsafeBufferPointer { fb in
                        back.withUnsafeMutableBufferPointer { sht.forward(fb.baseAddress!, into: $0.baseAddress!, batch: batch, algorithm: algo) }
                    }
                }
                let roundTrip = try relativeL2(sht.inverse(back, batch: batch, algorithm: algo), fields)
                for (direction, timing) in [("forward", fwd), ("inverse", inv)] {
                    out.append([
                        "case": c.name, "grid": grid.kind.rawValue, "nlat": c.nlat, "nlon": c.nlon,
                        "lmax_inclusive": c.lmaxInclusive, "precision": T.precisionName, "direction": direction,
                        "threads": t, "batch": batch, "algorithm": used.rawValue, "fft_planning": fftPlanning,
                        "median_ms_per_field": timing.median * 1e3 / Double(batch),
                        "min_ms_per_field": timing.min * 1e3 / Double(batch),
                        "max_ms_per_field": timing.max * 1e3 / Double(batch),
                        "runs": timing.runs, "roundtrip_rel_l2": roundTrip,
                    ])
                }
                FileHandle.standardError.write(Data(String(format: "[bench sht] %@ %@ b%d t%d %@: fwd %.3f inv %.3f ms/field, rt %.1e\n",
                    c.name, T.precisionName, batch, t, used.rawValue, fwd.median * 1e3 / Double(batch), inv.median * 1e3 / Double(batch), roundTrip).utf8))
            }
        }
        return out
    }
}

func relativeL2<T: SHTScalar>(_ a: [T], _ b: [T]) throws -> Double {
    var num = 0.0, den = 0.0
    for (x, y) in zip(a, b) {
        let d = Double(x) - Double(y)
        num += d * d
        den += Double(y) * Double(y)
    }
    return (num / max(den, .leastNormalMagnitude)).squareRoot()
}

func parseIntegers(_ text: String, option: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let v = Int($0), v >= 1 else { throw HensError.invalid(option, "comma-separated positive integers, got '\(text)'") }
        return v
    }
}
