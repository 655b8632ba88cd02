import Config
import Foundation
import HensCore
import SFNO

/// What `hens train` does: optimisation, schedule, loss, multistep, data sampling and
/// validation (keys of `configs/train-*.yaml`, snake_case as below).
///
/// ```yaml
/// epochs: 30              # passes over (samples_per_epoch of) the train split
/// batch_size: 4
/// lr: 1e-3                # peak learning rate
/// min_lr: 0               # end of the cosine, floor of the plateau schedule
/// schedule: cosine        # constant | cosine | plateau
/// warmup_steps: 0         # linear warm-up, in optimiser steps
/// plateau_factor: 0.5     # ReduceLROnPlateau (schedule: plateau)
/// plateau_patience: 10
/// plateau_threshold: 1e-4
/// plateau_cooldown: 0
/// betas: [0.9, 0.95]      # AdamW
/// eps: 1e-8
/// weight_decay: 0
/// grad_clip: none         # or a maximum global gradient norm, e.g. 32
/// loss: relative          # relative | absolute (squared, area-weighted L2) | crps
/// crps_members: 4         # loss: crps only — members per sample (M ≥ 2), model noise_channels > 0
/// channel_weights: auto   # or one number per channel
/// temp_diff_normalization: false
/// multistep: 1            # autoregressive steps per sample (backprop through time)
/// samples_per_epoch: 0    # 0 = every training sample
/// validation_leads: 20    # autoregressive validation RMSE at leads 1…n
/// validation_samples: 16  # initial states drawn evenly from the valid split
/// seeds: [1, 2, 3]        # or `seed: 1`
/// prefetch: true          # assemble the next batch on a background thread
/// auxiliary: none         # extra input channels (none so far)
/// ```
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// Passes over the (capped) training samples.
    public var epochs = 10
    /// Samples per optimiser step.
    public var batchSize = 4
    /// Peak learning rate.
    public var learningRate = 1e-3
    /// Cosine end / plateau floor.
    public var minLearningRate = 0.0
    /// Learning-rate schedule family.
    public var schedule = ScheduleKind.cosine
    /// Linear warm-up in optimiser steps.
    public var warmupSteps = 0
    /// ReduceLROnPlateau multiplier.
    public var plateauFactor = 0.5
    /// ReduceLROnPlateau bad epochs tolerated.
    public var plateauPatience = 10
    /// ReduceLROnPlateau relative improvement threshold.
    public var plateauThreshold = 1e-4
    /// ReduceLROnPlateau cooldown epochs.
    public var plateauCooldown = 0
    /// AdamW (β1, β2).
    public var betas = [0.9, 0.95]
    /// AdamW ε.
    public var epsilon = 1e-8
    /// AdamW decoupled weight decay.
    public var weightDecay = 0.0
    /// Maximum global gradient norm; nil = no clipping.
    public var gradientClip: Double?
    /// Absolute or relative squared L2, or the fair CRPS.
    public var loss = LossKind.relative
    /// Members per training sample of the CRPS loss (nil unless `loss` is `crps`).
    public var crpsMembers: Int?
    /// Loss weight per channel.
    public var channelWeights = ChannelWeighting.auto
    /// makani's `temp_diff_normalization`: scale channel weights by σ/σ_Δ.
    public var tendencyScaling = false
    /// Autoregressive steps per training sample (k ≥ 1).
    public var multistep = 1
    /// Samples drawn per epoch; nil = all.
    public var samplesPerEpoch: Int?
    /// Validation RMSE leads 1…n.
    public var validationLeads = 20
    /// Validation initial states (evenly spaced over the valid split).
    public var validationSamples = 16
    /// Seeds of the independent checkpoints to train.
    public var seeds: [UInt64] = [0]
    /// Assemble batch i+1 in the background while batch i trains.
    public var prefetch = true
    /// Extra input channels appended to the prognostic ones.
    public var auxiliary = AuxiliaryChannels.none

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs
        case batchSize = "batch_size"
        case learningRate = "lr"
        case minLearningRate = "min_lr"
        case schedule
        case warmupSteps = "warmup_steps"
        case plateauFactor = "plateau_factor"
        case plateauPatience = "plateau_patience"
        case plateauThreshold = "plateau_threshold"
        case plateauCooldown = "plateau_cooldown"
        case betas
        case epsilon = "eps"
        case weightDecay = "weight_decay"
        case gradientClip = "grad_clip"
        case loss
        case crpsMembers = "crps_members"
        case channelWeights = "channel_weights"
        case tendencyScaling = "temp_diff_normalization"
        case multistep
        case samplesPerEpoch = "samples_per_epoch"
        case validationLeads = "validation_leads"
        case validationSamples = "validation_samples"
        case seeds
        case prefetch
        case auxiliary
    }

    /// The defaults listed above.
    public init() {}

    /// The most members per sample `crps_members` accepts (each costs a forward and backward pass).
    public static let maximumCRPSMembers = 64

    /// The AdamW settings of this configuration.
    public var adamW: AdamWSettings {
        AdamWSettings(beta1: betas[0], beta2: betas[1], epsilon: epsilon, weightDecay: weightDecay, gradientClip: gradientClip)
    }

    /// Reads a YAML training configuration; unknown keys are errors.
    public static func load(path: String) throws -> TrainingConfig {
        var doc = try ConfigDocument(path: path)
        return try TrainingConfig(&doc)
    }

    /// Reads and validates a configuration document; every key is checked and unknown keys
    /// are errors naming the file and the key.
    public init(_ doc: inout ConfigDocument) throws {
        let src = doc.source
        func fail(_ key: String, _ expected: String, _ got: Any) -> HensError {
            HensError(.invalidArgument, "\(src): key '\(key)' must be \(expected), got '\(got)'")
        }
        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ fallback: E) throws -> E where E.RawValue == String {
            let text = try doc.string(key, default: fallback.rawValue)
            guard let value = E(rawValue: text) else {
                throw fail(key, "one of " + E.allCases.map(\.rawValue).joined(separator: ", "), text)
            }
            return value
        }
        func flag(_ key: String, _ fallback: Bool) throws -> Bool {
            let text = try doc.string(key, default: fallback ? "true" : "false").lowercased()
            switch text {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw fail(key, "true or false", text)
            }
        }
        func numbers(_ key: String, _ fallback: [Double]) throws -> [Double] {
            let texts = try doc.strings(key, default: fallback.map { "\($0)" })
            return try texts.map { text in
                guard let value = Double(text) else { throw fail(key, "a list of numbers", texts.joined(separator: ", ")) }
                return value
            }
        }

        let d = TrainingConfig()
        epochs = try doc.integer("epochs", default: d.epochs)
        batchSize = try doc.integer("batch_size", default: d.batchSize)
        learningRate = try doc.number("lr", default: d.learningRate)
        minLearningRate = try doc.number("min_lr", default: d.minLearningRate)
        schedule = try choice("schedule", d.schedule)
        warmupSteps = try doc.integer("warmup_steps", default: d.warmupSteps)
        plateauFactor = try doc.number("plateau_factor", default: d.plateauFactor)
        plateauPatience = try doc.integer("plateau_patience", default: d.plateauPatience)
        plateauThreshold = try doc.number("plateau_threshold", default: d.plateauThreshold)
        plateauCooldown = try doc.integer("plateau_cooldown", default: d.plateauCooldown)
        betas = try numbers("betas", d.betas)
        epsilon = try doc.number("eps", default: d.epsilon)
        weightDecay = try doc.number("weight_decay", default: d.weightDecay)
        let clip = try doc.string("grad_clip", default: "none")
        if ["none", "off", "null", "~", "<null>", "0", "0.0"].contains(clip.lowercased()) {
            gradientClip = nil
        } else {
            guard let value = Double(clip), value > 0 else { throw fail("grad_clip", "a positive number or none", clip) }
            gradientClip = value
        }
        loss = try choice("loss", d.loss)
        crpsMembers = doc.has("crps_members") || loss == .crps ? try doc.integer("crps_members", default: 4) : nil
        let weights = try doc.strings("channel_weights", default: ["auto"])
        if weights == ["auto"] {
            channelWeights = .auto
        } else {
            channelWeights = .explicit(try weights.map { text in
                guard let value = Double(text) else { throw fail("channel_weights", "auto or a list of numbers", weights.joined(separator: ", ")) }
                return value
            })
        }
        tendencyScaling = try flag("temp_diff_normalization", d.tendencyScaling)
        multistep = try doc.integer("multistep", default: d.multistep)
        let cap = try doc.integer("samples_per_epoch", default: 0)
        samplesPerEpoch = cap == 0 ? nil : cap
        validationLeads = try doc.integer("validation_leads", default: d.validationLeads)
        validationSamples = try doc.integer("validation_samples", default: d.validationSamples)
        switch (doc.has("seed"), doc.has("seeds")) {
        case (true, true):
            throw HensError(.invalidArgument, "\(src): give either 'seed' or 'seeds', not both")
        case (true, false):
            let seed = try doc.integer("seed")
            guard seed >= 0 else { throw fail("seed", "a non-negative integer", seed) }
            seeds = [UInt64(seed)]
        default:
            let texts = try doc.strings("seeds", default: ["0"])
            seeds = try texts.map { text in
                guard let seed = UInt64(text) else { throw fail("seeds", "a list of non-negative integers", texts.joined(separator: ", ")) }
                return seed
            }
        }
        prefetch = try flag("prefetch", d.prefetch)
        auxiliary = try choice("auxiliary", d.auxiliary)
        try doc.rejectUnknownKeys()
        try validate(source: src)
    }

    /// Throws for any out-of-range value, naming the key; `source` names the file.
    public func validate(source src: String) throws {
        func check(_ ok: Bool, _ key: String, _ expected: String, _ got: Any) throws {
            guard ok else { throw HensError(.invalidArgument, "\(src): key '\(key)' must be \(expected), got '\(got)'") }
        }
        try check(epochs >= 1, "epochs", "at least 1", epochs)
        try check(batchSize >= 1, "batch_size", "at least 1", batchSize)
        try check(learningRate > 0 && learningRate.isFinite, "lr", "a positive number", learningRate)
        try check(minLearningRate >= 0 && minLearningRate <= learningRate, "min_lr", "in [0, lr]", minLearningRate)
        try check(warmupSteps >= 0, "warmup_steps", "non-negative", warmupSteps)
        try check(plateauFactor > 0 && plateauFactor < 1, "plateau_factor", "in (0, 1)", plateauFactor)
        try check(plateauPatience >= 0, "plateau_patience", "non-negative", plateauPatience)
        try check(plateauThreshold >= 0, "plateau_threshold", "non-negative", plateauThreshold)
        try check(plateauCooldown >= 0, "plateau_cooldown", "non-negative", plateauCooldown)
        try check(betas.count == 2 && betas.allSatisfy { $0 >= 0 && $0 < 1 }, "betas", "two numbers in [0, 1)", betas)
        try check(epsilon > 0, "eps", "positive", epsilon)
        try check(weightDecay >= 0, "weight_decay", "non-negative", weightDecay)
        if let clip = gradientClip { try check(clip > 0, "grad_clip", "positive or none", clip) }
        try check(multistep >= 1, "multistep", "at least 1", multistep)
        if loss == .crps {
            let m = crpsMembers ?? 0
            try check(m >= 2, "crps_members", "at least 2 (the fair CRPS of one member is undefined)", m)
            try check(m <= Self.maximumCRPSMembers, "crps_members", "at most \(Self.maximumCRPSMembers)", m)
        } else if let m = crpsMembers {
            try check(false, "crps_members", "absent unless loss is crps (loss is \(loss.rawValue))", m)
        }
        if let cap = samplesPerEpoch { try check(cap >= batchSize, "samples_per_epoch", "0 (all) or at least batch_size = \(batchSize)", cap) }
        try check(validationLeads >= 1, "validation_leads", "at least 1", validationLeads)
        try check(validationSamples >= 1, "validation_samples", "at least 1", validationSamples)
        try check(!seeds.isEmpty, "seeds", "at least one seed", seeds)
        try check(Set(seeds).count == seeds.count, "seeds", "distinct", seeds)
    }

    // MARK: Provenance

    /// The resolved configuration as canonical JSON (sorted keys), stored in checkpoints.
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes `jsonText()` output (a checkpoint's `training_config`).
    public init(jsonText: String, source: String) throws {
        do {
            self = try JSONDecoder().decode(TrainingConfig.self, from: Data(jsonText.utf8))
        } catch {
            throw HensError(.badInput, "\(source): training_config is not a hens training configuration (\(error))")
        }
    }

    /// Keys that may change between an interrupted run and its resumption without changing
    /// the trained weights.
    static let resumeInsensitiveKeys: Set<String> = ["seeds", "prefetch", "validation_leads", "validation_samples"]

    /// The first key whose value differs from `other`'s among those that affect the weights,
    /// with both values, or nil when a run with `other` can be resumed under `self`.
    public func firstResumeConflict(with other: TrainingConfig) -> (key: String, mine: String, theirs: String)? {
        func fields(_ c: TrainingConfig) -> [String: String] {
            guard let data = try? JSONEncoder().encode(c),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            var out: [String: String] = [:]
            for key in CodingKeys.allCases.map(\.rawValue) {
                out[key] = object[key].map { value in
                    (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                        .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
                } ?? "none"
            }
            return out
        }
        let mine = fields(self), theirs = fields(other)
        for key in CodingKeys.allCases.map(\.rawValue) where !Self.resumeInsensitiveKeys.contains(key) {
            if mine[key] != theirs[key] { return (key, mine[key] ?? "none", theirs[key] ?? "none") }
        }
        return nil
    }
}
