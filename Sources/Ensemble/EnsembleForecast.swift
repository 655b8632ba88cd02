import ChannelDerivation
import DatasetIO
import Foundation
import HensCore
import Spherical

/// Everything a forecast shares across initial times: configuration, analyses, checkpoints,
/// perturbations, output channels and region, this process's shard and the batch size.
///
/// `run(_:)` produces one initial time's files for this shard (see `ForecastPaths`):
/// batches of members are perturbed, rolled out with their checkpoint, written as part files
/// and folded into the streaming summary, which is checkpointed after every batch; a killed
/// run restarted with the same command continues after the last completed batch.
public final class EnsembleForecast {
    /// The configuration.
    public let config: ForecastConfig
    /// The analyses.
    public let archive: AnalysisArchive
    /// The checkpoints, in member-layout order.
    public let models: [ForecastModel]
    /// How members are perturbed.
    public let perturbations: PerturbationSource
    /// The channels written.
    public let outputs: OutputChannelPlan
    /// The region written, if cropped.
    public let crop: GridCrop?
    /// This process's shard.
    public let shard: ShardSpec
    /// Members to run (sorted global indices), nil for all.
    public let selection: [Int]?
    /// Members per SFNO call.
    public let batchSize: Int
    /// Bytes this process holds at its peak, as the batch plan counts them: the models' weights and
    /// workspaces, the summary and the members of one batch in flight.
    public let processBytes: Int64
    /// Where the files go.
    public let paths: ForecastPaths
    /// Whether finished outputs may be replaced.
    public let overwrite: Bool
    /// The per-step model-error forcing (`model_error`), if any.
    let modelError: ModelErrorForcing?
    /// Problems worth a warning that do not stop the run (e.g. a saturated skill lead).
    public private(set) var warnings: [String] = []
    private let grid: SphericalGrid
    /// Tests: throw after this many batches of a `run` have been committed, as if the process
    /// had been killed there (the state and part files stay, as after SIGKILL).
    var interruptAfterBatches: Int?

