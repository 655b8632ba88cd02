import Foundation
import HensCore

/// Where an analysis lives in a canonical dataset: split, trajectory and time index.
public struct AnalysisLocation: Equatable, Hashable, Sendable {
    /// A location.
    public init(split: String, trajectory: Int, timeIndex: Int) {
        self.split = split
        self.trajectory = trajectory
        self.timeIndex = timeIndex
    }

    /// Split name (`train`, `valid`, `test`, `climate`).
    public var split: String
    /// Trajectory within the split.
    public var trajectory: Int
    /// Time index within the trajectory.
    public var timeIndex: Int
}

/// One initial time of a forecast: its label (a file-name-safe folder name), where its
/// analysis is, and its time for the output files.
public struct InitialTime: Equatable, Sendable {
    /// Folder name, e.g. `2017-01-02T00` or `test-2-h048`.
    public var label: String
    /// The analysis at the initial time.
    public var location: AnalysisLocation
    /// The initial time in `timeUnits` (CF).
    public var time: Double
    /// CF units of `time`.
    public var timeUnits: String
    /// CF calendar.
    public var calendar: String

    /// A stable 64-bit key of the initial time for member seeds (FNV-1a of the label), so seeds
    /// depend only on (base seed, initial time, member).
    public var seedKey: Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: h)
    }
}

/// The analyses of a canonical dataset (all splits), addressed by location or, for ingested
/// real data, by absolute time — so breeding cycles can reach back across split boundaries.
///
/// Absolute times exist when the splits carry `trajectory_starts` (ISO start of every
/// trajectory, written by `hens ingest`); the shallow-water data has none (its trajectories are
/// independent runs), so its initial times are chosen by split and its breeding cycles stay
/// inside one trajectory.
public final class AnalysisArchive {
    /// The dataset folder.
    public let directory: String
    /// Open split readers by name.
    public let splits: [String: DatasetSplitReader]
    /// Channel names (every split has the same).
    public let channels: [String]
    /// Channel descriptions.
    public let channelInfo: [ChannelInfo]
    /// Latitudes, north first.
    public let latitudes: [Double]
    /// Longitudes, increasing.
    public let longitudes: [Double]
    /// Time between consecutive analyses, hours (the model step).
    public let stepHours: Double
    /// Absolute time (seconds since 1970 in the calendar) → location, when known.
    private var byTime: [Int64: AnalysisLocation] = [:]
    private var timeOf: [AnalysisLocation: Double] = [:]
    private let isoUnits: CFTimeUnits?

    /// Opens every split present in `directory`.
    public init(directory: String) throws {
        self.directory = directory
        var readers: [String: DatasetSplitReader] = [:]
        for name in DatasetLayout.splits {
            let path = DatasetLayout.splitPath(directory, name)
            if FileManager.default.fileExists(atPath: path) { readers[name] = try DatasetSplitReader(path: path) }
        }
        guard let first = DatasetLayout.splits.compactMap({ readers[$0] }).first else {
            throw HensError(.badInput, "\(directory): no split files (train.nc, valid.nc, test.nc…): not a hens dataset folder")
        }
        splits = readers
        channelInfo = first.channels
        channels = first.channels.map(\.name)
        latitudes = first.latitudes
        longitudes = first.longitudes
        let units = try CFTimeUnits(first.timeUnits, calendar: CFCalendar(attribute: first.calendar))
        isoUnits = units
        guard first.times.count >= 2 else {
            // One time per trajectory: no step to infer; breeding and rollouts need at least two.
            stepHours = .nan
            return
        }
        stepHours = (units.seconds(first.times[1]) - units.seconds(first.times[0])) / 3600
        for (name, r) in readers {
            guard r.channels.map(\.name) == channels, r.latitudes == latitudes, r.longitudes == longitudes else {
                throw HensError(.badInput, "\(r.path): channels or grid differ from the other splits of \(directory)")
            }
            guard let seconds = try r.absoluteSeconds(calendar: units.calendar) else { continue }
            for (t, row) in seconds.enumerated() {
                for (i, value) in row.enumerated() {
                    let location = AnalysisLocation(split: name, trajectory: t, timeIndex: i)
                    byTime[Int64(value.rounded())] = location
                    timeOf[location] = value
                }
            }
        }
    }

    /// Values per field.
    public var fieldCount: Int { latitudes.count * longitudes.count }

    /// Whether analyses have absolute times (ingested data).
    public var hasAbsoluteTimes: Bool { !byTime.isEmpty }

    /// The analysis `steps` model steps before `location` (0: itself), or nil when the dataset
    /// does not have it.
    public func location(_ steps: Int, before location: AnalysisLocation) -> AnalysisLocation? {
        if let t = timeOf[location] {
            return byTime[Int64((t - Double(steps) * stepHours * 3600).rounded())]
        }
        let i = location.timeIndex - steps
        guard let r = splits[location.split], i >= 0, i < r.timeCount else { return nil }
        return AnalysisLocation(split: location.split, trajectory: location.trajectory, timeIndex: i)
    }

    /// The analysis valid at `seconds` (since 1970 in the dataset's calendar), for datasets
    /// with absolute times; nil when there is none.
    public func location(atSeconds seconds: Double) -> AnalysisLocation? { byTime[Int64(seconds.rounded())] }

    /// The valid time of `location` in seconds since 1970, for datasets with absolute times.
    public func seconds(of location: AnalysisLocation) -> Double? { timeOf[location] }

