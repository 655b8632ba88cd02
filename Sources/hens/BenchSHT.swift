import ArgumentParser
import Benchmarks

struct BenchSHT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sht", abstract: "Time forward and inverse scalar SHTs on the anchor cases (ms per field).",
        discussion: SHTBenchmark.method)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated case names (gl90, gl180, gl360, gl720, cc91…cc721, cc721_l359).") var cases = "gl360,cc721_l359,gl720"
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
        try global.apply()
        let benchmark = try SHTBenchmark(cases: SHTBenchCase.list(cases), batches: integers(batches, "--batches"),
                                         threads: integers(threadCounts, "--thread-counts"), precisions: names(precisions),
                                         algorithm: algorithm, fftPlanning: fftPlanning, budget: budget, minRuns: minRuns)
        try Bench.emit("sht", benchmark.run(), json: json)
    }
}
