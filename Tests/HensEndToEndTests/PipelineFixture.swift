import Foundation
import HensTestSupport
import XCTest

/// A complete, tiny run of every stage — dataset, checkpoint, skill table, forecast, model
/// climate, scores and report — made once per test process (about 10 s on 2 cores) for the
/// end-to-end tests that need real inputs to damage or to point a command at.
///
/// The configurations are written beside the outputs with paths relative to the folder, so the
/// whole fixture can be copied (e.g. onto a small file system) and still work.
enum PipelineFixture {
    /// The fixture's folder, or the error that stopped it from being made.
    private static let made: Result<String, Error> = Result { try make() }

    /// The fixture's folder (made on first use).
    static func folder() throws -> String { try made.get() }

    /// The forecast configuration: one checkpoint, 4 members, 2 steps, one initial time.
    static let forecastYAML = """
        checkpoints: [ckpt]
        dataset: dataset
        skill: skill.json
        skill_lead: 12h
        init: test
        init_count: 1
        members: 4
        steps: 2
        channels: [geopotential, vorticity, divergence, wind_speed]
        thresholds:
          wind_speed: [20]
        seed_channels: [geopotential]
        memory: 1GiB

        """

    /// The model-climate configuration: reforecasts from the climate split.
    static let mclimateYAML = """
        checkpoints: [ckpt]
        dataset: dataset
        skill: skill.json
        skill_lead: 12h
        init: climate
        init_count: 1
        members: 3
        control: once
        steps: 2
        channels: [geopotential, vorticity, divergence, wind_speed]
        seed_channels: [geopotential]
        memory: 1GiB

        """

    /// The evaluation configuration: every score, at sizes that take well under a second.
    static let evaluateYAML = """
        events:
          wind_speed: [20, p90]
        default_events: [p90]
        tails: [p95]
        bootstrap_sizes: [2]
        bootstrap_replicates: 10
        bootstrap_leads: [1]
        spectrum_members: 4
        climatology_samples: 20
        climatology_members: 4

        """

    /// The commands of the chain, run in the fixture's folder (paths relative to it).
    static func commands(configs: String) -> [[String]] {
        [
            ["generate", "swe", "--config", configs + "/swe-small.yaml", "--out", "dataset", "--quiet",
             "--splits", "train=1,valid=1,test=1,climate=1", "--trajectory-length", "14h"],
            ["train", "--dataset", "dataset", "--model", configs + "/model-swe-small.yaml", "--config", configs + "/train-swe-demo.yaml",
             "--out", "ckpt", "--epochs", "1", "--samples-per-epoch", "4", "--test-samples", "1", "--seeds", "1", "--quiet"],
            ["skill", "--checkpoint", "ckpt/seed-1/checkpoint.nc", "--dataset", "dataset", "--samples", "1", "--out", "skill.json", "--quiet"],
            ["forecast", "--config", "forecast.yaml", "--out", "forecast", "--quiet"],
            ["mclimate", "--config", "mclimate.yaml", "--out", "mclimate.nc", "--quiet"],
            ["evaluate", "--config", "evaluate.yaml", "--forecast", "forecast", "--dataset", "dataset", "--mclimate", "mclimate.nc",
             "--out", "scores", "--quiet"],
            ["report", ".", "--scores", "scores", "--forecast", "forecast", "--checkpoints", "ckpt", "--dataset", "dataset",
             "--out", "report", "--lead", "1", "--quiet"],
        ]
    }

    private static func make() throws -> String {
        let folder = SharedTemporaryFolder.unique("fixture")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in [("forecast.yaml", forecastYAML), ("mclimate.yaml", mclimateYAML), ("evaluate.yaml", evaluateYAML)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        for command in commands(configs: HensProcess.packageRoot + "/configs") {
            let r = try HensProcess.run(command, in: folder)
            guard r.status == 0 else {
                throw NSError(domain: "PipelineFixture", code: Int(r.status),
                              userInfo: [NSLocalizedDescriptionKey: "fixture step '\(command.joined(separator: " "))' failed: \(r.stderr)"])
            }
        }
        return folder
    }
}
