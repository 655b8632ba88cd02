import DatasetIO
import Foundation
import HensCore
import Regrid
import Spherical

/// What `hens ingest` was asked to do.
public struct IngestRequest {
    public var files: [String]
    /// Channels to ingest (e.g. z500, t850); empty = every channel the files provide.
    public var channels: [String] = []
    /// Ensemble member to take where files have an ensemble dimension.
    public var member = 0
    /// Split name → date range; a time may belong to several splits (e.g. a tiny smoke test).
    public var splits: [(name: String, range: DateRange)] = []
    /// Accept regional (non-global) grids.
    public var allowRegional = false
    /// Time steps per trajectory (default: the shortest contiguous run of the split).
    public var trajectoryLength: Int?
    /// Replace an existing dataset in the output folder.
    public var overwrite = false
    /// Model grid to regrid onto (nil: keep the inputs' grid).
    public var grid: SphericalGrid?
    /// Regridding method (nil: conservative when coarsening, bilinear otherwise).
    public var regrid: RegridMethod?
    public var output: String

    public init(files: [String], output: String) {
        self.files = files
        self.output = output
    }
}

/// Turns real NetCDF files into the canonical dataset (the layout `hens generate swe` writes):
/// checks everything first, then writes into a temporary folder renamed into place at the end,
/// so a failure leaves no output behind.
public struct DatasetIngest {
    public let request: IngestRequest
    /// One-line log messages (what was dropped, trajectory layout, …).
    public private(set) var log: [String] = []

    public init(_ request: IngestRequest) { self.request = request }

