import DatasetIO
import Config
import ArgumentParser
import Ensemble
import Foundation
import HensCore

/// `hens mclimate`: the model climate EFI and SOT are computed against.
struct ModelClimate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mclimate",
        abstract: "Run reforecasts from the climate split and write their percentiles 0…100 per point and lead (for EFI/SOT).",
        discussion: """
        The configuration has the keys of a forecast configuration (checkpoints, dataset, init, \
        init_count, members, control, pairing, perturbation, steps, output_every, channels, …); \
        init must name a split other than test (default configs use `climate`). HENS' M-climate \
        was the control plus ± pairs from several checkpoints (12 members) started twice a week \
        for 24 years; for data with dates, --date MM-DD pools only initial times within \
        ± --window-days of that calendar day. Reforecasts run in memory; only the percentiles are written.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Reforecast configuration (YAML, forecast keys).") var config = "configs/mclimate-swe-small.yaml"
    @Option(help: "Output file.") var out: String
    @Option(help: "Override: dataset folder.") var dataset: String?
    @Option(help: "Override: comma-separated checkpoint files, or a hens train folder (all its seeds).") var checkpoints: String?
    @Option(help: "Override: skill file from hens skill.") var skill: String?
    @Option(name: .customLong("model-error"), help: "Override: model-error forcing file from `hens calibrate` (none: no forcing).") var modelError: String?
    @Option(name: .customLong("init-count"), help: "Override: initial times pooled.") var initCount: Int?
    @Option(name: .customLong("ensemble-size"), help: "Override: members per initial time.") var ensembleSize: Int?
    @Option(help: "Calendar day MM-DD to pool around (data with dates only).") var date: String?
    @Option(name: .customLong("window-days"), help: "Half-width of the calendar window in days.") var windowDays: Double = 15

    func run() throws {
        try global.apply()
        try checkOutputFilePath(out, option: "--out")
        var doc = try ConfigDocument(path: config, overrides: [
            .value("init_count", initCount, option: "--init-count"), .value("members", ensembleSize, option: "--ensemble-size"),
            .path("dataset", dataset, option: "--dataset"), .paths("checkpoints", checkpoints, option: "--checkpoints"),
            .path("skill", skill, option: "--skill"), modelError == "none" ? .value("model_error", "none", option: "--model-error")
                : .path("model_error", modelError, option: "--model-error"),
        ])
        var parsed = try ForecastConfig(&doc, baseDirectory: doc.baseDirectory)
        parsed.writeMembers = false
        let day = try date.map { text -> (month: Int, day: Int) in
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, (1...12).contains(parts[0]), (1...31).contains(parts[1]) else {
                throw HensError.invalid("--date", "a calendar day MM-DD such as 01-15, got '\(text)'")
            }
            return (parts[0], parts[1])
        }
        let forecast = try EnsembleForecast(config: parsed, output: NSTemporaryDirectory(), shard: .single, memberSelection: nil,
                                            skill: try parsed.skill.map { try SkillTable.read(path: $0) })
        let initials = try ModelClimateBuilder.initialTimes(forecast, day: day, windowDays: windowDays)
        let total = try initials.reduce(0) { let s = try forecast.memberSteps($1); return $0 + s.rollout + s.breeding }
        let progress = ProgressReporter("mclimate", total: total, unit: "member-steps", quiet: global.quiet)
        var attributes = ["window_days": String(windowDays)]
        if let date { attributes["calendar_day"] = date }
        let summary = try ModelClimateBuilder.build(forecast, initials: initials, output: out, attributes: attributes) { progress.advance($0) }
        progress.finish()
        // After the run, so that an error stays a message of its own; they are about the results.
        for warning in forecast.warnings { LogFormat.emit("warning: " + warning, level: "warning") }
        if !global.quiet {
            LogFormat.emit(String(format: "mclimate: %d initial time(s) × %d members = %d values per point and lead in %.1f s → %@",
                summary.initialTimes.count, summary.members, summary.samples, summary.seconds, out))
        }
    }
}
