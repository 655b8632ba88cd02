import Config
import DatasetIO
import Foundation
import HensCore

/// How initial states are perturbed.
public enum PerturbationMethod: String, Sendable, CaseIterable {
    /// HENS: seed noise bred through the model and rescaled per hemisphere
    /// (docs/formulas.md#bred-vectors).
    case bredVector = "bred-vector"
    /// The correlated spherical seed noise alone (no breeding).
    case seedNoise = "seed-noise"
    /// Uncorrelated Gaussian noise per grid point.
    case gaussian
    /// No perturbation: every member starts from the analysis (model spread only).
    case none
}

/// What `hens forecast` runs (keys of `configs/forecast-*.yaml`; command-line options override).
///
/// ```yaml
/// checkpoints: [../runs/demo/checkpoints/seed-1/checkpoint.nc]   # files, or hens train folders (all seeds); relative to the file
/// dataset: ../runs/demo/dataset     # analyses (and, for `hens evaluate`, the truth)
/// init: test                        # a split name, or dates: 2023-06-01T00..2023-06-10T00/24h
/// init_count: 2                     # with a split name: initial states spread evenly over it
/// init_history: 0                   # …among those with this many earlier analyses (at least the breeding cycles)
/// members: 16                       # total, all checkpoints (controls + perturbed)
/// control: once                     # none | once | per-checkpoint
/// pairing: pairs                    # pairs (centred ±) | independent
/// perturbation: bred-vector         # bred-vector | seed-noise | gaussian | none
/// seed: 1                           # base seed (member seeds: base seed, initial time, member)
/// steps: 20                         # model steps rolled out
/// output_every: 1                   # write every k-th step (lead 0, the initial state, always)
/// channels: []                      # output channels (model or derived); empty: all model channels
/// thresholds: {geopotential: [1e5]} # exceedance counts in the summary
/// crop: none                        # or "south,north,west,east" in degrees
/// write_members: true               # member fields (false: summary only)
/// deflate_level: 1                  # member files: 1…9 or none
/// significant_digits: none          # lossy quantisation of member files, 1…7
/// quantization: bitgroom            # bitgroom | granular-bitround
/// batch_size: auto                  # members per SFNO call, or auto (from memory)
/// memory: 4GiB                      # budget for auto batch size
/// breeding_cycles: 3                # bred vectors: K
/// band_latitude: 20                 # hemispheric bands poleward of ±this; linear in between
/// amplitude_factor: 0.35            # τ_c = factor × deterministic RMSE at skill_lead
/// skill: skill.json                 # from `hens skill` (or give amplitudes)
/// skill_lead: 48h
/// amplitudes: {}                    # explicit τ per channel, physical units (instead of skill)
/// seed_channels: [geopotential]     # channels the seed noise perturbs (HENS: z500); [] = all
/// length_scale: 500km               # seed-noise correlation length
/// non_negative: []                  # channels clipped at 0 after perturbing (q, tcwv…)
/// noise_scale: 1                    # stochastic checkpoints: × their noise channels (0 = noise-free)
/// model_error: none                 # a `hens calibrate` file: per-step stochastic forcing
/// model_error_scale: 1              # × the calibrated forcing amplitudes
/// ```
public struct ForecastConfig: Sendable, Equatable {
    /// Checkpoint files (resolved paths), one model each.
    public var checkpoints: [String]
    /// Dataset folder holding the analyses.
    public var dataset: String
    /// `init`: a split name or ISO dates `A..B/STEP`.
    public var initialTimes: String
    /// Initial times drawn from a split.
    public var initCount: Int
    /// Earlier analyses every initial state drawn from a split must have (at least the breeding
    /// cycles'): the same value gives runs with and without breeding the same initial times.
    public var initHistory: Int
    /// Total members (controls + perturbed, all checkpoints).
    public var members: Int
    /// Unperturbed control members.
    public var control: ControlMember
    /// Centred ± pairs or independent perturbations.
    public var pairing: PerturbationPairing
    /// How initial states are perturbed.
    public var perturbation: PerturbationMethod
    /// Base seed of the member seeds.
    public var seed: UInt64
    /// Model steps rolled out.
    public var steps: Int
    /// Steps between written leads.
    public var outputEvery: Int
    /// Output channels (model or derived); empty: all model channels.
    public var channels: [String]
    /// Exceedance thresholds per output channel.
    public var thresholds: [String: [Double]]
    /// South, north, west, east in degrees, or nil for the whole grid.
    public var crop: [Double]?
    /// Whether member fields are written (else the summary only).
    public var writeMembers: Bool
    /// Deflate level of member files (nil: none).
    public var deflateLevel: Int?
    /// Lossy quantisation of member files (nil: lossless).
    public var significantDigits: Int?
    /// `bitgroom` or `granular-bitround`.
    public var quantization: String
    /// Members per SFNO call (nil: from `memoryBytes`).
    public var batchSize: Int?
    /// Budget for the automatic batch size, bytes.
    public var memoryBytes: Int
    /// Bred-vector cycles K.
    public var breedingCycles: Int
    /// Latitude of the hemispheric bands' equatorward edge, degrees.
    public var bandLatitude: Double
    /// τ_c = factor × deterministic RMSE at `skillLeadHours`.
    public var amplitudeFactor: Double
    /// Skill file from `hens skill`.
    public var skill: String?
    /// Lead of the RMSE that sets τ_c, hours.
    public var skillLeadHours: Double
    /// Explicit τ per channel, physical units (override the skill file).
    public var amplitudes: [String: Double]
    /// Channels the seed noise perturbs; empty: all.
    public var seedChannels: [String]
    /// Seed-noise correlation length, metres.
    public var lengthScale: Double
    /// Channels clipped at 0 after perturbing.
    public var nonNegative: [String]
    /// Factor on a stochastic checkpoint's noise channels (1 = as trained, 0 = noise-free).
    public var noiseScale: Double
    /// A `hens calibrate` model-error file (resolved path): per-step stochastic forcing.
    public var modelError: String?
    /// Factor on the calibrated forcing amplitudes.
    public var modelErrorScale: Double
    /// The configuration as run (YAML), for provenance and resume checks.
    public var text: String

