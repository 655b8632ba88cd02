import ArgumentParser
import Benchmarks

/// `hens bench ingest`: `hens ingest` of a 0.25° ERA5-like file against `cdo remapcon`, in the same run.
struct BenchIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Time `hens ingest` of a 0.25° ERA5-like file to equiangular 121×240 (conservative) against `cdo remapcon`.",
        discussion: IngestBenchmark.method)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts.") var threadCounts = "1,2"
    @Option(help: "Seconds of timing per tool and thread count (after a warm-up run).") var budget = 10.0
    @Option(help: "Minimum timed runs per tool and thread count.") var minRuns = 3
    @Option(help: "Folder for the generated input and the outputs (default: a temporary folder).") var work: String?
    @Flag(help: "Keep the temporary folder (with the generated file).") var keep = false
    @Option(help: "The cdo executable.") var cdo = "cdo"
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        try global.apply()
        let benchmark = IngestBenchmark(threads: try integers(threadCounts, "--thread-counts"), budget: budget, minRuns: minRuns,
                                        work: work, keep: keep, cdo: cdo)
        try Bench.emit("ingest", benchmark.run(), json: json)
    }
}
