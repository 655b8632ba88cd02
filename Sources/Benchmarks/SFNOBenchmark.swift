import Foundation
import HensCore
import SFNO

/// `hens bench sfno`: SFNO inference throughput and one training step on the anchor
/// configurations, with GFLOP/s against the FLOP model and the measured SGEMM peak, and (with an
/// anchor) torch-harmonics' SFNO timed by `bench/anchors/sfno_anchor.py` in the same run.
public struct SFNOBenchmark {
    /// What is timed and how, for `--help`.
    public static let method = """
        Configs are named as in the anchor runner bench/anchors/sfno_anchor.py (th-example block, \
        equiangular data grid, 8 channels): s2-e64-l4, s2-e128-l4, s2-e128-l8, s1-e64-l4, t-s1-e64-l4. \
        For each thread count: inference at each --batches size (member-steps/s = batch / median \
        seconds per forward call) and one training step at each --train-batches size (forward with \
        tape, area-weighted squared-L2 loss and its gradient, backward, AdamW at lr 1e-4). GFLOP/s use \
        SFNOFLOPModel per member-step: 'dense' counts torch-harmonics' dense (lmax × mmax) spectral \
        layout (docs/formulas.md, parameter and FLOP counts), 'computed' the triangular + parity work \
        hens does; a training step counts 3× the forward FLOPs. The SGEMM peak is one n×n×n \
        cblas_sgemm with OpenBLAS' own threads. --makani-model adds the makani default model's \
        member-steps/s. With --anchor PYTHON the anchor runner then runs with the same configs, \
        threads, batches and repetitions, and the JSON adds torch's numbers and the ratios \
        (hens/torch member-steps/s; hens/torch training-step time; B = 8 → 32 throughput change) \
        with their targets. Every measurement records the CPU share of other processes \
        (other_cpu_pct) as the anchor does. The config hens-721 (run only when named) is HENS' own \
        architecture — makani, 721 × 1440, 110 inputs, 74 outputs, embedding 620, 8 blocks, scale \
        factor 2 — with random weights: --repeat forward calls of one member per thread count, no \
        warm-up, seconds per member-step and peak RSS against the memory model (about 16 GB: \
        docs/hens-size.md); --batches and --train-batches do not apply to it.
        """

    /// The default anchor runner, relative to the repository root.
    public static let defaultAnchorScript = "bench/anchors/sfno_anchor.py"

    /// What to measure for one model.
    struct Plan {
        let batches: [Int]
        let trainBatches: [Int]
    }

    /// Configuration names, keys of `SFNOBenchConfig.table`.
    public var configs: [String]
    /// Inference batch sizes.
    public var batches: [Int]
    /// Training-step batch sizes (may be empty).
    public var trainBatches: [Int]
    /// Thread counts of hens' loops (and torch's intra-op threads in the anchor).
    public var threads: [Int]
    /// A makani model YAML to time at `makaniBatches` as well, or nil.
    public var makaniModel: String?
    /// Inference batch sizes of the makani model.
    public var makaniBatches: [Int]
    /// Seconds of timing per measurement after the warm-up call (hens and anchor).
    public var budget: Double
    /// Minimum timed runs per measurement (hens and anchor).
    public var minRuns: Int
    /// Size n of the square SGEMM timed for the peak.
    public var gemmSize: Int
    /// The Python that runs the anchor, or nil for hens alone.
    public var anchorPython: String?
    /// The anchor runner.
    public var anchorScript: String
    /// Timed steps of the `hens-721` case.
    public var repeats: Int

    /// Validates the configuration names and, when an anchor is asked for, that its runner exists.
    public init(configs: [String], batches: [Int], trainBatches: [Int], threads: [Int], makaniModel: String?, makaniBatches: [Int],
                budget: Double, minRuns: Int, gemmSize: Int, anchorPython: String?, anchorScript: String, repeats: Int = 2) throws {
        for name in configs where SFNOBenchConfig.table[name] == nil && name != HENSSizeBenchmark.name {
            throw HensError.invalid("--configs", "one of \((SFNOBenchConfig.table.keys.sorted() + [HENSSizeBenchmark.name]).joined(separator: ", ")); got '\(name)'")
        }
        guard (1...100).contains(repeats) else { throw HensError.invalid("--repeat", "between 1 and 100 timed steps, got \(repeats)") }
        if configs.contains(HENSSizeBenchmark.name), anchorPython != nil {
            throw HensError.invalid("--anchor", "not with \(HENSSizeBenchmark.name) (the anchor runner has no such config); time it alone")
        }
        self.repeats = repeats
        if anchorPython != nil { try AnchorScript.require(anchorScript) }
        (self.configs, self.batches, self.trainBatches, self.threads) = (configs, batches, trainBatches, threads)
        (self.makaniModel, self.makaniBatches, self.budget, self.minRuns) = (makaniModel, makaniBatches, budget, minRuns)
        (self.gemmSize, self.anchorPython, self.anchorScript) = (gemmSize, anchorPython, anchorScript)
    }