    /// Runs the ingest; progress on stderr (fields written) unless `quiet`.
    public mutating func run(quiet: Bool = true) throws {
        let r = request
        guard !r.files.isEmpty else { throw HensError.invalid("FILES", "at least one input file") }
        try checkOutputFolder(r)
        // 1. Every channel every file provides.
        var byChannel: [String: [FieldSource]] = [:]
        var order: [String] = []
        for path in r.files {
            let file = try NetCDFSource(path: path)
            let sources = try FieldSource.all(in: file, member: r.member)
            if sources.isEmpty {
                throw HensError(.badInput, "\(path): no variable maps to a hens channel (has: \(file.variables.map(\.name).joined(separator: ", ")))")
            }
            for s in sources {
                if byChannel[s.channel] == nil { order.append(s.channel) }
                byChannel[s.channel, default: []].append(s)
            }
        }
        let channels = r.channels.isEmpty ? order : r.channels
        for c in channels where byChannel[c] == nil {
            throw HensError(.badInput, "channel '\(c)' is in none of the inputs (they provide: \(order.joined(separator: ", ")))")
        }
        let chosen = channels.flatMap { byChannel[$0]! }
        // 2. One grid and one calendar for all.
        let reference = chosen[0]
        for s in chosen.dropFirst() {
            if s.latitudes.count != reference.latitudes.count || s.longitudes.count != reference.longitudes.count
                || zip(s.latitudes, reference.latitudes).contains(where: { abs($0 - $1) > 1e-6 })
                || zip(s.longitudes, reference.longitudes).contains(where: { abs($0 - $1) > 1e-6 }) {
                throw HensError(.badInput, "\(s.file.path): grid \(s.latitudes.count)×\(s.longitudes.count) differs from \(reference.file.path)'s \(reference.latitudes.count)×\(reference.longitudes.count); regrid the inputs to one grid first")
            }
            if s.calendar != reference.calendar {
                throw HensError(.badInput, "\(s.file.path): calendar \(s.calendar.rawValue) differs from \(reference.file.path)'s \(reference.calendar.rawValue)")
            }
        }
        let grid = GridDescription(latitudes: reference.latitudes, longitudes: reference.longitudes)
        guard grid.hasUniformLatitudes else {
            throw HensError(.badInput, "\(reference.file.path): latitudes are not uniformly spaced (Gaussian grid?); hens ingests regular lat-lon grids — regrid first, e.g. `cdo remapbil,r360x181 in.nc out.nc`")
        }
        guard grid.hasUniformLongitudes else { throw HensError(.badInput, "\(reference.file.path): longitudes are not uniformly spaced") }
        if !r.allowRegional && !(grid.isGlobalInLatitude && grid.isGlobalInLongitude) {
            throw HensError(.badInput, "\(reference.file.path): regional grid (\(grid.summary)); pass --allow-regional to ingest it anyway")
        }
        // 3. Time → source per channel; duplicates and disorder are errors. (All sources share
        // the reference calendar, checked above.)
        let units = try CFTimeUnits("seconds since 1970-01-01", calendar: reference.calendar)
        var index: [String: [Double: (FieldSource, Int)]] = [:]
        for s in chosen {
            if let bad = zip(s.times, s.times.dropFirst()).first(where: { $1 <= $0 }) {
                let what = bad.1 == bad.0 ? "duplicate time" : "times not increasing at"
                throw HensError(.badInput, "\(s.file.path): \(what) \(units.isoString(seconds: bad.1)) in variable '\(s.variable.name)'")
            }
            for (i, t) in s.times.enumerated() {
                if let previous = index[s.channel]?[t] {
                    throw HensError(.badInput, "\(s.file.path): time \(units.isoString(seconds: t)) of channel \(s.channel) is also in \(previous.0.file.path)")
                }
                index[s.channel, default: [:]][t] = (s, i)
            }
        }
        var common = Set(index[channels[0]]!.keys)
        for c in channels.dropFirst() { common.formIntersection(index[c]!.keys) }
        let times = common.sorted()
        guard !times.isEmpty else { throw HensError(.badInput, "the requested channels share no time") }
        let dropped = Set(channels.flatMap { index[$0]!.keys }).count - times.count
        if dropped > 0 { log.append("dropped \(dropped) time(s) not present in every channel") }
        // Regridding onto the model grid, planned once for all fields.
        var regridder: Regridder?
        var outLatitudes = reference.latitudes, outLongitudes = reference.longitudes
        if let target = r.grid {
            do {
                let source = try SourceGrid(latitudes: reference.latitudes, longitudes: reference.longitudes)
                regridder = try Regridder(from: source, to: target, method: r.regrid)
            } catch let e as HensError {
                throw HensError(e.kind, "\(reference.file.path): \(e.message)")
            }
            outLatitudes = target.latitudesDegrees
            outLongitudes = target.longitudesDegrees
            log.append("regridding \(grid.summary) → \(target.label) (\(regridder!.method.rawValue))")
        }
        // 4. Splits and trajectories.
        let splits = r.splits.isEmpty ? [("train", try DateRange("..", option: "--train"))] : r.splits
        guard splits.contains(where: { $0.name == "train" }) else {
            throw HensError.invalid("--train", "a training range (stats.nc comes from the training split)")
        }
        var plans: [(String, [[Double]])] = []
        for (name, range) in splits {
            let selected = times.filter { t in
                let date = units.date(seconds: t)
                return range.contains(year: date.year, month: date.month, day: date.day)
            }
            guard !selected.isEmpty else {
                throw HensError(.badInput, "split \(name) (\(range.text)) holds no time; the inputs cover \(units.isoString(seconds: times.first!)) … \(units.isoString(seconds: times.last!))")
            }
            plans.append((name, try trajectories(selected, split: name)))
        }
        // 5. Write everything into a temporary folder, then move it into place.
        let staging = r.output.hasSuffix("/") ? String(r.output.dropLast()) + ".tmp-\(getpid())" : r.output + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw HensError(.io, "\(r.output): cannot create the output folder (\(error.localizedDescription))")
        }
        do {
            let infos = channels.map { c -> ChannelInfo in
                let q = byChannel[c]!.first!.quantity
                return ChannelInfo(name: c, units: q.units, longName: longName(c, q), standardName: q.standardName)
            }
            let provenance = channels.map { c in "\(c): " + byChannel[c]!.map(\.provenance).joined(separator: ", ") }.joined(separator: "; ")
            let attributes: [String: String] = [
                "title": "hens dataset ingested from \(r.files.count) file(s)",
                "generator": "hens ingest", "source": r.files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "),
                "channel_sources": provenance, "calendar": reference.calendar.rawValue,
                "grid": r.grid.map { "\($0.label) (regridded \(regridder?.method.rawValue ?? "") from \(grid.summary))" } ?? grid.summary,
                "ensemble_member": String(r.member),
            ]
            let weights = r.grid?.weights ?? reference.latitudes.map { max(0, cos($0 * .pi / 180)) }
            var statistics: [RunningMoments]? = nil, tendencies: [RunningMoments]? = nil
            let total = plans.reduce(0) { $0 + $1.1.reduce(0) { $0 + $1.count } } * channels.count
            let progress = ProgressReporter("ingest", total: total, unit: "fields", quiet: quiet)
            defer { progress.finish() }
            for (name, trajectories) in plans {
                let writer = try DatasetSplitWriter(
                    path: DatasetLayout.splitPath(staging, name), channels: infos, latitudes: outLatitudes,
                    longitudes: outLongitudes, times: trajectories[0].map { ($0 - trajectories[0][0]) / 3600 },
                    timeUnits: "hours since \(units.isoString(seconds: trajectories[0][0]).replacingOccurrences(of: "T", with: " "))",
                    calendar: reference.calendar.rawValue, trajectories: trajectories.count,
                    attributes: attributes.merging(["split": name, "trajectory_starts": trajectories.map { units.isoString(seconds: $0[0]) }.joined(separator: " ")]) { $1 })
                var values = channels.map { _ in RunningMoments() }, diffs = values
                for (k, trajectory) in trajectories.enumerated() {
                    var previous: [[Float]] = []
                    for (i, t) in trajectory.enumerated() {
                        var current: [[Float]] = []
                        for (c, channel) in channels.enumerated() {
                            let (source, ti) = index[channel]![t]!
                            let native = try source.field(time: ti)
                            if native.allSatisfy({ $0.isNaN }) {
                                throw HensError(.badInput, "\(source.file.path): variable '\(source.variable.name)' is missing everywhere at \(units.isoString(seconds: t))")
                            }
                            let field = regridder.map { $0.apply(native) } ?? native
                            try writer.write(channel: c, trajectory: k, timeIndex: i, field: field)
                            values[c].add(values: field.map { $0.isNaN ? 0 : $0 }, weights: weights)
                            if !previous.isEmpty { diffs[c].add(values: zip(field, previous[c]).map { ($0 - $1).isNaN ? 0 : $0 - $1 }, weights: weights) }
                            current.append(field)
                            progress.advance()
                        }
                        previous = current
                    }
                }
                try writer.finish()
                if name == "train" { statistics = values; tendencies = diffs }
            }
            let stats = DatasetStatistics(channels: channels, mean: statistics!.map(\.mean), std: statistics!.map(\.std),
                                          tendencyStd: tendencies!.map { $0.count > 0 ? $0.std : 0 })
            try stats.write(to: DatasetLayout.statsPath(staging), attributes: attributes)
            if FileManager.default.fileExists(atPath: r.output) { try FileManager.default.removeItem(atPath: r.output) }
            try FileManager.default.moveItem(atPath: staging, toPath: r.output)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Refuses an output folder that already holds a dataset (unless overwriting) or whose path
    /// is blocked by a regular file.
    private func checkOutputFolder(_ r: IngestRequest) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: r.output, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw HensError(.io, "\(r.output): exists and is not a folder") }
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: r.output)) ?? []
            if existing.contains(DatasetLayout.stats) || existing.contains(DatasetLayout.train), !r.overwrite {
                throw HensError(.io, "\(r.output): already holds a dataset; pass --overwrite to replace it")
            }
        }
        // A parent that is a regular file blocks the path.
        var parent = URL(fileURLWithPath: r.output).deletingLastPathComponent()
        while parent.path != "/" {
            if FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { throw HensError(.io, "\(r.output): \(parent.path) is a file, not a folder") }
                break
            }
            parent.deleteLastPathComponent()
        }
    }

    /// Contiguous runs at the dominant step, cut into trajectories of equal length.
    private mutating func trajectories(_ times: [Double], split: String) throws -> [[Double]] {
        var counts: [Double: Int] = [:]
        for (a, b) in zip(times, times.dropFirst()) { counts[b - a, default: 0] += 1 }
        let step = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        var runs: [[Double]] = [[times[0]]]
        for t in times.dropFirst() {
            if let step, abs(t - runs[runs.count - 1].last! - step) < 1e-6 { runs[runs.count - 1].append(t) } else { runs.append([t]) }
        }
        let length = request.trajectoryLength ?? runs.map(\.count).min()!
        guard length >= 1 else { throw HensError.invalid("--trajectory-length", "at least 1") }
        var out: [[Double]] = []
        var dropped = 0
        for run in runs {
            var i = 0
            while i + length <= run.count { out.append(Array(run[i..<i + length])); i += length }
            dropped += run.count - i
        }
        guard !out.isEmpty else {
            throw HensError.invalid("--trajectory-length", "\(length) is longer than every contiguous run of split \(split) (longest \(runs.map(\.count).max()!))")
        }
        log.append("\(split): \(out.count) trajectory(ies) × \(length) time(s)\(step.map { String(format: " every %g h", $0 / 3600) } ?? "")\(dropped > 0 ? ", \(dropped) time(s) left over" : "")")
        return out
    }

    private func longName(_ channel: String, _ q: Quantity) -> String {
        let digits = channel.filter(\.isNumber)
        let base = q.standardName.replacingOccurrences(of: "_", with: " ")
        return digits.isEmpty || q.levelPrefix == nil ? base : "\(base) at \(digits) hPa"
    }
}
