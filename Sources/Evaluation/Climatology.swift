import DatasetIO
import Foundation
import HensCore
import Scores

/// The climatological baseline from a dataset split (the training split by default): per point
/// and channel the mean (the deterministic climatology forecast and the ACC reference),
/// percentiles (event thresholds such as p90, tail thresholds such as p95/p99) and a
/// climatological ensemble (evenly spaced samples, scored like a forecast for the CRPSS).
///
/// For data with absolute times the climatology is per time of year: only samples within
/// ± `windowDays` of the valid time's day of year (any year) are used, or all of them when the
/// window holds fewer than 10. The shallow-water data has no seasons: one climatology.
public final class Climatology {
    /// Statistics of one set of samples.
    public struct Reference {
        /// Mean, `[channel][point]`.
        public var mean: [Float]
        /// Percentiles, `[level][channel][point]` (levels in `Climatology.levels`, NumPy "linear").
        public var percentiles: [Float]
        /// Climatological ensemble, `[channel][member][point]`.
        public var ensemble: [Float]
        /// Members of `ensemble`.
        public var ensembleSize: Int
        /// Samples the statistics come from.
        public var sampleCount: Int
    }

    /// Percentile levels in percent (e.g. 90, 95, 99).
    public let levels: [Double]
    /// Channels, as in the truth fields.
    public let channels: [String]
    /// Points per field.
    public let pointCount: Int
    /// The split the samples come from.
    public let split: String
    private let samples: [[Float]]
    private let dayOfYear: [Double?]
    private let hourOfDay: [Double?]
    private let windowDays: Double
    private let ensembleSize: Int
    private var cache: [Int: Reference] = [:]
    private let lock = NSLock()

    /// Loads up to `maxSamples` evenly spaced analyses of `split` through `truth`.
    public init(truth: TruthFields, split: String = "train", levels: [Double], maxSamples: Int = 500,
                windowDays: Double = 15, ensembleSize: Int = 50) throws {
        let all = truth.archive.locations(split: split)
        guard !all.isEmpty else {
            throw HensError(.badInput, "\(truth.archive.directory): no '\(split)' split for the climatology (needed for baselines and event thresholds)")
        }
        let stride = max(1, Int((Double(all.count) / Double(max(1, maxSamples))).rounded(.up)))
        let chosen = Swift.stride(from: 0, to: all.count, by: stride).map { all[$0] }
        samples = try chosen.map { try truth.fields(at: $0) }
        let seconds = chosen.map { truth.archive.seconds(of: $0) }
        dayOfYear = seconds.map { $0.map(Self.dayOfYear) }
        hourOfDay = seconds.map { $0.map(Self.hourOfDay) }
        self.levels = levels
        self.windowDays = windowDays
        self.ensembleSize = ensembleSize
        channels = truth.channels
        pointCount = truth.pointCount
        self.split = split
    }

    /// The climatology for a valid time (seconds since 1970; nil for data without seasons).
    public func reference(validSeconds: Double?) -> Reference {
        var chosen = Array(samples.indices)
        var key = -1
        if let t = validSeconds, dayOfYear.allSatisfy({ $0 != nil }) {
            let selected = Self.select(days: dayOfYear.map { $0! }, hours: hourOfDay.map { $0! }, day: Self.dayOfYear(t),
                                       hour: Self.hourOfDay(t), windowDays: windowDays)
            if let selected {
                chosen = selected.indices
                key = selected.key
            }
        }
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[key] { return cached }
        let reference = statistics(of: chosen)
        cache[key] = reference
        return reference
    }

    /// The samples of the valid time's season: within ± `windowDays` of its day of the year and,
    /// when that still leaves 10, at its hour of the day (the diurnal cycle is part of the
    /// climate, as in WeatherBench 2's climatology by day of year and hour); nil when the window
    /// holds fewer than 10 samples (then every sample is used). `key` names the selection for caching.
    static func select(days: [Double], hours: [Double], day: Double, hour: Double, windowDays: Double) -> (indices: [Int], key: Int)? {
        let near = days.indices.filter {
            let d = abs(days[$0] - day)
            return min(d, 365.2425 - d) <= windowDays
        }
        guard near.count >= 10 else { return nil }
        let sameHour = near.filter { abs(hours[$0] - hour) < 1e-6 }
        let dayKey = Int(day.rounded()) * 100
        return sameHour.count >= 10 ? (sameHour, dayKey + Int(hour.rounded())) : (near, dayKey + 99)
    }

    /// Hour of the day in [0, 24) of `seconds` since 1970.
    static func hourOfDay(_ seconds: Double) -> Double {
        let h = (seconds / 3600).truncatingRemainder(dividingBy: 24)
        return h < 0 ? h + 24 : h
    }

    /// Fractional day of the tropical year in [0, 365.2425) of `seconds` since 1970 (also before 1970).
    static func dayOfYear(_ seconds: Double) -> Double {
        let year = 365.2425
        let d = (seconds / 86_400).truncatingRemainder(dividingBy: year)
        return d < 0 ? d + year : d
    }

    private func statistics(of chosen: [Int]) -> Reference {
        let c = channels.count, n = pointCount, s = chosen.count
        var mean = [Float](repeating: 0, count: c * n)
        var percentiles = [Float](repeating: 0, count: levels.count * c * n)
        let k = min(ensembleSize, s)
        let members = (0..<k).map { chosen[$0 * s / k] }
        var ensemble = [Float](repeating: 0, count: c * k * n)
        for ch in 0..<c {
            for (j, sample) in members.enumerated() {
                for p in 0..<n { ensemble[(ch * k + j) * n + p] = samples[sample][ch * n + p] }
            }
        }
        // Member-major copies per channel, so the percentiles share ModelClimateBuilder's kernel.
        var pool = [Float](repeating: 0, count: s * n)
        var levelsOut = [Float](repeating: 0, count: levels.count * n)
        for ch in 0..<c {
            for (j, sample) in chosen.enumerated() {
                for p in 0..<n { pool[j * n + p] = samples[sample][ch * n + p] }
            }
            for p in 0..<n {
                var sum = 0.0
                for j in 0..<s { sum += Double(pool[j * n + p]) }
                mean[ch * n + p] = Float(sum / Double(s))
            }
            pool.withUnsafeBufferPointer { poolBuffer in
                levelsOut.withUnsafeMutableBufferPointer { out in
                    PointPercentiles.compute(pool: poolBuffer, samples: s, points: n, levels: levels, into: out)
                }
            }
            for l in levels.indices { for p in 0..<n { percentiles[(l * c + ch) * n + p] = levelsOut[l * n + p] } }
        }
        return Reference(mean: mean, percentiles: percentiles, ensemble: ensemble, ensembleSize: k, sampleCount: s)
    }
}
