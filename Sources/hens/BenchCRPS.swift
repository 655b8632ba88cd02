import Scores
import ArgumentParser
import Evaluation
import Foundation
import HensCore

/// `hens bench crps`: the per-point sort + CRPS (standard and fair in one pass) and the sort
/// alone over N points × m members, point-major (N, m) like `crps_anchor.py`, with (via
/// `--anchor`) properscoring, scoringrules and `np.sort` timed by the anchor in the same run.
struct BenchCRPS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crps",
        abstract: "Time per-point sort + standard/fair CRPS over N points × m members against crps_anchor.py.",
        discussion: """
        Inputs are point-major (N, m) as in the anchor script crps_anchor.py: obs ~ N(0,1), fct ~ \
        N(0.1, 1.2²), drawn with hens' SeededGenerator (same distribution, not the same numbers), or \
        with --input DIR the raw little-endian float64 files obs_N.f64 / fct_N_m.f64 that \
        `crps_anchor.py --dump DIR` writes, whose mean CRPS checksums then equal the anchor's printed \
        reference means. Each timed call copies every point's row into worker scratch (as np.sort \
        copies), sorts it (FloatSort) and, for 'sort+crps', runs the O(m) pass for both estimators; \
        'sort' times the copy and sort alone. Points are split over --thread-counts workers. With \
        --anchor PYTHON the anchor runs afterwards with the same --n/--m (float64, --skip-slow) and the \
        JSON adds its properscoring / np.sort / scoringrules times and the ratios hens/properscoring \
        and hens/np.sort (the anchor is single-threaded and reports the best of its repeats; ratios \
        use hens' median, and *_best ratios hens' best). --sort-scan prints introsort, radix and bucket sort times \
        by m (how FloatSort's method and cutoff were chosen).
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of points N.") var points = 100_000
    @Option(help: "Comma-separated ensemble sizes m.") var members = "50,1000"
    @Option(help: "Comma-separated dtypes (float64, float32).") var dtypes = "float64,float32"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts to measure.") var threadCounts = "1,2"
    @Option(name: .customLong("repeat"), help: "Minimum timed runs per measurement (hens and the anchor's --repeats).") var minRuns = 3
    @Option(help: "Seconds of timing per measurement after the warm-up call.") var budget = 1.0
    @Option(help: "Read obs_N.f64 / fct_N_m.f64 from this directory (crps_anchor.py --dump).") var input: String?
    @Option(help: "Seed of the synthetic inputs.") var seed: UInt64 = 0
    @Option(help: "Python with scoringrules/properscoring (e.g. /tmp/metrics-venv/bin/python): also run the anchor.") var anchor: String?
    @Option(help: "The anchor script.") var anchorScript = "../shared/anchors/crps_anchor.py"
    @Flag(name: .customLong("sort-scan"), help: "Also time introsort, radix and bucket sort by m (method and cutoff choice).") var sortScan = false
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        global.apply()
        let wall = Stopwatch()
        let sizes = try parseIntegers(members, option: "--members")
        let threads = try parseIntegers(threadCounts, option: "--thread-counts")
        let types = dtypes.split(separator: ",").map(String.init)
        for t in types where t != "float64" && t != "float32" {
            throw HensError.invalid("--dtypes", "float64 and/or float32, got '\(t)'")
        }
        if anchor != nil, !FileManager.default.fileExists(atPath: anchorScript) {
            throw HensError.invalid("--anchor-script", "\(anchorScript) not found (run from the repository or pass its path)")
        }
        let loadStart = loadAverages()
        var rows: [[String: Any]] = []
        var measured: [CRPSMeasurement] = []
        for m in sizes {
            let data = try CRPSBenchInput(points: points, members: m, directory: input, seed: seed)
            for dtype in types {
                for t in threads {
                    Parallel.configure(threads: t)
                    for variant in [CRPSMeasurement.Variant.sortAndCRPS, .sortOnly] {
                        let r = dtype == "float32"
                            ? measure(data.float32, data: data, dtype: dtype, threads: t, variant: variant)
                            : measure(data.forecast, data: data, dtype: dtype, threads: t, variant: variant)
                        measured.append(r)
                        Self.note(r.line)
                    }
                }
            }
        }
        Parallel.configure(threads: global.threads)
        if sortScan { rows += scanCutoffs() }

        var anchorRun: CRPSAnchorRun?
        var anchorError: String?
        if let anchor {
            Self.note("running the anchor: \(anchor) \(anchorScript)")
            do {
                anchorRun = try CRPSAnchorRun.run(python: anchor, script: anchorScript, arguments: [
                    "--n", String(points), "--m", sizes.map(String.init).joined(separator: ","),
                    "--repeats", String(minRuns), "--dtype", "float64", "--skip-slow"])
            } catch {
                anchorError = "\(error)"
                Self.note("anchor failed: \(error); reporting hens' numbers alone")
            }
        }
        rows += measured.map { $0.row(anchor: anchorRun?.byMembers[$0.members], fromDump: input != nil) }
        var run: [String: Any] = ["kind": "run", "load_average_start": loadStart, "load_average_end": loadAverages(),
                                  "wall_s": wall.seconds, "budget_s": budget, "min_runs": minRuns, "points": points,
                                  "inputs": input.map { "dump \($0)" } ?? "synthetic seed \(seed)",
                                  "sort": "FloatSort bucket sort (insertion sort below \(FloatSort.bucketCutoff))"]
        if let anchorRun { run["anchor"] = anchorRun.info }
        if let anchorError { run["anchor_error"] = anchorError }
        rows.append(run)
        try emitBenchmarkJSON(benchmark: "crps", results: rows, to: json)
        if anchorError != nil { throw ExitCode.failure }
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
                        timeRepeatedWithLoad(budget: budget, minRuns: minRuns) {
                            CRPSBenchKernel.run(f, observation: y, members: m, standard: s, fair: fp,
                                                scoring: variant == .sortAndCRPS)
                        }
                    }
                }
            }
        }
        return CRPSMeasurement(dtype: dtype, members: m, points: n, threads: threads, variant: variant, timing: timing,
                               otherCPU: other, meanStandard: variant == .sortAndCRPS ? standard.reduce(0, +) / Double(n) : nil,
                               meanFair: variant == .sortAndCRPS ? fair.reduce(0, +) / Double(n) : nil)
    }

    /// Introsort vs radix sort seconds per element by m, Float32 and Float64, one thread.
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
            Self.note(text)
            rows.append(row)
        }
        return rows
    }

    private static func scan<T: BenchSortable>(_ source: [T], m: Int, method: BenchSortMethod) -> Double {
        var work = source
        var scratch = [T](repeating: 0, count: m)
        let timing = timeRepeated(budget: 0.3, minRuns: 3) {
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

    /// Writes one `[bench crps]` progress line to stderr.
    static func note(_ line: String) {
        FileHandle.standardError.write(Data("[bench crps] \(line)\n".utf8))
    }
}
