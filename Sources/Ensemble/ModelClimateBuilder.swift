import Scores
import DatasetIO
import Foundation
import HensCore

/// `hens mclimate`: the emulator's own climate, from reforecasts (HENS' M-climate: the control
/// plus a few ± bred-vector pairs on several checkpoints, started from many initial times of
/// the dataset's `climate` split), pooled per lead and reduced to percentiles 0…100 per point.
///
/// The reforecasts run in memory (nothing but the percentiles is written); for data with dates
/// only initial times within ± `windowDays` of the target calendar day (any year) are pooled,
/// as ECMWF pools its re-forecasts around the forecast date.
public enum ModelClimateBuilder {
    /// What a build did.
    public struct RunTotals: Sendable {
        /// Initial times pooled.
        public var initialTimes: [String]
        /// Members per initial time.
        public var members: Int
        /// Values pooled per point and lead.
        public var samples: Int
        /// Seconds spent.
        public var seconds: Double
    }

    /// The initial times to pool: the configuration's split (never `test`), restricted to a
    /// calendar window around `day` (month, day) when given, then `initCount` spread evenly.
    public static func initialTimes(_ forecast: EnsembleForecast, day: (month: Int, day: Int)?, windowDays: Double) throws -> [InitialTime] {
        let config = forecast.config
        guard windowDays.isFinite, (0...183).contains(windowDays) else {
            throw HensError.invalid("--window-days", "0…183 days (half a year either side covers every day), got \(windowDays)")
        }
        guard config.initialTimes != "test" else {
            throw HensError.invalid("init", "a split other than test for the model climate (it would see the verifying cases); use climate")
        }
        guard let day else { return try forecast.initialTimes() }
        guard forecast.archive.hasAbsoluteTimes else {
            throw HensError.invalid("--date", "a dataset with dates (from hens ingest); the shallow-water data has no seasons")
        }
        let all = try forecast.archive.initialTimes(config.initialTimes, count: Int.max, history: forecast.perturbations.history,
                                                    future: config.steps)
        let units = try CFTimeUnits("seconds since 1970-01-01", calendar: .standard)
        let target = Double(dayOfYear(month: day.month, day: day.day))
        let near = all.filter { initial in
            guard let seconds = forecast.archive.seconds(of: initial.location) else { return false }
            let date = units.date(seconds: seconds)
            let d = abs(Double(dayOfYear(month: date.month, day: date.day)) - target)
            return min(d, 365 - d) <= windowDays
        }
        guard !near.isEmpty else {
            throw HensError(.badInput, "\(config.dataset): no initial time of split '\(config.initialTimes)' within ±\(windowDays) days of "
                + String(format: "%02d-%02d", day.month, day.day))
        }
        let n = min(config.initCount, near.count)
        return (0..<n).map { near[(2 * $0 + 1) * near.count / (2 * n)] }
    }

    /// Day of the year (1…365) of a month and day in a non-leap year.
    static func dayOfYear(month: Int, day: Int) -> Int {
        let starts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return starts[max(0, min(11, month - 1))] + day
    }

    /// Runs the reforecasts of `initials` and writes the percentiles to `output` atomically.
    /// - Throws: when the pooled values would not fit in `config.memory`.
    public static func build(_ forecast: EnsembleForecast, initials: [InitialTime], output: String, attributes: [String: String] = [:],
                             progress: ((Int) -> Void)? = nil) throws -> RunTotals {
        let clock = Stopwatch()
        guard let first = initials.first else { throw HensError(.badInput, "no initial times for the model climate") }
        let layout = forecast.outputLayout(first)
        let memberCount = try forecast.memberLayout(first).memberCount
        let leads = layout.leads.count, channels = layout.channels.count, points = layout.fieldCount
        let samples = initials.count * memberCount
        let bytes = SizeEstimate.product(leads, channels, points, samples, 4)
        guard bytes <= Int64(forecast.config.memoryBytes) else {
            throw HensError.invalid("memory", "at least \(DiskSpace.format(bytes)) to pool \(samples) values × \(leads) leads × "
                + "\(channels) channels × \(points) points; raise memory, or use fewer initial times, members or leads")
        }
        // Pooled values, [lead][channel][sample][point]: members arrive as whole fields.
        var pooled = [Float](repeating: 0, count: leads * channels * samples * points)
        for (i, initial) in initials.enumerated() {
            let all = Array(0..<memberCount)
            try pooled.withUnsafeMutableBufferPointer { pool in
                try forecast.rollOut(initial, members: all, progress: progress) { members, lead, outputs in
                    for (slot, member) in members.enumerated() {
                        let sample = i * memberCount + member
                        for c in 0..<channels {
                            let target = ((lead * channels + c) * samples + sample) * points
                            (pool.baseAddress! + target).update(from: outputs + (slot * channels + c) * points, count: points)
                        }
                    }
                }
            }
        }
        var globals = attributes
        globals["initial_times"] = initials.map(\.label).joined(separator: " ")
        globals["members_per_initial_time"] = String(memberCount)
        globals["samples_per_point"] = String(samples)
        globals["checkpoints"] = forecast.config.checkpoints.joined(separator: "\n")
        globals["split"] = forecast.config.initialTimes
        globals["config"] = forecast.config.text
        let levels = (0...100).map(Double.init)
        let writer = try ModelClimateWriter(
            path: output,
            layout: ModelClimateLayout(channels: layout.channels, latitudes: layout.latitudes, longitudes: layout.longitudes,
                                       leads: layout.leads, percentiles: levels),
            attributes: globals)
        do {
            var percentiles = [Float](repeating: 0, count: levels.count * points)
            for lead in 0..<leads {
                for c in 0..<channels {
                    let base = (lead * channels + c) * samples * points
                    pooled.withUnsafeBufferPointer { pool in
                        percentiles.withUnsafeMutableBufferPointer { out in
                            PointPercentiles.compute(pool: UnsafeBufferPointer(rebasing: pool[base..<(base + samples * points)]), samples: samples,
                                             points: points, levels: levels, into: out)
                        }
                    }
                    try percentiles.withUnsafeBufferPointer { try writer.write(channel: c, lead: lead, percentiles: $0) }
                }
            }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
        return RunTotals(initialTimes: initials.map(\.label), members: memberCount, samples: samples, seconds: clock.seconds)
    }
}
