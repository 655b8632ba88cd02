import DatasetIO
import Config
import ArgumentParser
import Benchmarks

/// `hens bench forecast`: ensemble throughput and peak memory by member count, against pure SFNO inference.
struct BenchForecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Time `hens forecast` at several member counts (member-steps/s, peak RSS) against pure SFNO inference.",
        discussion: ForecastBenchmark.method)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Forecast configuration (its checkpoints, dataset and skill file must exist: `make forecast`).") var config = "configs/forecast-swe-small.yaml"
    @Option(help: "Comma-separated member counts.") var members = "64,512,4096"
    @Option(help: "Model steps per member.") var steps = 5
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts.") var threadCounts = "1,2"
    @Option(help: "Timed runs of the small cases.") var runs = 3
    @Option(name: .customLong("repeat-below"), help: "Cases with at most this many members are repeated --runs times.") var repeatBelow = 512
    @Option(help: "Member count of the projection.") var project = 7424
    @Option(name: .customLong("project-steps"), help: "Steps of the projection.") var projectSteps = 20
    @Option(help: "Work folder (default: a temporary folder, deleted afterwards).") var work: String?
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        try global.apply()
        let benchmark = ForecastBenchmark(config: config, members: try integers(members, "--members"), steps: steps,
                                          threads: try integers(threadCounts, "--thread-counts"), runs: runs, repeatBelow: repeatBelow,
                                          project: project, projectSteps: projectSteps, work: work)
        try Bench.emit("forecast", benchmark.run(), json: json)
    }
}