    /// Reads a configuration document; relative paths are resolved against `baseDirectory`
    /// (the config file's folder). Unknown keys are refused.
    public init(_ doc: inout ConfigDocument, baseDirectory: String) throws {
        func resolve(_ path: String) -> String { ConfigDocument.resolve(path, relativeTo: baseDirectory) }
        let source = doc.source
        checkpoints = try CheckpointFolder.expand(doc.strings("checkpoints").map(resolve))
        dataset = resolve(try doc.string("dataset"))
        initialTimes = try doc.string("init", default: "test")
        initCount = try doc.integer("init_count", default: 1)
        initHistory = try doc.integer("init_history", default: 0)
        members = try doc.integer("members", default: 2)
        control = try Self.choice(doc.string("control", default: "none"), "control", source)
        pairing = try Self.choice(doc.string("pairing", default: "pairs"), "pairing", source)
        perturbation = try Self.choice(doc.string("perturbation", default: "bred-vector"), "perturbation", source)
        let seedText = try doc.string("seed", default: "1")
        guard let s = UInt64(seedText) else { throw HensError.invalid("\(source): seed", "a non-negative integer, got '\(seedText)'") }
        seed = s
        steps = try doc.integer("steps", default: 20)
        outputEvery = try doc.integer("output_every", default: 1)
        channels = try doc.strings("channels", default: [])
        thresholds = try doc.numberListMap("thresholds", default: [:])
        crop = try Self.crop(doc.string("crop", default: "none"), source)
        writeMembers = try doc.boolean("write_members", default: true)
        deflateLevel = try Self.optionalInteger(doc.string("deflate_level", default: "1"), "deflate_level", source)
        significantDigits = try Self.optionalInteger(doc.string("significant_digits", default: "none"), "significant_digits", source)
        quantization = try doc.string("quantization", default: "bitgroom")
        batchSize = try Self.optionalInteger(doc.string("batch_size", default: "auto"), "batch_size", source, none: "auto")
        let memoryText = try doc.string("memory", default: "4GiB")
        guard let bytes = ByteCount.parse(memoryText) else {
            throw HensError.invalid("\(source): memory", "a size such as 512MiB or 8GiB, got '\(memoryText)'")
        }
        memoryBytes = bytes
        breedingCycles = try doc.integer("breeding_cycles", default: 3)
        bandLatitude = try doc.number("band_latitude", default: 20)
        amplitudeFactor = try doc.number("amplitude_factor", default: 0.35)
        skill = try doc.has("skill") ? resolve(doc.string("skill")) : nil
        skillLeadHours = try doc.duration("skill_lead", default: 48 * 3600) / 3600
        amplitudes = try doc.stringMap("amplitudes", default: [:]).mapValues { text in
            guard let v = Double(text) else { throw HensError.invalid("\(source): amplitudes", "numbers, got '\(text)'") }
            return v
        }
        seedChannels = try doc.strings("seed_channels", default: [])
        lengthScale = try doc.length("length_scale", default: 500_000)
        nonNegative = try doc.strings("non_negative", default: [])
        noiseScale = try doc.number("noise_scale", default: 1)
        let modelErrorText = try doc.string("model_error", default: "none")
        modelError = modelErrorText == "none" ? nil : resolve(modelErrorText)
        modelErrorScale = try doc.number("model_error_scale", default: 1)
        for (key, value) in [("noise_scale", noiseScale), ("model_error_scale", modelErrorScale)]
        where !(value >= 0 && value <= Self.maximumNoiseScale) {
            throw HensError.invalid(doc.label(key), "a factor between 0 and \(Int(Self.maximumNoiseScale)), got \(value)")
        }
        try doc.rejectUnknownKeys()
        text = doc.yamlText()
        try validate(source)
        try checkLimits(label: doc.label)
    }