    /// Loads the checkpoints and prepares the perturbations.
    /// - Parameters:
    ///   - memberSelection: `--members` text (e.g. `17,42` or `0..7`), or nil for all.
    ///   - skill: the τ source when `config.amplitudes` does not give every channel.
    ///   - modelErrorTrial: a calibration to force with instead of `config.modelError`'s file
    ///     (`hens calibrate` tries amplitudes this way without writing them).
    public init(config: ForecastConfig, output: String, shard: ShardSpec, memberSelection: String?, skill: SkillTable?,
                overwrite: Bool = false, modelErrorTrial: ModelErrorFile? = nil) throws {
        self.config = config
        self.shard = shard
        self.overwrite = overwrite
        paths = ForecastPaths(root: output)
        let archive = try AnalysisArchive(directory: config.dataset)
        self.archive = archive
        guard archive.stepHours.isFinite, archive.stepHours > 0 else {
            throw HensError(.badInput, "\(config.dataset): needs at least two times per trajectory (the model step)")
        }
        let models = try config.checkpoints.map { try ForecastModel(path: $0, archive: archive) }
        self.models = models
        for m in models.dropFirst() where m.channels != models[0].channels {
            throw HensError(.badInput, "\(m.path): channels differ from \(models[0].path)'s")
        }
        let channels = models[0].channels
        let grid = try models[0].network.config.dataGrid()
        self.grid = grid
        let outputs = try OutputChannelPlan(requested: config.channels, modelChannels: archive.channelInfo, grid: grid)
        self.outputs = outputs
        let crop = try config.crop.map {
            try GridCrop.box(latitudes: archive.latitudes, longitudes: archive.longitudes, south: $0[0], north: $0[1], west: $0[2], east: $0[3])
        }
        self.crop = crop
        func flags(_ names: [String], _ key: String, emptyMeansAll: Bool) throws -> [Bool] {
            for n in names where !channels.contains(n) {
                throw HensError.invalid(key, "model channels (\(channels.joined(separator: ", "))), got '\(n)'")
            }
            return channels.map { names.isEmpty ? emptyMeansAll : names.contains($0) }
        }
        let amplitudes = try config.needsAmplitudes ? Self.amplitudes(config, channels: channels, skill: skill)
                                                    : [Double](repeating: 0, count: channels.count)
        perturbations = try PerturbationSource(
            method: config.perturbation, amplitudes: amplitudes,
            seedChannels: flags(config.seedChannels, "seed_channels", emptyMeansAll: true),
            nonNegative: flags(config.nonNegative, "non_negative", emptyMeansAll: false),
            cycles: config.breedingCycles, bandLatitude: config.bandLatitude, lengthScale: config.lengthScale, grid: grid)
        if config.modelError != nil || modelErrorTrial != nil, let stochastic = models.first(where: \.isStochastic) {
            throw HensError.invalid("model_error", "a forcing for deterministic checkpoints; \(stochastic.path) is stochastic "
                + "(its spread comes from its noise channels: set noise_scale instead)")
        }
        if let trial = modelErrorTrial {
            modelError = try ModelErrorForcing(calibration: trial, path: "model-error trial", scale: config.modelErrorScale,
                                               channels: channels, grid: grid, stepHours: archive.stepHours)
        } else {
            modelError = try config.modelError.map {
                try ModelErrorForcing(calibration: try ModelErrorFile.read(path: $0), path: $0, scale: config.modelErrorScale,
                                      channels: channels, grid: grid, stepHours: archive.stepHours)
            }
        }
        if config.needsAmplitudes, let skill, !channels.allSatisfy({ config.amplitudes[$0] != nil }) {
            let lead = try skill.leadSteps(hours: config.skillLeadHours)
            for s in skill.saturated(channels: channels, lead: lead) where config.amplitudes[s.channel] == nil {
                warnings.append(String(
                    format: "skill_lead %gh is %d model steps of %g h, where the RMSE of %@ (%.4g) is at or above climatology's "
                        + "(%.4g): the error has saturated, so amplitudes from it are too large; choose a skill_lead still in "
                        + "error growth (HENS' 48 h were 8 steps of 6 h; docs/calibration.md#skill-lead)",
                    config.skillLeadHours, lead, archive.stepHours, s.channel, s.rmse, s.climatology))
            }
        }
        let layout = try Self.layout(config, checkpoints: models.count, initialTime: 0)
        let selection = try memberSelection.map { try MemberSelection.parse($0, memberCount: layout.memberCount) }
        self.selection = selection
        // A stochastic model's step also composes each member's input with its noise channels.
        let composed = models.contains { $0.isStochastic } ? models.map(\.inputCount).max()! : 0
        let perMember = 4 * (5 * models[0].stateCount + composed + outputs.outputs.count * (crop?.fieldCount ?? archive.fieldCount))
        let summaryBytes = 2 * 40 * config.outputSteps.count * outputs.outputs.count * (crop?.fieldCount ?? archive.fieldCount)
        let fixed = models.reduce(0) { $0 + $1.byteCount } + summaryBytes + 64 << 20
        batchSize = try config.batchSize ?? BatchPlan.size(budget: config.memoryBytes, fixed: fixed, perMember: perMember)
        // An explicit batch size skips the memory budget; it must still fit the machine, or the
        // first batch would be an allocation failure rather than a message.
        let inFlight = SizeEstimate.product(perMember, min(batchSize, config.members))
        processBytes = Int64(fixed) &+ inFlight
        let physical = Int64(clamping: ProcessInfo.processInfo.physicalMemory)
        guard inFlight <= physical else {
            throw HensError.invalid("batch_size", "at most what fits in memory: \(min(batchSize, config.members)) members in flight need "
                                    + "\(DiskSpace.format(inFlight)), this machine has \(DiskSpace.format(physical))")
        }
    }

    /// τ_c per model channel, physical units: explicit `amplitudes` first, else factor × the
    /// skill table's RMSE at `skill_lead`.
    static func amplitudes(_ config: ForecastConfig, channels: [String], skill: SkillTable?) throws -> [Double] {
        if channels.allSatisfy({ config.amplitudes[$0] != nil }) { return channels.map { config.amplitudes[$0]! } }
        guard let skill else {
            throw HensError.invalid("skill", "a skill file from `hens skill` (or amplitudes for every channel: \(channels.joined(separator: ", "))) for \(config.perturbation.rawValue) perturbations")
        }
        let lead = try skill.leadSteps(hours: config.skillLeadHours)
        let fromSkill = try skill.amplitudes(channels: channels, lead: lead, factor: config.amplitudeFactor)
        return zip(channels, fromSkill).map { config.amplitudes[$0] ?? $1 }
    }

    static func layout(_ config: ForecastConfig, checkpoints: Int, initialTime: Int64) throws -> MemberLayout {
        try MemberLayout(totalMembers: config.members, checkpoints: checkpoints, control: config.control, pairing: config.pairing,
                         baseSeed: config.seed, initialTime: initialTime)
    }

    /// The initial times of the configuration. Drawn from a split, they are spread over the states
    /// with enough earlier analyses for breeding — or `init_history` of them, so that a run
    /// without breeding (a stochastic model) starts from the same states as a bred-vector run.
    public func initialTimes() throws -> [InitialTime] {
        try archive.initialTimes(config.initialTimes, count: config.initCount, history: max(perturbations.history, config.initHistory),
                                 future: config.steps)
    }