    /// Every location of a split, trajectory-major.
    public func locations(split: String) -> [AnalysisLocation] {
        guard let r = splits[split] else { return [] }
        return (0..<r.trajectoryCount).flatMap { t in (0..<r.timeCount).map { AnalysisLocation(split: split, trajectory: t, timeIndex: $0) } }
    }

    /// Reads the analysis at `location` in physical units, channels reordered to `order`
    /// (names), `[channel][point]`.
    public func state(at location: AnalysisLocation, channels order: [String]) throws -> [Float] {
        guard let r = splits[location.split] else { throw HensError(.badInput, "\(directory): no split '\(location.split)'") }
        var out = [Float](repeating: 0, count: order.count * fieldCount)
        let n = fieldCount
        try out.withUnsafeMutableBufferPointer { buffer in
            for (c, name) in order.enumerated() {
                guard let index = r.channelIndex(named: name) else {
                    throw HensError(.badInput, "\(r.path): no channel '\(name)' (has \(channels.joined(separator: ", ")))")
                }
                try r.read(channel: index, trajectory: location.trajectory, timeIndex: location.timeIndex,
                           into: UnsafeMutableBufferPointer(rebasing: buffer[(c * n)..<((c + 1) * n)]))
            }
        }
        return out
    }

    /// The initial times named by `spec`:
    /// - a split name (`test`, `valid`…): `count` initial states spread evenly over the split's
    ///   (trajectory, time) pairs that have `history` earlier analyses for breeding and `future`
    ///   later ones (the truth `hens evaluate` scores against);
    /// - dates `A..B/STEP` (ISO, e.g. `2017-01-02T00..2017-01-02T12/12h`) or a single date, for
    ///   datasets with absolute times.
    public func initialTimes(_ spec: String, count: Int, history: Int, future: Int = 0) throws -> [InitialTime] {
        if let r = splits[spec] {
            return try splitInitialTimes(spec, r, count: count, history: history, future: future)
        }
        guard hasAbsoluteTimes, let units = isoUnits else {
            throw HensError.invalid("--init", "a split of \(directory) (\(splits.keys.sorted().joined(separator: ", "))); "
                + "dates need a dataset with absolute times (from hens ingest), got '\(spec)'")
        }
        let (range, stepText) = spec.contains("/") ? (String(spec.split(separator: "/")[0]), String(spec.split(separator: "/")[1]))
                                                    : (spec, "\(stepHours)h")
        let bounds = range.components(separatedBy: "..")
        guard bounds.count <= 2, let step = DurationText.seconds(stepText), step > 0 else {
            throw HensError.invalid("--init", "dates A..B/STEP such as 2017-01-02T00..2017-01-02T12/12h, got '\(spec)'")
        }
        func seconds(_ iso: String) throws -> Double {
            var t = iso.trimmingCharacters(in: .whitespaces)
            if t.count == 13 { t += ":00" }   // 2017-01-02T00 → 2017-01-02T00:00
            do { return try CFTimeUnits("seconds since " + t, calendar: units.calendar).referenceSeconds } catch {
                throw HensError.invalid("--init", "ISO dates such as 2017-01-02T00, got '\(iso)'")
            }
        }
        let start = try seconds(bounds[0]), end = try bounds.count == 2 ? seconds(bounds[1]) : start
        guard end >= start else { throw HensError.invalid("--init", "an increasing date range, got '\(spec)'") }
        var out: [InitialTime] = []
        var t = start
        while t <= end + 1e-6 {
            guard let location = byTime[Int64(t.rounded())] else {
                throw HensError(.badInput, "\(directory): no analysis at \(units.isoString(seconds: t)) (--init \(spec))")
            }
            let r = splits[location.split]!
            let label = String(units.isoString(seconds: t).prefix(13))
            let value = try CFTimeUnits(r.timeUnits, calendar: units.calendar)
            out.append(InitialTime(label: label, location: location, time: (t - value.referenceSeconds) / value.secondsPerUnit,
                                   timeUnits: r.timeUnits, calendar: r.calendar))
            t += step
        }
        return out
    }

    private func splitInitialTimes(_ name: String, _ r: DatasetSplitReader, count: Int, history: Int, future: Int) throws -> [InitialTime] {
        var candidates: [AnalysisLocation] = []
        for t in 0..<r.trajectoryCount {
            for i in 0..<r.timeCount {
                let l = AnalysisLocation(split: name, trajectory: t, timeIndex: i)
                if location(history, before: l) != nil, location(-future, before: l) != nil { candidates.append(l) }
            }
        }
        guard !candidates.isEmpty else {
            throw HensError(.badInput, "\(r.path): no initial state with \(history) earlier analyses for breeding and "
                + "\(future) later ones for verification (\(r.trajectoryCount) trajectories × \(r.timeCount) times)")
        }
        let n = min(count, candidates.count)
        let hours = { (l: AnalysisLocation) in (r.times[l.timeIndex] - r.times[0]) }
        return (0..<n).map { k in
            let l = candidates[(2 * k + 1) * candidates.count / (2 * n)]
            let absolute = timeOf[l].flatMap { s in self.isoUnits.map { String($0.isoString(seconds: s).prefix(13)) } }
            let label = absolute ?? String(format: "%@-%d-t%03.0f", name, l.trajectory, hours(l))
            return InitialTime(label: label, location: l, time: r.times[l.timeIndex], timeUnits: r.timeUnits, calendar: r.calendar)
        }
    }
}
