import ArgumentParser
import Config
import DatasetIO
import Ensemble
import Foundation
import HensCore

/// `hens calibrate`: fits the per-step model-error forcing of deterministic checkpoints on the
/// valid split (a forecast's `model_error`).
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the model-error forcing of deterministic checkpoints on the valid split.",
        discussion: """
        Additive forcing (--kind additive): steps each checkpoint once from evenly spaced initial states of the dataset's valid split \
        and measures, per channel, the area-weighted RMS of the one-step error (physical units); \
        sppt forcing (--kind sppt) multiplies each step's tendency by 1 + σ_c·r instead, σ_c \
        starting at 0.5. With --config (a forecast configuration), it then tunes a factor per channel: small \
        ensembles of that configuration on the valid split, forced with the current amplitudes, \
        until each channel's spread-skill ratio is near 1 (the best of --iterations trials is \
        kept, every trial recorded). A forecast with `model_error: FILE` adds correlated noise of \
        the file's amplitudes to every member after every step. The test split is never read \
        (docs/calibration.md).
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Forecast configuration whose ensembles the amplitudes are tuned for (default: no tuning).") var config: String?
    @Option(help: "Comma-separated checkpoint files, or a hens train folder (default: the configuration's).") var checkpoints: String?
    @Option(help: "Dataset folder (default: the configuration's).") var dataset: String?
    @Option(help: "Skill file for the configuration's perturbation amplitudes (default: the configuration's).") var skill: String?
    @Option(help: "Forcing: additive (correlated noise per channel) or sppt (perturbed tendencies, one pattern for all channels).")
    var kind = "additive"
    @Option(help: "Initial states of the valid split for the one-step error (at least 2).") var samples = 16
    @Option(help: "Correlation length of the forcing (e.g. 500km).") var lengthScale = "500km"
    @Option(help: "Tuning trials (with --config).") var iterations = 3
    @Option(name: .customLong("init-count"), help: "Valid initial times per tuning trial.") var initCount = 4
    @Option(name: .customLong("ensemble-size"), help: "Members per initial time in the tuning trials.") var ensembleSize = 16
    @Option(help: "Output JSON file.") var out: String

    func run() throws {
        try global.apply()
        try checkOutputFilePath(out, option: "--out")
        guard let metres = ConfigDocument.metres(lengthScale) else {
            throw HensError.invalid("--length-scale", "a positive length such as 500km, got '\(lengthScale)'")
        }
        guard let forcing = ModelErrorFile.Kind(rawValue: kind) else {
            throw HensError.invalid("--kind", "additive or sppt, got '\(kind)'")
        }
        var forecastConfig: ForecastConfig?
        if let config {
            var doc = try ConfigDocument(path: config, overrides: [
                .paths("checkpoints", checkpoints, option: "--checkpoints"), .path("dataset", dataset, option: "--dataset"),
                .path("skill", skill, option: "--skill"),
            ])
            forecastConfig = try ForecastConfig(&doc, baseDirectory: doc.baseDirectory)
        }
        let files = try forecastConfig?.checkpoints ?? CheckpointFolder.expand(try required(checkpoints, "--checkpoints")
            .split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let data = try forecastConfig?.dataset ?? required(dataset, "--dataset")
        let clock = Stopwatch()
        var progress = ProgressReporter("calibrate (one-step error)", total: samples * files.count, unit: "steps", quiet: global.quiet)
        var calibration = try ModelErrorCalibration.fit(kind: forcing, checkpoints: files, dataset: data, samples: samples,
                                                        lengthScale: metres) { _, _ in progress.advance() }
        progress.finish()
        if let forecastConfig {
            var tuning = ModelErrorCalibration.Tuning()
            tuning.iterations = iterations
            tuning.initCount = initCount
            tuning.members = ensembleSize
            let skillTable = try forecastConfig.skill.map { try SkillTable.read(path: $0) }
            progress = ProgressReporter("calibrate (tuning)", total: iterations * initCount * ensembleSize * forecastConfig.steps,
                                        unit: "member-steps", quiet: global.quiet)
            calibration = try ModelErrorCalibration.tune(calibration, forecast: forecastConfig, skill: skillTable, tuning: tuning) {
                progress.advance($0)
            }
            progress.finish()
        }
        try calibration.write(to: out)
        guard !global.quiet else { return }
        let sigma = calibration.channels.indices.map { c in
            var text = "\(calibration.channels[c]) \(String(format: "%.4g", calibration.sigma[c])) \(calibration.units[c])"
            if let scales = calibration.scales, let ssr = calibration.validSSR {
                text += String(format: " (×%.2f, valid SSR %.2f)", scales[c], ssr[c])
            }
            return text
        }.joined(separator: ", ")
        LogFormat.emit("calibrate: \(files.count) checkpoint(s), \(calibration.samples) valid initial states, "
            + "forcing σ: \(sigma); \(String(format: "%.1f", clock.seconds)) s → \(out)")
    }

    private func required(_ value: String?, _ option: String) throws -> String {
        guard let value else { throw HensError.invalid(option, "a value (or --config with a forecast configuration)") }
        return value
    }
}
