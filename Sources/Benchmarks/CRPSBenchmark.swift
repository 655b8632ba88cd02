import Scores
import Foundation
import HensCore

/// `hens bench crps`: the per-point sort + CRPS (standard and fair in one pass) and the sort
/// alone over N points × m members, point-major (N, m), with (through an anchor) properscoring,
/// scoringrules and `np.sort` timed by `bench/anchors/crps_anchor.py` in the same run.
public struct CRPSBenchmark {
    /// What is timed and how, for `--help`.
    public static let method = """
        Inputs are point-major (N, m) as in the anchor runner bench/anchors/crps_anchor.py: obs ~ N(0,1), \
        fct ~ N(0.1, 1.2²), drawn with hens' SeededGenerator (same distribution, not the same numbers), \
        or with --input DIR the raw little-endian float64 files obs_N.f64 / fct_N_m.f64 that \
        `crps_anchor.py --dump DIR` writes, whose mean CRPS checksums then equal the anchor's \
        reference means. Each timed call copies every point's row into worker scratch (as np.sort \
        copies), sorts it (FloatSort) and, for 'sort+crps', runs the O(m) pass for both estimators; \
        'sort' times the copy and sort alone. Points are split over --thread-counts workers. With \
        --anchor PYTHON the anchor runs afterwards with the same --n/--m (float64, --skip-slow) and the \
        JSON adds its properscoring / np.sort / scoringrules times and the ratios hens/properscoring \
        and hens/np.sort (the anchor is single-threaded and reports the best of its repeats; ratios \
        use hens' median, and *_best ratios hens' best). --sort-scan prints introsort, radix and bucket \
        sort times by m (how FloatSort's method and cutoff were chosen).
        """

    /// The default anchor runner, relative to the repository root.
    public static let defaultAnchorScript = "bench/anchors/crps_anchor.py"

    /// Points N.
    public var points: Int
    /// Ensemble sizes m.
    public var members: [Int]
    /// `float64` and/or `float32`.
    public var dtypes: [String]
    /// Worker thread counts.
    public var threads: [Int]
    /// Minimum timed runs per measurement (and the anchor's repeats).
    public var minRuns: Int
    /// Seconds of timing per measurement after the warm-up call.
    public var budget: Double
    /// A folder of the runner's `--dump` files to read instead of synthetic inputs.
    public var input: String?
    /// Seed of the synthetic inputs.
    public var seed: UInt64
    /// The Python that runs the anchor, or nil for hens alone.
    public var anchorPython: String?
    /// The anchor runner.
    public var anchorScript: String
    /// Also time introsort, radix and bucket sort by m.
    public var sortScan: Bool

    /// Validates the dtypes and, when an anchor is asked for, that its runner exists.
    public init(points: Int, members: [Int], dtypes: [String], threads: [Int], minRuns: Int, budget: Double, input: String?,
                seed: UInt64, anchorPython: String?, anchorScript: String, sortScan: Bool) throws {
        for t in dtypes where t != "float64" && t != "float32" {
            throw HensError.invalid("--dtypes", "float64 and/or float32, got '\(t)'")
        }
        if anchorPython != nil { try AnchorScript.require(anchorScript) }
        (self.points, self.members, self.dtypes, self.threads, self.minRuns) = (points, members, dtypes, threads, minRuns)
        (self.budget, self.input, self.seed, self.anchorPython, self.anchorScript) = (budget, input, seed, anchorPython, anchorScript)
        self.sortScan = sortScan
    }

