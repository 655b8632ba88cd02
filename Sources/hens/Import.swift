import ArgumentParser
import Foundation
import HensCore
import ModelImport

/// `hens import`: a released makani / Earth2Studio SFNO into a hens checkpoint, or a hens
/// checkpoint back into a safetensors package.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a released SFNO (makani / Earth2Studio package, safetensors) as a hens checkpoint, or export one.",
        discussion: """
        INPUT is a package folder (config.json, global_means.npy, global_stds.npy, orography.nc,
        land_mask.nc, training_checkpoints/best_ckpt_mp0.tar), a makani training checkpoint, or a
        .safetensors file with its JSON sidecar (FILE.json). Nothing in the files is executed: the
        pickle reader knows only what torch.save writes for tensors and refuses anything else.
        Both makani spectral layouts ([in, out, l] of the HENS checkpoints, [1, in, out, l] of
        current makani) are read. The checkpoint runs in hens forecast on a data set with the same
        channels and grid (made by hens ingest, which gives the absolute times the zenith input needs).

        --to safetensors turns a hens checkpoint (makani variant) into a package folder with
        model.safetensors, its sidecar, config.json and the statistics.
        """)

    /// What to write.
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case hens, safetensors
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Package folder, makani checkpoint or .safetensors file (with --to safetensors: a hens checkpoint).")
    var input: String
    @Option(help: "Output: the hens checkpoint file, or with --to safetensors the package folder.") var out: String
    @Option(help: "What to write: hens (a checkpoint) or safetensors (a package folder).") var to: Target = .hens
    @Option(help: "Package configuration (default: INPUT's config.json).") var config: String?
    @Option(help: "Channel means .npy (default: global_means.npy beside the configuration).") var means: String?
    @Option(help: "Channel standard deviations .npy (default: global_stds.npy).") var stds: String?
    @Option(help: "Orography NetCDF with variable Z (default: orography.nc).") var orography: String?
    @Option(name: .customLong("land-mask"), help: "Land-sea mask NetCDF with variable LSM (default: land_mask.nc).") var landMask: String?
    @Flag(help: "Replace an existing output checkpoint.") var overwrite = false

    func run() throws {
        try global.apply()
        let clock = Stopwatch()
        switch to {
        case .safetensors:
            try MakaniWeightExport.run(checkpoint: input, output: out)
            if !global.quiet {
                let text = "import: \(input) → \(out)/model.safetensors (+ sidecar, config.json, statistics) "
                    + "in \(String(format: "%.1f", clock.seconds)) s\n"
                FileHandle.standardError.write(Data(text.utf8))
            }
        case .hens:
            try checkOutputFilePath(out, option: "--out")
            if FileManager.default.fileExists(atPath: out) && !overwrite {
                throw HensError.invalid("--out", "a new file, but \(out) exists (pass --overwrite to replace it)")
            }
            let package = try ModelPackage(input: input, overrides: .init(config: config, means: means, stds: stds,
                                                                          orography: orography, landMask: landMask))
            var reporter: ProgressReporter?
            let summary = try CheckpointImport.run(package, output: out) { done, total in
                if reporter == nil { reporter = ProgressReporter("import", total: total, unit: "tensors", quiet: global.quiet) }
                reporter?.advance()
            }
            reporter?.finish()
            guard !global.quiet else { return }
            let text = "import: \(summary.weights) → \(summary.output): \(summary.channels.count) channels, \(summary.grid), "
                + "\(summary.parameterCount) parameters, spectral layout \(summary.spectralLayout), step \(String(format: "%g", summary.stepHours)) h, "
                + "step inputs \(summary.stepInputs.isEmpty ? "none" : summary.stepInputs.count.description + " (" + (summary.stepInputs.first ?? "") + " …)"), "
                + "\(String(format: "%.1f", clock.seconds)) s\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
    }
}
