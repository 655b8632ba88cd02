import Foundation
import HensCore
import NumericsBackend
import Spherical

/// One SHT benchmark case, named as the anchor runner `bench/anchors/sht_anchor.py` names it
/// (band limits there are inclusive), so the two JSON outputs join on (case, threads, batch).
public struct SHTBenchCase: Equatable {
    /// The case's name (`gl360`, `cc721_l359`, …).
    public let name: String
    /// Gauss–Legendre (`gl…`) or equiangular with both poles (`cc…`).
    public let kind: GridKind
    /// Grid rows.
    public let nlat: Int
    /// Grid columns.
    public let nlon: Int
    /// Inclusive band limit, as the anchor names it; hens' exclusive lmax is this + 1.
    public let lmaxInclusive: Int

    /// `glN`: Gauss–Legendre N × 2N at inclusive lmax N − 1; `ccN`: equiangular with both poles
    /// N × 2(N − 1) at N − 2; `cc721_l359`: 721 × 1440 at 359 (the HENS encoder's transform).
    /// nil for any other name.
    public static func named(_ name: String) -> SHTBenchCase? {
        if name == "cc721_l359" { return SHTBenchCase(name: name, kind: .equiangular, nlat: 721, nlon: 1440, lmaxInclusive: 359) }
        if name.hasPrefix("gl"), let n = Int(name.dropFirst(2)), n >= 2 {
            return SHTBenchCase(name: name, kind: .legendreGauss, nlat: n, nlon: 2 * n, lmaxInclusive: n - 1)
        }
        if name.hasPrefix("cc"), let n = Int(name.dropFirst(2)), n >= 3 {
            return SHTBenchCase(name: name, kind: .equiangular, nlat: n, nlon: 2 * (n - 1), lmaxInclusive: n - 2)
        }
        return nil
    }

    /// The cases of a comma-separated list; an unknown name is an error naming `option`.
    public static func list(_ text: String, option: String = "--cases") throws -> [SHTBenchCase] {
        try text.split(separator: ",").map {
            guard let c = named(String($0)) else { throw HensError.invalid(option, "unknown case '\($0)' (glN, ccN or cc721_l359)") }
            return c
        }
    }
}

/// `hens bench sht`: forward and inverse scalar transforms, milliseconds per field, with the
/// round-trip error of each configuration.
public struct SHTBenchmark {
    /// How the cases relate to the anchor's, for `--help`.
    public static let method = """
        Case names and band limits match the anchor runner bench/anchors/sht_anchor.py --cases …, so \
        the two JSON outputs can be joined on (case, threads, batch). Note: on cc grids the exact \
        quadrature band limit is (nlat+1)/2; cases whose lmax exceeds it (cc91…cc721 at nlat−2) \
        report their larger round-trip error, as shtns and torch-harmonics do.
        """

    /// The cases timed.
    public var cases: [SHTBenchCase]
    /// Fields per transform call.
    public var batches: [Int]
    /// Thread counts of hens' parallel loops.
    public var threads: [Int]
    /// `float64` and/or `float32`.
    public var precisions: [String]
    /// The Legendre algorithm asked for (`automatic` picks by size, and the row names the one used).
    public var algorithm: LegendreAlgorithm
    /// FFTW planning: `estimate` (what hens runs) or `measure` (timed plans; benchmarks only).
    public var fftPlanning: String
    /// Seconds of timing per measurement after the warm-up call.
    public var budget: Double
    /// Minimum timed runs per measurement.
    public var minRuns: Int

    /// Validates the names of the precision, algorithm and planning options.
    public init(cases: [SHTBenchCase], batches: [Int], threads: [Int], precisions: [String], algorithm: String,
                fftPlanning: String, budget: Double, minRuns: Int) throws {
        guard let algo = LegendreAlgorithm(rawValue: algorithm) else {
            throw HensError.invalid("--algorithm", "one of automatic, table, recurrence; got '\(algorithm)'")
        }
        for p in precisions where p != "float64" && p != "float32" {
            throw HensError.invalid("--precisions", "float32 or float64, got '\(p)'")
        }
        guard fftPlanning == "estimate" || fftPlanning == "measure" else {
            throw HensError.invalid("--fft-planning", "estimate or measure, got '\(fftPlanning)'")
        }
        (self.cases, self.batches, self.threads, self.precisions) = (cases, batches, threads, precisions)
        (self.algorithm, self.fftPlanning, self.budget, self.minRuns) = (algo, fftPlanning, budget, minRuns)
    }

    /// One row per (case, precision, batch, threads, direction).
    public func run() throws -> [[String: Any]] {
        var results: [[String: Any]] = []
        for c in cases {
            let grid = try SphericalGrid(c.kind, nlat: c.nlat, nlon: c.nlon)
            for precision in precisions {
                results += precision == "float64" ? try measure(Double.self, c, grid) : try measure(Float.self, c, grid)
            }
        }
        return results
    }

    private func measure<T: SHTScalar>(_: T.Type, _ c: SHTBenchCase, _ grid: SphericalGrid) throws -> [[String: Any]] {
        let planning: FFTPlanning = fftPlanning == "measure" ? .measure : .estimate
        let sht = try SphericalHarmonicTransform<T>(grid: grid, lmax: c.lmaxInclusive + 1, mmax: c.lmaxInclusive + 1, planning: planning)
        let algo = algorithm
        var out: [[String: Any]] = []
        for batch in batches {
            let coefficients = sht.randomCoefficients(batch: batch, seed: 42)
            var fields = [T](repeating: 0, count: sht.gridCount(batch: batch))
            var back = [T](repeating: 0, count: sht.coefficientCount(batch: batch))
            for t in threads {
                withParallelThreads(t) {
                    let used = sht.resolvedAlgorithm(algo, batch: batch)
                    let inv = Timing.measure(budget: budget, minRuns: minRuns) {
                        coefficients.withUnsafeBufferPointer { cb in
                            fields.withUnsafeMutableBufferPointer { sht.inverse(cb.baseAddress!, into: $0.baseAddress!, batch: batch, algorithm: algo) }
                        }
                    }
                    let fwd = Timing.measure(budget: budget, minRuns: minRuns) {
                        fields.withUnsafeBufferPointer { fb in
                            back.withUnsafeMutableBufferPointer { sht.forward(fb.baseAddress!, into: $0.baseAddress!, batch: batch, algorithm: algo) }
                        }
                    }
                    let roundTrip = relativeL2(sht.inverse(back, batch: batch, algorithm: algo), fields)
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
                    BenchmarkLog.note("sht", String(format: "%@ %@ b%d t%d %@: fwd %.3f inv %.3f ms/field, rt %.1e", c.name, T.precisionName,
                                                    batch, t, used.rawValue, fwd.median * 1e3 / Double(batch), inv.median * 1e3 / Double(batch), roundTrip))
                }
            }
        }
        return out
    }
}

/// ‖a − b‖₂ / ‖b‖₂ in Float64 (0 when both are zero).
public func relativeL2<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Double {
    var num = 0.0, den = 0.0
    for (x, y) in zip(a, b) {
        let d = Double(x) - Double(y)
        num += d * d
        den += Double(y) * Double(y)
    }
    return (num / max(den, .leastNormalMagnitude)).squareRoot()
}
