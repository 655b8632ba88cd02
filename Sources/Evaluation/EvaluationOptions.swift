import Scores
import Foundation
import HensCore

/// A binary event's threshold: a fixed value in the channel's units, or a climatological
/// percentile of the baseline split per point (and time of year, for real data).
public enum EventThreshold: Equatable, Sendable, CustomStringConvertible {
    /// `value > x`.
    case value(Double)
    /// `value > the p-th climatological percentile` at the point.
    case percentile(Double)

    /// Parses `p90` / `p99.9` (percentiles) or a number.
    public init(_ text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased().hasPrefix("p"), let p = Double(t.dropFirst()), p > 0, p < 100 {
            self = .percentile(p)
        } else if let v = Double(t) {
            self = .value(v)
        } else {
            throw HensError.invalid("events", "a threshold such as 20 or a climatological percentile such as p90, got '\(text)'")
        }
    }

    /// The event named by a label of `description` (`p90`, `gt20`), or nil for another text.
    public init?(label: String) {
        if label.hasPrefix("gt"), let v = Double(label.dropFirst(2)) {
            self = .value(v)
        } else if label.hasPrefix("p"), let p = Double(label.dropFirst()) {
            self = .percentile(p)
        } else {
            return nil
        }
    }

    /// Label used in score names: `p90`, `gt20`.
    public var description: String {
        switch self {
        case let .percentile(p): return "p" + Self.format(p)
        case let .value(v): return "gt" + Self.format(v)
        }
    }

    /// A threshold as written in labels: integers without a decimal point (`20`, not `20.0`).
    public static func format(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}

/// Everything `hens evaluate` can be asked to do, with the defaults of a demanding user.
public struct EvaluationOptions: Sendable {
    /// Channels to score (empty: every channel of the ensemble).
    public var channels: [String] = []
    /// Latitude weighting of spatial means.
    public var weighting: LatitudeWeighting = .cos
    /// Bands to average over.
    public var bands: [LatitudeBand] = LatitudeBand.standard
    /// Events for Brier score, reliability and ROC, per channel; channels not listed get `defaultEvents`.
    public var events: [String: [EventThreshold]] = [:]
    /// Events of channels without their own list.
    public var defaultEvents: [EventThreshold] = [.percentile(90), .percentile(99)]
    /// Climatological percentiles used as thresholds of the threshold- and outcome-weighted CRPS.
    public var tailPercentiles: [Double] = [95, 99]
    /// Model-climate file for EFI and SOT (from `hens mclimate`), or nil.
    public var modelClimate: String?
    /// Ensemble sizes for the bootstrap of scores against ensemble size (sizes above m are dropped; m is always added).
    public var bootstrapSizes: [Int] = [10, 50, 100, 500, 1000]
    /// Replicates per size.
    public var bootstrapReplicates: Int = 100
    /// Lead indices bootstrapped (nil: the last lead only; empty: no bootstrap).
    public var bootstrapLeads: [Int]? = nil
    /// Seed of rank tie-breaks and bootstraps.
    public var seed: UInt64 = 0
    /// Score runs with missing members instead of refusing.
    public var allowPartial: Bool = false
    /// Compute angular (SHT) and zonal spectra.
    public var spectra: Bool = true
    /// Members whose spectra are averaged (evenly spaced) — spectra cost one SHT per member field.
    public var spectrumMembers: Int = 50
    /// Band of the zonal energy spectrum.
    public var zonalBand: LatitudeBand = .midLatitudes
    /// Split the climatology comes from.
    public var climatologySplit: String = "train"
    /// Samples of the climatology split used at most (evenly spaced).
    public var climatologySamples: Int = 500
    /// Half-width in days of the time-of-year window of the climatology (data with dates).
    public var climatologyWindowDays: Double = 15
    /// Members of the climatological ensemble (the CRPSS reference).
    public var climatologyMembers: Int = 50
    /// Memory for member values in flight: fields are read in latitude tiles of at most half of it.
    public var memoryBytes: Int = 2 << 30
    /// Bin edges of the truth's z-score (y − x̄)/s for the members-above-truth diagnostic.
    public var zScoreEdges: [Double] = [-4, -3, -2, -1, 0, 1, 2, 3, 4]

    /// Defaults.
    public init() {}

    /// The events of a channel.
    public func events(for channel: String) -> [EventThreshold] { events[channel] ?? defaultEvents }

    /// Every climatological percentile the options need (events and tails), sorted.
    public func climatologyLevels(channels: [String]) -> [Double] {
        var levels = Set(tailPercentiles)
        for c in channels { for case let .percentile(p) in events(for: c) { levels.insert(p) } }
        return levels.sorted()
    }
}
