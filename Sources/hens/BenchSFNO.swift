import ArgumentParser
import Benchmarks

/// `hens bench sfno`: SFNO inference and a training step, with torch-harmonics' SFNO timed in the same run on request.
struct BenchSFNO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfno", abstract: "Time SFNO inference (member-steps/s) and a training step on the anchor configs.",
        discussion: SFNOBenchmark.method)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated config names (as in bench/anchors/sfno_anchor.py).") var configs = "s2-e64-l4,s2-e128-l8"
    @Option(help: "Comma-separated inference batch sizes.") var batches = "1,8,32"
    @Option(name: .customLong("train-batches"), help: "Comma-separated training-step batch sizes ('' skips training).") var trainBatches = "4"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts to measure.") var threadCounts = "1,2"
    @Option(help: "makani model YAML timed at --makani-batches ('' skips it).") var makaniModel = "configs/model-swe-small.yaml"
    @Option(help: "Comma-separated batch sizes for the makani model.") var makaniBatches = "8"
    @Option(help: "Seconds of timing per measurement after the warm-up call (hens and anchor).") var budget = 1.0
    @Option(help: "Minimum timed runs per measurement (hens and anchor).") var minRuns = 3
    @Option(help: "Size n of the square cblas_sgemm timed for the peak.") var gemmSize = 2048
    @Option(help: "Python with torch-harmonics (e.g. bench/.venv/bin/python from `make anchors-venv`): also run the anchor.") var anchor: String?
    @Option(help: "The anchor runner (relative to the working directory).") var anchorScript = SFNOBenchmark.defaultAnchorScript
    @Option(help: "Timed steps of the hens-721 config (HENS' architecture; run only when named in --configs).") var `repeat` = 2
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        try global.apply()
        let benchmark = try SFNOBenchmark(
            configs: names(configs), batches: integers(batches, "--batches"), trainBatches: integers(trainBatches, "--train-batches"),
            threads: integers(threadCounts, "--thread-counts"), makaniModel: makaniModel.isEmpty ? nil : makaniModel,
            makaniBatches: integers(makaniBatches, "--makani-batches"), budget: budget, minRuns: minRuns, gemmSize: gemmSize,
            anchorPython: anchor, anchorScript: anchorScript, repeats: `repeat`)
        try Bench.emit("sfno", benchmark.run(), json: json)
    }
}
