import ArgumentParser
import Foundation
import HensCore
import SFNO
import Training

/// `hens bench sfno`: SFNO inference throughput and one training step on the anchor
/// configurations, with GFLOP/s against the FLOP model and the measured SGEMM peak, and
/// (with `--anchor`) torch-harmonics' SFNO timed by `sfno_anchor.py` in the same run.
struct BenchSFNO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfno",
        abstract: "Time SFNO inference (member-steps/s) and a training step on the anchor configs.",
        discussion: """
        Configs are named as in the anchor script sfno_anchor.py (th-example block, equiangular \
        data grid, 8 channels): s2-e64-l4, s2-e128-l4, s2-e128-l8, s1-e64-l4, t-s1-e64-l4. For each \
        thread count: inference at each --batches size (member-steps/s = batch / median seconds per \
        forward call) and one training step at each --train-batches size (forward with tape, \
        area-weighted squared-L2 loss and its gradient, backward, AdamW at lr 1e-4). GFLOP/s use \
        SFNOFLOPModel per member-step: 'dense' counts torch-harmonics' dense (lmax × mmax) spectral \
        layout (docs/formulas.md, parameter and FLOP counts), 'computed' the triangular + parity work hens does; a training \
        step counts 3× the forward FLOPs. The SGEMM peak is one n×n×n cblas_sgemm with OpenBLAS' \
        own threads. --makani-model adds the makani default model's member-steps/s. With \
        --anchor PYTHON the anchor script then runs with the same configs, threads, batches and \
        repetitions, and the JSON adds torch's numbers and the ratios (hens/torch member-steps/s; \
        hens/torch training-step time; B = 8 → 32 throughput change) with the issue's targets. \
        Every measurement records the CPU share of other processes (other_cpu_pct) as the anchor does.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated config names (as in sfno_anchor.py).") var configs = "s2-e64-l4,s2-e128-l8"
    @Option(help: "Comma-separated inference batch sizes.") var batches = "1,8,32"
    @Option(name: .customLong("train-batches"), help: "Comma-separated training-step batch sizes.") var trainBatches = "4"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts to measure.") var threadCounts = "1,2"
    @Option(help: "makani model YAML timed at --makani-batches ('' skips it).") var makaniModel = "configs/model-swe-small.yaml"
    @Option(help: "Comma-separated batch sizes for the makani model.") var makaniBatches = "8"
    @Option(help: "Seconds of timing per measurement after the warm-up call (hens and anchor).") var budget = 1.0
    @Option(help: "Minimum timed runs per measurement (hens and anchor).") var minRuns = 3
    @Option(help: "Size n of the square cblas_sgemm timed for the peak.") var gemmSize = 2048
    @Option(help: "Python with torch-harmonics (e.g. /tmp/anchors-venv/bin/python): also run the anchor.") var anchor: String?
    @Option(help: "The anchor script.") var anchorScript = "../shared/anchors/sfno_anchor.py"
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        global.apply()
        let wall = Stopwatch()
        let names = configs.split(separator: ",").map(String.init)
        let models = try names.map { name -> (String, SFNOConfig) in
            guard let c = SFNOBenchConfig.named(name) else {
                let known = SFNOBenchConfig.table.keys.sorted().joined(separator: ", ")
                throw HensError.invalid("--configs", "one of \(known); got '\(name)'")
            }
            return (name, c)
        }
        let plan = Plan(batches: try parseIntegers(batches, option: "--batches"),
                        trainBatches: trainBatches.isEmpty ? [] : try parseIntegers(trainBatches, option: "--train-batches"),
                        threads: try parseIntegers(threadCounts, option: "--thread-counts"),
                        budget: budget, minRuns: minRuns)
        if anchor != nil, !FileManager.default.fileExists(atPath: anchorScript) {
            throw HensError.invalid("--anchor-script", "\(anchorScript) not found (run from the repository or pass its path)")
        }
        let makani = try makaniModel.isEmpty ? nil : makaniConfig()
        let makaniPlan = Plan(batches: try parseIntegers(makaniBatches, option: "--makani-batches"), trainBatches: [],
                              threads: plan.threads, budget: budget, minRuns: minRuns)
        let loadStart = loadAverages()

        let (peaks, sgemmRows) = sgemmPeaks(threads: plan.threads)
        var measurements: [SFNOMeasurement] = []
        for (name, config) in models {
            measurements += try measure(name, config, plan: plan)
        }
        if let makani {
            measurements += try measure(makani.name, makani.config, plan: makaniPlan)
        }
        Parallel.configure(threads: global.threads)

        let (torch, anchorError) = runAnchor(configs: names)
        let report = SFNOBenchReport(measurements: measurements, peaks: peaks, torch: torch)
        var rows = sgemmRows + report.rows()
        var run: [String: Any] = ["kind": "run", "load_average_start": loadStart, "load_average_end": loadAverages(),
                                  "wall_s": wall.seconds, "budget_s": budget, "min_runs": minRuns]
        if let torch { run["anchor"] = torch.info }
        if let anchorError { run["anchor_error"] = anchorError }
        rows.append(run)
        FileHandle.standardError.write(Data(report.table().utf8))
        try emitBenchmarkJSON(benchmark: "sfno", results: rows, to: json)
        if anchorError != nil { throw ExitCode.failure }
    }

    /// The SGEMM peak (median GFLOP/s) at each thread count, and its JSON rows.
    private func sgemmPeaks(threads: [Int]) -> (peaks: [Int: Double], rows: [[String: Any]]) {
        var peaks: [Int: Double] = [:]
        var rows: [[String: Any]] = []
        let flop = 2 * pow(Double(gemmSize), 3)
        for t in threads {
            let (timing, other) = measureSGEMM(n: gemmSize, threads: t, budget: budget, minRuns: minRuns)
            peaks[t] = flop / timing.median / 1e9
            rows.append(["kind": "sgemm_peak", "threads": t, "n": gemmSize, "gflops_median": flop / timing.median / 1e9,
                         "gflops_best": flop / timing.min / 1e9, "gflops_worst": flop / timing.max / 1e9,
                         "runs": timing.runs, "other_cpu_pct": other ?? NSNull()])
            Self.note(String(format: "sgemm n=%d t%d: %.1f GFLOP/s median (best %.1f), other load %@", gemmSize, t,
                             peaks[t]!, flop / timing.min / 1e9, other.map { String(format: "%.0f %%", $0) } ?? "?"))
        }
        return (peaks, rows)
    }

    /// Runs the anchor with the same configs, threads, batches and repetitions (when
    /// `--anchor` is given); a failure is returned as text so hens' numbers are still reported.
    private func runAnchor(configs names: [String]) -> (run: SFNOAnchorRun?, error: String?) {
        guard let anchor else { return (nil, nil) }
        Self.note("running the anchor: \(anchor) \(anchorScript)")
        do {
            return (try SFNOAnchorRun.run(python: anchor, script: anchorScript, arguments: [
                "--configs", names.joined(separator: ","), "--threads", threadCounts, "--batches", batches,
                "--train-batches", trainBatches, "--budget", String(budget), "--min-runs", String(minRuns)]), nil)
        } catch {
            Self.note("anchor failed: \(error); reporting hens' numbers alone")
            return (nil, "\(error)")
        }
    }

    /// What to measure for one model.
    struct Plan {
        let batches: [Int]
        let trainBatches: [Int]
        let threads: [Int]
        let budget: Double
        let minRuns: Int
    }

    /// The makani model from `--makani-model`, named after its file.
    private func makaniConfig() throws -> (name: String, config: SFNOConfig) {
        let text: String
        do { text = try String(contentsOfFile: makaniModel, encoding: .utf8) } catch {
            throw HensError.invalid("--makani-model", "\(makaniModel) cannot be read (run from the repository, or '' to skip)")
        }
        let config = try SFNOConfig(yaml: text, source: makaniModel)
        return (((makaniModel as NSString).lastPathComponent as NSString).deletingPathExtension, config)
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
        for t in plan.threads {
            Parallel.configure(threads: t)
            let workspace = model.makeWorkspace()
            for b in plan.batches {
                let (timing, other) = timeRepeatedWithLoad(budget: plan.budget, minRuns: plan.minRuns) {
                    output.withUnsafeMutableBufferPointer { model.forward(input, output: $0.baseAddress!, batch: b, workspace: workspace) }
                }
                out.append(SFNOMeasurement(kind: .inference, config: name, variant: config.variant, threads: t, batch: b,
                                           timing: timing, otherCPU: other, flops: flops))
                Self.note(out.last!.line)
            }
            for b in plan.trainBatches {
                // A fresh model per thread count, as the anchor builds one per training measurement.
                let step = try TrainingStep(model: SFNOModel<Float>(config: config, seed: 1), batch: b)
                let (timing, other) = timeRepeatedWithLoad(budget: plan.budget, minRuns: plan.minRuns) {
                    step.run(input: input, target: target)
                }
                out.append(SFNOMeasurement(kind: .training, config: name, variant: config.variant, threads: t, batch: b,
                                           timing: timing, otherCPU: other, flops: flops))
                Self.note(out.last!.line)
            }
        }
        return out
    }

    /// Writes one `[bench sfno]` progress line to stderr.
    static func note(_ line: String) {
        FileHandle.standardError.write(Data("[bench sfno] \(line)\n".utf8))
    }

    /// `count` standard normal Float32 values from `seed`.
    static func normals(count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(generator.nextNormal()) }
    }
}

/// One training step as `hens train` takes it: forward with tape, area-weighted squared-L2
/// loss and its gradient, backward into zeroed gradients, AdamW (torch's Adam with no decay).
final class TrainingStep {
    let model: SFNOModel<Float>
    let batch: Int
    private let loss: SphereLoss
    private var optimizer: AdamW
    private var gradients: [Float]
    private var prediction: [Float]
    private var gradOutput: [Float]

    init(model: SFNOModel<Float>, batch: Int) throws {
        let c = model.config, grid = try c.dataGrid()
        self.model = model
        self.batch = batch
        loss = SphereLoss(kind: .absolute, quadrature: GridQuadrature(ringWeights: grid.weights, nlon: grid.nlon),
                          channelWeights: [Double](repeating: 1, count: c.outChannels))
        optimizer = try AdamW(settings: AdamWSettings(), tensors: model.parameterTensors, parameterCount: model.parameterCount)
        gradients = [Float](repeating: 0, count: model.parameterCount)
        prediction = [Float](repeating: 0, count: batch * c.outChannels * c.dataPoints)
        gradOutput = prediction
    }

    /// One step on the first `batch` samples of `input` and `target`.
    func run(input: [Float], target: [Float]) {
        gradients.withUnsafeMutableBufferPointer { g in
            g.update(repeating: 0)
            prediction.withUnsafeMutableBufferPointer { p in
                gradOutput.withUnsafeMutableBufferPointer { d in
                    let tape = model.forwardRecording(input, batch: batch, output: p.baseAddress!)
                    _ = loss.evaluate(prediction: p.baseAddress!, target: target, batch: batch, gradient: d.baseAddress!)
                    model.backward(tape, gradOutput: d.baseAddress!, gradInput: nil, gradParameters: g.baseAddress!)
                }
            }
            _ = model.withParameters { optimizer.step(parameters: $0, gradients: g, learningRate: 1e-4) }
        }
    }
}