    /// Member layout of one initial time.
    public func memberLayout(_ initial: InitialTime) throws -> MemberLayout {
        try Self.layout(config, checkpoints: models.count, initialTime: initial.seedKey)
    }

    /// This shard's members and batches for one initial time.
    public func batchPlan(_ initial: InitialTime) throws -> BatchPlan {
        let layout = try memberLayout(initial)
        return BatchPlan(members: shard.members(of: layout.memberCount, selection: selection), layout: layout, size: batchSize)
    }

    /// This shard's members, batches and model steps (rollout plus breeding) of one initial
    /// time, counted without listing the members (`BatchPlan.counts`).
    public func planCounts(_ initial: InitialTime) throws -> (members: Int, batches: Int, rollout: Int, breeding: Int) {
        let layout = try memberLayout(initial)
        let block = shard.positions(of: selection?.count ?? layout.memberCount)
        let cycles = config.perturbation == .bredVector ? config.breedingCycles : nil
        let c = selection.map { BatchPlan.counts(members: $0[block], layout: layout, size: batchSize, breedingCycles: cycles) }
            ?? BatchPlan.counts(members: block, layout: layout, size: batchSize, breedingCycles: cycles)
        return (c.members, c.batches, c.members * config.steps, c.breedingCalls)
    }

    /// Model steps one initial time costs this shard (rollout plus breeding).
    public func memberSteps(_ initial: InitialTime) throws -> (rollout: Int, breeding: Int) {
        let c = try planCounts(initial)
        return (c.rollout, c.breeding)
    }

    /// What the output files of one initial time look like.
    public func outputLayout(_ initial: InitialTime) -> EnsembleOutputLayout {
        let full = EnsembleOutputLayout(channels: outputs.outputs, latitudes: archive.latitudes, longitudes: archive.longitudes,
                                        leads: config.outputSteps.map { Double($0) * archive.stepHours }, leadUnits: "hours",
                                        initialTime: initial.time, timeUnits: initial.timeUnits, calendar: initial.calendar)
        return crop.map { full.cropped(by: $0) } ?? full
    }

    /// Provenance of one initial time's files.
    public func runInfo(_ initial: InitialTime, batchesDone: Int? = nil) throws -> EnsembleRunInfo {
        let layout = try memberLayout(initial)
        var attributes: [String: String] = [
            "member_count": String(layout.memberCount),
            "member_selection": MemberSelection.format(selection ?? Array(0..<layout.memberCount)),
            "shard": shard.description,
            "init_label": initial.label,
            "dataset": config.dataset,
            "split": initial.location.split,
            "trajectory": String(initial.location.trajectory),
            "time_index": String(initial.location.timeIndex),
            "step_hours": String(archive.stepHours),
            "batch_size": String(batchSize),
            "checkpoint_sha256": models.map(\.digest).joined(separator: " "),
            "control": config.control.rawValue,
            "pairing": config.pairing.rawValue,
            "amplitudes": perturbations.amplitudes.map { String($0) }.joined(separator: " "),
        ]
        if let crop { attributes["crop"] = crop.describe(latitudeCount: archive.latitudes.count, longitudeCount: archive.longitudes.count) }
        let stochastic = models.map { $0.isStochastic ? "1" : "0" }
        if stochastic.contains("1") {
            attributes["stochastic_checkpoints"] = stochastic.joined(separator: " ")
            attributes["noise_scale"] = String(config.noiseScale)
        }
        if let modelError {
            attributes["model_error"] = modelError.path
            attributes["model_error_sigma"] = modelError.calibration.sigma.map { String($0) }.joined(separator: " ")
            attributes["model_error_scale"] = String(modelError.scale)
            attributes["model_error_split"] = modelError.calibration.split
        }
        if let batchesDone { attributes["batches_done"] = String(batchesDone) }
        return EnsembleRunInfo(checkpoints: models.map(\.path), baseSeed: config.seed, perturbation: config.perturbation.rawValue,
                               config: config.text, attributes: attributes)
    }

    /// Storage of the assembled member files.
    var shardOptions: EnsembleShardOptions {
        EnsembleShardOptions(deflateLevel: config.deflateLevel, significantDigits: config.significantDigits,
                             quantization: config.quantization == "granular-bitround" ? .granularBitRound : .bitGroom)
    }

    /// Thresholds per output channel (channels without any get none).
    var summaryThresholds: [[Float]] {
        outputs.outputs.map { c in (config.thresholds[c.name] ?? []).map { Float($0) } }
    }
}