    /// SGEMM peak rows, measurement rows (with torch's numbers and ratios when the anchor ran),
    /// scaling and target rows, and a closing "run" row; prints the summary table on stderr.
    public func run() throws -> BenchmarkOutcome {
        let wall = Stopwatch()
        let makani = try makaniModel.map(Self.makaniConfig)
        let loadStart = MachineLoad.averages()
        let (peaks, sgemmRows) = sgemmPeaks()
        var measurements: [SFNOMeasurement] = []
        var hensRows: [[String: Any]] = []
        for name in configs {
            if name == HENSSizeBenchmark.name {
                hensRows += try HENSSizeBenchmark.measure(threads: threads, repeats: repeats)
                continue
            }
            measurements += try measure(name, SFNOBenchConfig.named(name)!, plan: Plan(batches: batches, trainBatches: trainBatches))
        }
        if let makani {
            measurements += try measure(makani.name, makani.config, plan: Plan(batches: makaniBatches, trainBatches: []))
        }
        let (torch, anchorError) = runAnchor()
        let report = SFNOBenchReport(measurements: measurements, peaks: peaks, torch: torch)
        var run: [String: Any] = ["kind": "run", "load_average_start": loadStart, "load_average_end": MachineLoad.averages(),
                                  "wall_s": wall.seconds, "budget_s": budget, "min_runs": minRuns]
        if let torch { run["anchor"] = torch.info }
        if let anchorError { run["anchor_error"] = anchorError }
        FileHandle.standardError.write(Data(report.table().utf8))
        return BenchmarkOutcome(rows: sgemmRows + report.rows() + hensRows + [run], anchorError: anchorError)
    }

    /// The SGEMM peak (median GFLOP/s) at each thread count, and its JSON rows.
    private func sgemmPeaks() -> (peaks: [Int: Double], rows: [[String: Any]]) {
        var peaks: [Int: Double] = [:]
        var rows: [[String: Any]] = []
        let flop = 2 * pow(Double(gemmSize), 3)
        for t in threads {
            let (timing, other) = SGEMMPeak.measure(n: gemmSize, threads: t, budget: budget, minRuns: minRuns)
            peaks[t] = flop / timing.median / 1e9
            rows.append(["kind": "sgemm_peak", "threads": t, "n": gemmSize, "gflops_median": flop / timing.median / 1e9,
                         "gflops_best": flop / timing.min / 1e9, "gflops_worst": flop / timing.max / 1e9,
                         "runs": timing.runs, "other_cpu_pct": other ?? NSNull()])
            BenchmarkLog.note("sfno", String(format: "sgemm n=%d t%d: %.1f GFLOP/s median (best %.1f), other load %@", gemmSize, t,
                                             peaks[t]!, flop / timing.min / 1e9, other.map { String(format: "%.0f %%", $0) } ?? "?"))
        }
        return (peaks, rows)
    }

    /// Runs the anchor with the same configs, threads, batches and repetitions (when one is
    /// asked for); a failure is returned as text so hens' numbers are still reported.
    private func runAnchor() -> (run: SFNOAnchorRun?, error: String?) {
        guard let anchorPython else { return (nil, nil) }
        func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }
        BenchmarkLog.note("sfno", "running the anchor: \(anchorPython) \(anchorScript)")
        do {
            return (try SFNOAnchorRun.run(python: anchorPython, script: anchorScript, arguments: [
                "--configs", configs.joined(separator: ","), "--threads", list(threads), "--batches", list(batches),
                "--train-batches", list(trainBatches), "--budget", String(budget), "--min-runs", String(minRuns)]), nil)
        } catch {
            BenchmarkLog.note("sfno", "anchor failed: \(error); reporting hens' numbers alone")
            return (nil, "\(error)")
        }
    }

    /// The makani model of a YAML file, named after the file.
    static func makaniConfig(_ path: String) throws -> (name: String, config: SFNOConfig) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw HensError.invalid("--makani-model", "\(path) cannot be read (run from the repository, or '' to skip)")
        }
        let config = try SFNOConfig(yaml: text, source: path)
        return (((path as NSString).lastPathComponent as NSString).deletingPathExtension, config)
    }

    /// Inference at every (threads, batch), then a training step at every (threads, train batch).
    private func measure(_ name: String, _ config: SFNOConfig, plan: Plan) throws -> [SFNOMeasurement] {
        let counts = try SFNOFLOPModel(config: config)
        let flops = (dense: counts.flops(.dense).total, computed: counts.flops(.triangularParity).total)
        let model = try SFNOModel<Float>(config: config, seed: 1)
        let largest = max(plan.batches.max() ?? 1, plan.trainBatches.max() ?? 1)
        let input = Self.normals(count: largest * config.inChannels * config.dataPoints, seed: 2)
        let target = Self.normals(count: largest * config.outChannels * config.dataPoints, seed: 3)
        var output = [Float](repeating: 0, count: largest * config.outChannels * config.dataPoints)
        var out: [SFNOMeasurement] = []
        for t in threads {
            try withParallelThreads(t) {
                let workspace = model.makeWorkspace()
                for b in plan.batches {
                    let (timing, other) = Timing.measureWithLoad(budget: budget, minRuns: minRuns) {
                        output.withUnsafeMutableBufferPointer { model.forward(input, output: $0.baseAddress!, batch: b, workspace: workspace) }
                    }
                    out.append(SFNOMeasurement(kind: .inference, config: name, variant: config.variant, threads: t, batch: b,
                                               timing: timing, otherCPU: other, flops: flops))
                    BenchmarkLog.note("sfno", out.last!.line)
                }
                for b in plan.trainBatches {
                    // A fresh model per thread count, as the anchor builds one per training measurement.
                    let step = try SFNOTrainingStep(model: SFNOModel<Float>(config: config, seed: 1), batch: b)
                    let (timing, other) = Timing.measureWithLoad(budget: budget, minRuns: minRuns) {
                        step.run(input: input, target: target)
                    }
                    out.append(SFNOMeasurement(kind: .training, config: name, variant: config.variant, threads: t, batch: b,
                                               timing: timing, otherCPU: other, flops: flops))
                    BenchmarkLog.note("sfno", out.last!.line)
                }
            }
        }
        return out
    }

    /// `count` standard normal Float32 values from `seed`.
    static func normals(count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(generator.nextNormal()) }
    }
}
