import Scores
import ArgumentParser
import Benchmarks

/// `hens bench crps`: per-point sort + CRPS over N points × m members, with properscoring timed in the same run on request.
struct BenchCRPS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crps", abstract: "Time per-point sort + standard/fair CRPS over N points × m members against the CRPS anchor.",
        discussion: CRPSBenchmark.method)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of points N.") var points = 100_000
    @Option(help: "Comma-separated ensemble sizes m.") var members = "50,1000"
    @Option(help: "Comma-separated dtypes (float64, float32).") var dtypes = "float64,float32"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts to measure.") var threadCounts = "1,2"
    @Option(name: .customLong("repeat"), help: "Minimum timed runs per measurement (hens and the anchor's --repeats).") var minRuns = 3
    @Option(help: "Seconds of timing per measurement after the warm-up call.") var budget = 1.0
    @Option(help: "Read obs_N.f64 / fct_N_m.f64 from this directory (bench/anchors/crps_anchor.py --dump).") var input: String?
    @Option(help: "Seed of the synthetic inputs.") var seed: UInt64 = 0
    @Option(help: "Python with scoringrules/properscoring (e.g. bench/.venv/bin/python from `make anchors-venv`): also run the anchor.") var anchor: String?
    @Option(help: "The anchor runner (relative to the working directory).") var anchorScript = CRPSBenchmark.defaultAnchorScript
    @Flag(name: .customLong("sort-scan"), help: "Also time introsort, radix and bucket sort by m (method and cutoff choice).") var sortScan = false
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        try global.apply()
        let benchmark = try CRPSBenchmark(
            points: points, members: integers(members, "--members"), dtypes: names(dtypes), threads: integers(threadCounts, "--thread-counts"),
            minRuns: minRuns, budget: budget, input: input, seed: seed, anchorPython: anchor, anchorScript: anchorScript, sortScan: sortScan)
        try Bench.emit("crps", benchmark.run(), json: json)
    }
}