    /// Sort-scan rows (if asked for), one row per (m, dtype, threads, variant) with the anchor's
    /// numbers when it ran, and a closing "run" row.
    public func run() throws -> BenchmarkOutcome {
        let wall = Stopwatch()
        let loadStart = MachineLoad.averages()
        var rows: [[String: Any]] = []
        var measured: [CRPSMeasurement] = []
        for m in members {
            let data = try CRPSBenchInput(points: points, members: m, directory: input, seed: seed)
            for dtype in dtypes {
                for t in threads {
                    withParallelThreads(t) {
                        for variant in [CRPSMeasurement.Variant.sortAndCRPS, .sortOnly] {
                            let r = dtype == "float32"
                                ? measure(data.float32, data: data, dtype: dtype, threads: t, variant: variant)
                                : measure(data.forecast, data: data, dtype: dtype, threads: t, variant: variant)
                            measured.append(r)
                            note(r.line)
                        }
                    }
                }
            }
        }
        if sortScan { rows += scanCutoffs() }

        var anchorRun: CRPSAnchorRun?
        var anchorError: String?
        if let anchorPython {
            note("running the anchor: \(anchorPython) \(anchorScript)")
            do {
                anchorRun = try CRPSAnchorRun.run(python: anchorPython, script: anchorScript, arguments: [
                    "--n", String(points), "--m", members.map(String.init).joined(separator: ","),
                    "--repeats", String(minRuns), "--dtype", "float64", "--skip-slow"])
            } catch {
                anchorError = "\(error)"
                note("anchor failed: \(error); reporting hens' numbers alone")
            }
        }
        rows += measured.map { $0.row(anchor: anchorRun?.byMembers[$0.members], fromDump: input != nil) }
        var run: [String: Any] = ["kind": "run", "load_average_start": loadStart, "load_average_end": MachineLoad.averages(),
                                  "wall_s": wall.seconds, "budget_s": budget, "min_runs": minRuns, "points": points,
                                  "inputs": input.map { "dump \($0)" } ?? "synthetic seed \(seed)",
                                  "sort": "FloatSort bucket sort (insertion sort below \(FloatSort.bucketCutoff))"]
        if let anchorRun { run["anchor"] = anchorRun.info }
        if let anchorError { run["anchor_error"] = anchorError }
        rows.append(run)
        return BenchmarkOutcome(rows: rows, anchorError: anchorError)
    }

    /// Times one (dtype, threads, variant) and computes the checksums from one extra call.
    private func measure<T: BenchSortable>(_ forecast: [T], data: CRPSBenchInput, dtype: String, threads: Int,
                                           variant: CRPSMeasurement.Variant) -> CRPSMeasurement {
        let n = data.points, m = data.members
        var standard = [Double](repeating: 0, count: n), fair = standard
        let (timing, other) = forecast.withUnsafeBufferPointer { f in
            data.observation.withUnsafeBufferPointer { y in
                standard.withUnsafeMutableBufferPointer { s in
                    fair.withUnsafeMutableBufferPointer { fp in
                        Timing.measureWithLoad(budget: budget, minRuns: minRuns) {
                            CRPSBenchKernel.run(f, observation: y, members: m, standard: s, fair: fp, scoring: variant == .sortAndCRPS)
                        }
                    }
                }
            }
        }
        return CRPSMeasurement(dtype: dtype, members: m, points: n, threads: threads, variant: variant, timing: timing,
                               otherCPU: other, meanStandard: variant == .sortAndCRPS ? standard.reduce(0, +) / Double(n) : nil,
                               meanFair: variant == .sortAndCRPS ? fair.reduce(0, +) / Double(n) : nil)
    }

    /// Introsort, radix and bucket sort nanoseconds per element by m, Float32 and Float64, on
    /// the current thread setting.
    private func scanCutoffs() -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var g = SeededGenerator(seed: 1)
        for m in [8, 12, 16, 24, 32, 50, 64, 128, 256, 512, 1000] {
            let copies = max(1, 2_000_000 / m)
            let source = (0..<(m * copies)).map { _ in g.nextNormal() }
            let f32 = source.map { Float($0) }
            var row: [String: Any] = ["kind": "sort_scan", "m": m]
            var text = "sort scan m=\(m) ns/element:"
            for method in [BenchSortMethod.intro, .radix, .bucket] {
                let a = 1e9 * Self.scan(f32, m: m, method: method) / Double(m * copies)
                let b = 1e9 * Self.scan(source, m: m, method: method) / Double(m * copies)
                row["float32_\(method.rawValue)_ns_per_element"] = a
                row["float64_\(method.rawValue)_ns_per_element"] = b
                text += String(format: " %@ f32 %.2f f64 %.2f |", method.rawValue, a, b)
            }
            note(text)
            rows.append(row)
        }
        return rows
    }

    private static func scan<T: BenchSortable>(_ source: [T], m: Int, method: BenchSortMethod) -> Double {
        var work = source
        var scratch = [T](repeating: 0, count: m)
        let timing = Timing.measure(budget: 0.3, minRuns: 3) {
            work.withUnsafeMutableBufferPointer { w in
                _ = w.update(fromContentsOf: source)
                scratch.withUnsafeMutableBufferPointer { s in
                    for start in stride(from: 0, to: source.count, by: m) {
                        T.sortSlice(w.baseAddress! + start, count: m, scratch: s.baseAddress!, method: method)
                    }
                }
            }
        }
        return timing.median
    }

    private func note(_ line: String) { BenchmarkLog.note("crps", line) }
}
