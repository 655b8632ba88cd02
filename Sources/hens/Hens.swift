import ArgumentParser
import HensCore
import NumericsBackend

struct Hens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hens",
        abstract: "Huge-ensemble weather emulation on the CPU.",
        version: ([HensVersion.string] + BackendProvenance.versionLines).joined(separator: "\n"),
        subcommands: [Generate.self, IngestCommand.self, Import.self, Inspect.self, Train.self, Skill.self, Calibrate.self, Forecast.self, Merge.self, ModelClimate.self, Evaluate.self, HeadlineCommand.self, Compare.self, ReportCommand.self, Check.self, Bench.self, Probe.self])
}
