import Scores
import Config
import Foundation
import HensCore

extension EvaluationOptions {
    /// A positive memory size such as 512MiB or 8GiB; `key` names the option in the error.
    public static func memoryBytes(_ text: String, key: String) throws -> Int {
        guard let bytes = ByteCount.parse(text), bytes > 0 else {
            throw HensError.invalid(key, "a size such as 512MiB or 8GiB, got '\(text)'")
        }
        return bytes
    }

    /// The most bootstrap replicates: resampling error falls as 1/√R, and 10⁵ replicates already
    /// put it far below any score difference worth reporting.
    public static let maximumReplicates = 100_000
    /// The most members a bootstrap size, spectrum or climatology may ask for (the forecast's own cap).
    public static let maximumBootstrapSize = 1 << 20
    /// The most climatology samples.
    public static let maximumClimatologySamples = 1_000_000

    /// Reads the options of an evaluation configuration (YAML; see `configs/evaluate-swe-small.yaml`).
    /// Keys: `channels`, `lat_weights` (cos, area, gauss), `events` (channel → thresholds such as
    /// `[20, p99]`), `default_events`, `tails`, `mclimate`, `bootstrap_sizes`,
    /// `bootstrap_replicates`, `bootstrap_leads` (or `none`), `seed`, `allow_partial`, `spectra`,
    /// `spectrum_members`, `zonal_band` (`south,north` in degrees, mirrored to both hemispheres),
    /// `climatology_split`, `climatology_samples`, `climatology_window` (days),
    /// `climatology_members`, `memory` (e.g. 2GiB: members are read in latitude tiles within
    /// it). `forecast` and `dataset` are read by the caller.
    /// - Parameter resolve: makes a path in the file absolute (relative to the file).
    public init(_ doc: inout ConfigDocument, resolve: (String) -> String) throws {
        self.init()
        let source = doc.source
        let document = doc
        // An option's error names the option (--lat-weights), a file's the file and its key.
        func label(_ key: String) -> String { document.label(key) }
        channels = try doc.strings("channels", default: [])
        let weights = try doc.string("lat_weights", default: weighting.rawValue)
        guard let w = LatitudeWeighting(rawValue: weights) else {
            throw HensError.invalid(label("lat_weights"), "one of \(LatitudeWeighting.allCases.map(\.rawValue).joined(separator: ", ")), got '\(weights)'")
        }
        weighting = w
        // Each list's errors name its own key (or option), not the events key.
        func thresholds(_ texts: [String], _ key: String) throws -> [EventThreshold] {
            try texts.map { text in
                do { return try EventThreshold(text) } catch {
                    throw HensError.invalid(label(key), "thresholds such as 20 or climatological percentiles such as p90, got '\(text)'")
                }
            }
        }
        events = try doc.stringListMap("events", default: [:]).mapValues { try thresholds($0, "events") }
        defaultEvents = try thresholds(doc.strings("default_events", default: defaultEvents.map(\.description)), "default_events")
        tailPercentiles = try thresholds(doc.strings("tails", default: tailPercentiles.map { "p" + EventThreshold.format($0) }), "tails").map {
            guard case let .percentile(p) = $0 else {
                throw HensError.invalid(label("tails"), "climatological percentiles such as p95, got '\($0)'")
            }
            return p
        }
        if doc.has("mclimate") { modelClimate = resolve(try doc.string("mclimate")) }
        bootstrapSizes = try doc.strings("bootstrap_sizes", default: bootstrapSizes.map(String.init)).map {
            guard let n = Int($0), n >= 2 else { throw HensError.invalid(label("bootstrap_sizes"), "integers ≥ 2, got '\($0)'") }
            return n
        }
        bootstrapReplicates = try doc.integer("bootstrap_replicates", default: bootstrapReplicates)
        if doc.has("bootstrap_leads") {
            let leads = try doc.strings("bootstrap_leads")
            bootstrapLeads = leads == ["none"] ? [] : try leads.map {
                guard let n = Int($0), n >= 0 else { throw HensError.invalid(label("bootstrap_leads"), "lead indices ≥ 0 or none, got '\($0)'") }
                return n
            }
        }
        let seedText = try doc.string("seed", default: String(seed))
        guard let s = UInt64(seedText) else { throw HensError.invalid(label("seed"), "a non-negative integer, got '\(seedText)'") }
        seed = s
        allowPartial = try doc.boolean("allow_partial", default: allowPartial)
        spectra = try doc.boolean("spectra", default: spectra)
        spectrumMembers = try doc.integer("spectrum_members", default: spectrumMembers)
        if doc.has("zonal_band") {
            let band = try doc.strings("zonal_band").compactMap(Double.init)
            guard band.count == 2, band[0] >= 0, band[0] < band[1], band[1] <= 90 else {
                throw HensError.invalid(label("zonal_band"), "[south, north] in degrees with 0 ≤ south < north ≤ 90")
            }
            zonalBand = LatitudeBand(name: "zonal \(EventThreshold.format(band[0]))-\(EventThreshold.format(band[1]))",
                                     south: band[0], north: band[1], mirrored: true)
        }
        climatologySplit = try doc.string("climatology_split", default: climatologySplit)
        climatologySamples = try doc.integer("climatology_samples", default: climatologySamples)
        climatologyWindowDays = try doc.number("climatology_window", default: climatologyWindowDays)
        climatologyMembers = try doc.integer("climatology_members", default: climatologyMembers)
        memoryBytes = try Self.memoryBytes(doc.string("memory", default: "2GiB"), key: label("memory"))
        guard (2...Self.maximumReplicates).contains(bootstrapReplicates) else {
            throw HensError.invalid(label("bootstrap_replicates"), "2…\(Self.maximumReplicates), got \(bootstrapReplicates)")
        }
        for size in bootstrapSizes where size > Self.maximumBootstrapSize {
            throw HensError.invalid(label("bootstrap_sizes"), "at most \(Self.maximumBootstrapSize) members, got \(size)")
        }
        guard (1...Self.maximumBootstrapSize).contains(spectrumMembers), climatologySamples <= Self.maximumClimatologySamples,
              climatologyMembers <= Self.maximumBootstrapSize else {
            throw HensError.invalid(source, "spectrum_members and climatology_members at most \(Self.maximumBootstrapSize), "
                                    + "climatology_samples at most \(Self.maximumClimatologySamples)")
        }
        guard spectrumMembers >= 1, climatologySamples >= 2, climatologyMembers >= 2 else {
            throw HensError.invalid(source, "spectrum_members ≥ 1, climatology_samples ≥ 2 and climatology_members ≥ 2")
        }
    }
}
