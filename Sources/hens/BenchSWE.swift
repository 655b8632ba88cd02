import ArgumentParser
import Benchmarks

/// `hens bench swe`: milliseconds per shallow-water solver step.
struct BenchSWE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swe", abstract: "Time shallow-water solver steps (ms per step) on the reference configurations.",
        discussion: SWEBenchmark.method)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated cases: paper, small, ref.") var cases = "paper,small,ref"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts.") var threadCounts = "1,2"
    @Option(help: "Seconds of timing per measurement.") var budget = 2.0
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        try global.apply()
        let benchmark = try SWEBenchmark(cases: names(cases), threads: integers(threadCounts, "--thread-counts"), budget: budget)
        try Bench.emit("swe", benchmark.run(), json: json)
    }
}
