import Config
import ArgumentParser
import DatasetIO
import Ensemble
import Foundation
import HensCore
import SFNO

/// `hens forecast`: the bred-vector, multi-checkpoint huge ensemble.
struct Forecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a perturbed, multi-checkpoint ensemble forecast (member shards + streaming summary).",
        discussion: """
        Writes, per initial time, OUT/<init>/members-shard-K-of-N.nc (one Float32 variable per \
        output channel, dims member, lead, lat, lon) and OUT/<init>/summary-shard-K-of-N.nc \
        (count, mean, M2, min, max, argmin, argmax, exceedances per lead, channel and point); a \
        single-shard run also writes OUT/<init>/summary.nc, otherwise `hens merge` does. \
        Sharding: --shard K/N wins, then SLURM_ARRAY_TASK_ID/COUNT, then SLURM_PROCID/NTASKS, then \
        OMPI_COMM_WORLD_RANK/SIZE, then PMI_RANK/SIZE. Every batch is committed atomically: a \
        killed run restarted with the same command continues after the last completed batch. \
        Member k's perturbation depends only on (seed, initial time, k), so --members 17,42 \
        regenerates exactly those members. OUT/.hens-inputs.json records the inputs (configuration, \
        checkpoints, dataset statistics, skill file, hens executable): a rerun with other inputs is \
        refused unless --restart-changed (or --overwrite) empties OUT first.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Forecast configuration (YAML).") var config = "configs/forecast-swe-small.yaml"
    @Option(help: "Output folder.") var out: String
    @Option(help: "Override: comma-separated checkpoint files, or a hens train folder (all its seeds).") var checkpoints: String?
    @Option(help: "Override: dataset folder with the analyses.") var dataset: String?
    @Option(name: .customLong("init"), help: "Override: initial times: a split name, or dates A..B/STEP (e.g. 2017-01-02T00..2017-01-02T12/12h).") var initTimes: String?
    @Option(name: .customLong("init-count"), help: "Override: initial times drawn from a split.") var initCount: Int?
    @Option(name: .customLong("ensemble-size"), help: "Override: total members (controls + perturbed, all checkpoints).") var ensembleSize: Int?
    @Option(help: "Run only these members, e.g. 17,42 or 0..7 (same values as in the full run).") var members: String?
    @Option(help: "Override: model steps.") var steps: Int?
    @Option(help: "Override: base seed.") var seed: UInt64?
    @Option(help: "Override: perturbation (bred-vector, seed-noise, gaussian, none).") var perturbation: String?
    @Option(help: "Override: skill file from `hens skill` (τ for the perturbations).") var skill: String?
    @Option(name: .customLong("model-error"), help: "Override: model-error forcing file from `hens calibrate` (none: no forcing).") var modelError: String?
    @Option(name: .customLong("batch-size"), help: "Override: members per SFNO call.") var batchSize: Int?
    @Option(help: "Override: memory budget for the automatic batch size, e.g. 8GiB.") var memory: String?
    @Option(name: .customLong("significant-digits"), help: "Override: lossy quantisation of member files (1…7).") var significantDigits: Int?
    @Option(help: "Override: control members (none, once, per-checkpoint).") var control: String?
    @Option(name: .customLong("stats-json"), help: "Write the run's totals (members, member-steps, seconds, peak memory) as JSON here.") var statsJSON: String?
    @Option(help: "This process's shard K/N (default: from the launcher's environment, else 0/1).") var shard: String?
    @Flag(name: .customLong("no-members"), help: "Write only the summary, no member fields.") var noMembers = false
    @Flag(name: .customLong("dry-run"), help: "Print members, member-steps, output size and a time estimate, then exit.") var dryRun = false
    @Option(help: "Dry run: nodes of the cluster to plan for (with --cores-per-node): core-hours, processes per node, wall time, disk.") var nodes: Int?
    @Option(name: .customLong("cores-per-node"), help: "Dry run: cores per node (each process uses --threads of them).") var coresPerNode: Int?
    @Option(name: .customLong("memory-per-node"), help: "Dry run: memory per node for hens processes, e.g. 256GiB (limits processes per node).") var memoryPerNode: String?
    @Option(name: .customLong("member-step-seconds"), help: "Dry run: measured seconds per member-step at --threads (e.g. from `hens bench sfno`) instead of a probe.") var memberStepSeconds: Double?
    @Option(name: .customLong("model-config"), help: "Dry run: plan for this model YAML (e.g. configs/model-hens-721.yaml) instead of the checkpoints; needs --member-step-seconds, reads no checkpoint or dataset.") var modelConfig: String?
    @Flag(help: "Replace finished outputs and discard interrupted ones.") var overwrite = false
    @Flag(name: .customLong("restart-changed"), help: "When OUT holds outputs made from other inputs, empty it and start again (default: refuse).")
    var restartChanged = false

    func run() throws {
        try global.apply()
        let forecastConfig = try loadConfig()
        let cluster = try clusterShape()
        if let modelConfig {
            guard let memberStepSeconds else {
                throw HensError.invalid("--member-step-seconds", "needed with --model-config (there is no checkpoint to time)")
            }
            var doc = try ConfigDocument(path: modelConfig)
            let model = try SFNOConfig(&doc)
            print(try ModelSizePlan(config: forecastConfig, model: model, threads: Parallel.threadCount, cluster: cluster,
                                    secondsPerMemberStep: memberStepSeconds).report())
            return
        }
        let shardSpec = try ShardSpec.detect(explicit: shard, environment: ProcessInfo.processInfo.environment)
        let skillTable = try forecastConfig.skill.map { try SkillTable.read(path: $0) }
        let forecast = try EnsembleForecast(config: forecastConfig, output: out, shard: shardSpec, memberSelection: members,
                                            skill: skillTable, overwrite: overwrite)
        let inits = try forecast.initialTimes()
        if dryRun {
            let report = try ForecastDryRun(forecast: forecast, initialTimes: inits).report(cluster: cluster,
                                                                                             secondsPerMemberStep: memberStepSeconds)
            warn(forecast.warnings)
            print(report)
            return
        }
        if case let .restarted(changed) = try forecast.prepareOutput(initialTimes: inits, restartIfChanged: restartChanged || (overwrite && shardSpec.count == 1),
                                                                      option: "--restart-changed") {
            note("\(out): made from other inputs (changed: \(changed.joined(separator: ", "))); emptied, starting again")
        }
        let clock = Stopwatch()
        let total = try inits.reduce(0) { let s = try forecast.memberSteps($1); return $0 + s.rollout + s.breeding }
        let progress = ProgressReporter("forecast shard \(shardSpec)", total: total, unit: "member-steps", quiet: global.quiet)
        var members = 0, steps = 0, resumed = 0, skipped = 0
        for initial in inits {
            let result = try forecast.run(initial) { progress.advance($0) }
            members += result.members
            steps += result.memberSteps
            resumed += result.resumedBatches
            if result.skipped {
                skipped += 1
                note("\(initial.label): outputs complete already (pass --overwrite to recompute)")
            }
        }
        progress.finish()
        // After the run, so that an error stays a message of its own; they are about the results.
        warn(forecast.warnings)
        let seconds = clock.seconds
        if let statsJSON {
            let stats: [String: Any] = [
                "initial_times": inits.count, "shard": shardSpec.description, "members": members, "member_steps": steps,
                "seconds": seconds, "member_steps_per_second": Double(steps) / max(seconds, 1e-9), "batch_size": forecast.batchSize,
                "threads": Parallel.threadCount, "peak_rss_bytes": ProcessMemory.peakResidentBytes(), "resumed_batches": resumed,
                "skipped_initial_times": skipped,
            ]
            try writeAtomically(try JSONSerialization.data(withJSONObject: stats, options: [.prettyPrinted, .sortedKeys]), to: statsJSON)
        }
        note(String(format: "forecast: %d initial time(s), shard %@, %d members, %d member-steps in %.1f s (%.1f member-steps/s)%@%@, "
                    + "batch %d, peak memory %@, output %@", inits.count, shardSpec.description, members, steps, seconds,
                    Double(steps) / max(seconds, 1e-9), resumed > 0 ? ", resumed after \(resumed) batch(es)" as NSString : "" as NSString,
                    skipped > 0 ? ", \(skipped) skipped" as NSString : "" as NSString, forecast.batchSize,
                    ProcessMemory.format(ProcessMemory.peakResidentBytes()), out))
    }

    /// The cluster of the dry run's plan (--nodes with --cores-per-node), checked; nil without.
    private func clusterShape() throws -> ClusterPlan.Shape? {
        let given = [("--nodes", nodes != nil), ("--cores-per-node", coresPerNode != nil), ("--memory-per-node", memoryPerNode != nil),
                     ("--member-step-seconds", memberStepSeconds != nil), ("--model-config", modelConfig != nil)]
        if !dryRun, let first = given.first(where: { $0.1 }) {
            throw HensError.invalid(first.0, "only with --dry-run (it plans a run, it does not change one)")
        }
        if let s = memberStepSeconds, !(s.isFinite && s > 0 && s <= 1e6) {
            throw HensError.invalid("--member-step-seconds", "a number of seconds in (0, 1e6], got \(s)")
        }
        guard nodes != nil || coresPerNode != nil || memoryPerNode != nil else { return nil }
        guard let nodes, let coresPerNode else {
            throw HensError.invalid(nodes == nil ? "--nodes" : "--cores-per-node", "--nodes and --cores-per-node go together")
        }
        let memory = try memoryPerNode.map { text -> Int in
            guard let bytes = ByteCount.parse(text) else {
                throw HensError.invalid("--memory-per-node", "a size such as 256GiB or 512GB, got '\(text)'")
            }
            return bytes
        }
        return try ClusterPlan.Shape(nodes: nodes, coresPerNode: coresPerNode, memoryPerNode: memory)
    }

    /// The configuration file with the command-line overrides applied.
    private func loadConfig() throws -> ForecastConfig {
        guard batchSize == nil || memory == nil else { throw HensError.invalid("--batch-size", "either a batch size or --memory (which sets it automatically), not both") }
        var doc = try ConfigDocument(path: config, overrides: [
            .paths("checkpoints", checkpoints, option: "--checkpoints"), .path("dataset", dataset, option: "--dataset"),
            .value("init", initTimes, option: "--init"), .value("init_count", initCount, option: "--init-count"),
            .value("members", ensembleSize, option: "--ensemble-size"), .value("control", control, option: "--control"),
            .value("steps", steps, option: "--steps"), .value("seed", seed.map(String.init), option: "--seed"),
            .value("perturbation", perturbation, option: "--perturbation"), .path("skill", skill, option: "--skill"),
            modelError == "none" ? .value("model_error", "none", option: "--model-error")
                : .path("model_error", modelError, option: "--model-error"),
            .value("batch_size", batchSize.map(String.init), option: "--batch-size"), .value("memory", memory, option: "--memory"),
            .value("significant_digits", significantDigits.map(String.init), option: "--significant-digits"),
            .flag("write_members", noMembers, means: false, option: "--no-members"),
        ])
        return try ForecastConfig(&doc, baseDirectory: doc.baseDirectory)
    }

    /// Writes each warning as one log line (also with --quiet: they are about the results).
    private func warn(_ warnings: [String]) {
        for warning in warnings { LogFormat.emit("warning: " + warning, level: "warning") }
    }

    private func note(_ line: String) {
        if !global.quiet { LogFormat.emit(line) }
    }
}
