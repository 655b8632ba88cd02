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
        Steps each checkpoint once from evenly spaced initial states of the dataset's valid split \
        and writes, per channel, the area-weighted RMS of the one-step error (physical units) as \
        a JSON file. A forecast with `model_error: FILE` adds correlated noise of that standard \
        deviation (times `model_error_scale`) to every member after every step. The test split \
        is never read; choose model_error_scale with forecasts on the valid split \
        (docs/calibration.md).
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated checkpoint files, or a hens train folder (all its seeds).") var checkpoints: String
    @Option(help: "Dataset folder.") var dataset: String
    @Option(help: "Initial states of the valid split per checkpoint (at least 2).") var samples = 16
    @Option(help: "Correlation length of the forcing (e.g. 500km).") var lengthScale = "500km"
    @Option(help: "Output JSON file.") var out: String

    func run() throws {
        try global.apply()
        try checkOutputFilePath(out, option: "--out")
        guard let metres = ConfigDocument.metres(lengthScale) else {
            throw HensError.invalid("--length-scale", "a positive length such as 500km, got '\(lengthScale)'")
        }
        let files = try CheckpointFolder.expand(checkpoints.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let clock = Stopwatch()
        let progress = ProgressReporter("calibrate", total: samples * files.count, unit: "steps", quiet: global.quiet)
        let calibration = try ModelErrorCalibration.fit(checkpoints: files, dataset: dataset, samples: samples,
                                                        lengthScale: metres) { _, _ in progress.advance() }
        progress.finish()
        try calibration.write(to: out)
        guard !global.quiet else { return }
        let sigma = zip(calibration.channels, zip(calibration.sigma, calibration.units))
            .map { "\($0) \(String(format: "%.4g", $1.0)) \($1.1)" }.joined(separator: ", ")
        LogFormat.emit("calibrate: \(files.count) checkpoint(s), \(calibration.samples) valid initial states, "
            + "one-step error σ: \(sigma); \(String(format: "%.1f", clock.seconds)) s → \(out)")
    }
}
