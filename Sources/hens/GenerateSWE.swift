import Config
import ArgumentParser
import DatasetIO
import Foundation
import HensCore
import ShallowWater
import Spherical

/// `hens generate swe`: shallow-water trajectories written as a canonical dataset.
struct GenerateSWE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swe",
        abstract: "Integrate the shallow-water equations and write a canonical dataset (train/valid/test/climate + stats).",
        discussion: """
        Options override the configuration file's keys. The output folder receives train.nc,
        valid.nc, test.nc, climate.nc and stats.nc (see README "File formats"); each file is
        written to a temporary name and renamed when complete, so an interrupted run leaves no
        partial file, and rerunning with the same arguments reproduces the same contents. OUT/.hens-inputs.json
        records the inputs: a rerun with the same inputs is up to date (exit 0), a folder of other
        inputs is refused unless --overwrite, and a folder of other files is always refused.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "YAML configuration (e.g. configs/swe-small.yaml).") var config: String
    @Option(help: "Output dataset folder.") var out: String
    @Option(help: "Override: base seed.") var seed: Int?
    @Option(help: "Override: trajectories per split, e.g. train=4,valid=1,test=1,climate=2.") var splits: String?
    @Option(help: "Override: trajectory length (e.g. 2d).") var trajectoryLength: String?
    @Option(help: "Override: channels, e.g. geopotential,vorticity,divergence,u,v,h.") var channels: String?
    @Flag(help: "Replace a dataset of other inputs in OUT (without it, such a folder is refused).") var overwrite = false

    func run() throws {
        try global.apply()
        var doc = try ConfigDocument(path: config, overrides: [
            .value("seed", seed, option: "--seed"), .value("trajectory_length", trajectoryLength, option: "--trajectory-length"),
            .value("channels", channels, option: "--channels"), .value("splits", try splits.map { try SWEDatasetConfig.splitCounts($0, option: "--splits") }, option: "--splits"),
        ])
        let cfg = try SWEDatasetConfig(&doc)
        let decision = try SWEDatasetWriter.prepareOutput(config: cfg, folder: out, overwrite: overwrite)
        if let line = decision.message(folder: out), !global.quiet { LogFormat.emit("generate swe: " + line) }
        if decision == .upToDate { return }
        let solver = try cfg.makeSolver()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let clock = Stopwatch()
        let totalSteps = cfg.splits.reduce(0) { $0 + $1.trajectories } * cfg.stepsPerTrajectory
        let progress = ProgressReporter("generate swe", total: totalSteps, unit: "steps", quiet: global.quiet)
        let writer = SWEDatasetWriter(config: cfg, solver: solver, folder: out)
        try writer.write(progress: progress)
        progress.finish()
        if !global.quiet {
            let sizes = cfg.splits.map { "\($0.name) \($0.trajectories)" }.joined(separator: ", ")
            LogFormat.emit(String(format: "generate swe: wrote %@ (%@ trajectories × %d times, %@) in %.1f s",
                out, sizes, cfg.outputsPerTrajectory, solver.grid.label, clock.seconds))
        }
    }
}