    /// Sizes beyond the documented maxima, refused in O(1) before anything is allocated; the
    /// message names the option when one set the key.
    private func checkLimits(label: (String) -> String) throws {
        for (key, value, limit) in [("members", members, Self.maximumMembers), ("steps", steps, Self.maximumSteps),
                                    ("init_count", initCount, Self.maximumInitialTimes), ("breeding_cycles", breedingCycles, Self.maximumBreedingCycles)]
        where value > limit {
            throw HensError.invalid(label(key), "at most \(limit), got \(value)\(key == "members" ? " (split larger ensembles into runs with other seeds)" : "")")
        }
    }

    private func validate(_ source: String) throws {
        guard !checkpoints.isEmpty else { throw HensError.invalid("\(source): checkpoints", "at least one checkpoint") }
        guard initCount >= 1 else { throw HensError.invalid("\(source): init_count", "at least 1, got \(initCount)") }
        guard initHistory >= 0, initHistory <= Self.maximumBreedingCycles else {
            throw HensError.invalid("\(source): init_history", "0…\(Self.maximumBreedingCycles) analyses, got \(initHistory)")
        }
        guard steps >= 1 else { throw HensError.invalid("\(source): steps", "at least 1, got \(steps)") }
        guard outputEvery >= 1 else { throw HensError.invalid("\(source): output_every", "at least 1, got \(outputEvery)") }
        if let d = deflateLevel, !(1...9).contains(d) {
            throw HensError.invalid("\(source): deflate_level", "1…9 or none, got \(d)")
        }
        if let d = significantDigits, !(1...7).contains(d) {
            throw HensError.invalid("\(source): significant_digits", "1…7 or none, got \(d)")
        }
        guard ["bitgroom", "granular-bitround"].contains(quantization) else {
            throw HensError.invalid("\(source): quantization", "bitgroom or granular-bitround, got '\(quantization)'")
        }
        if let b = batchSize, b < 1 { throw HensError.invalid("\(source): batch_size", "at least 1 or auto, got \(b)") }
        guard breedingCycles >= 1 else { throw HensError.invalid("\(source): breeding_cycles", "at least 1, got \(breedingCycles)") }
        guard bandLatitude > 0, bandLatitude < 90 else {
            throw HensError.invalid("\(source): band_latitude", "between 0 and 90 degrees, got \(bandLatitude)")
        }
        guard amplitudeFactor > 0 else { throw HensError.invalid("\(source): amplitude_factor", "positive, got \(amplitudeFactor)") }
        guard members >= 1 else { throw HensError.invalid("\(source): members", "at least 1, got \(members)") }
    }

    /// The most members of one run: 2²⁰, 140 times HENS' 7,424. A run's member lists and batch
    /// plans hold one integer per member, so this bound also bounds them.
    public static let maximumMembers = 1 << 20
    /// The most model steps of one forecast (11 years of 1-hour steps).
    public static let maximumSteps = 100_000
    /// The most initial times of one run.
    public static let maximumInitialTimes = 100_000
    /// The most breeding cycles.
    public static let maximumBreedingCycles = 1_000
    /// The largest `noise_scale` and `model_error_scale` (noise far beyond what a model was
    /// trained or calibrated with only makes it diverge).
    public static let maximumNoiseScale = 100.0

    /// Output leads in model steps: 0, k, 2k, … up to `steps` (always including the last step).
    public var outputSteps: [Int] {
        var out = Array(stride(from: 0, through: steps, by: outputEvery))
        if out.last != steps { out.append(steps) }
        return out
    }

    /// Whether the perturbation needs per-channel amplitudes τ_c.
    public var needsAmplitudes: Bool { perturbation != .none }

    static func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ key: String, _ source: String) throws -> T where T.RawValue == String {
        guard let v = T(rawValue: text) else {
            throw HensError.invalid("\(source): \(key)", "one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return v
    }

    static func optionalInteger(_ text: String, _ key: String, _ source: String, none: String = "none") throws -> Int? {
        if text == none || text == "none" || text == "null" || text == "<null>" { return nil }
        guard let v = Int(text) else { throw HensError.invalid("\(source): \(key)", "an integer or \(none), got '\(text)'") }
        return v
    }

    /// `south,north,west,east` in degrees, or nil for `none`.
    static func crop(_ text: String, _ source: String) throws -> [Double]? {
        if text == "none" || text.isEmpty { return nil }
        let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 4, values[0] <= values[1] else {
            throw HensError.invalid("\(source): crop", "'south,north,west,east' in degrees with south ≤ north, got '\(text)'")
        }
        return values
    }
}
