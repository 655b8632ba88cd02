import DatasetIO
import Foundation
import HensCore

/// The input files of one ingest, checked and merged: which file and time index holds each
/// (channel, time), all on one grid and one calendar.
///
/// Building it reads headers and coordinates only; fields are decoded on demand by `field`.
/// Every inconsistency (a channel no file has, grids or calendars that differ, a time that
/// repeats or goes backwards) is a one-line `HensError` naming the file.
struct IngestInputs {
    /// The selected channels, in output order.
    let channels: [String]
    /// Every channel the inputs provide, in the order first met (for messages and defaults).
    let available: [String]
    /// The sources of each selected channel (one per file that holds it).
    let sources: [String: [FieldSource]]
    /// The first source: its grid and calendar are the ones every other source must match.
    let reference: FieldSource
    /// The inputs' (normalised) horizontal grid.
    let grid: GridDescription
    /// Times held by every selected channel, ascending, in seconds since 1970-01-01 (calendar of `units`).
    let times: [Double]
    /// Decodes times to dates in the inputs' calendar.
    let units: CFTimeUnits
    /// Number of times some channel has and another lacks (not ingested).
    let droppedTimes: Int
    private let index: [String: [Double: (source: FieldSource, timeIndex: Int)]]

    /// Opens and checks the inputs.
    /// - Parameters:
    ///   - channels: channels to take; empty takes every channel the inputs provide.
    ///   - member: ensemble member for files with an ensemble dimension.
    ///   - allowRegional: accept a grid that does not cover the globe.
    init(files: [String], channels requested: [String], member: Int, allowRegional: Bool) throws {
        guard !files.isEmpty else {
            throw HensError.invalid("FILES", "at least one input file (on the command line or as `inputs:` in the configuration)")
        }
        // 1. Every channel every file provides.
        var byChannel: [String: [FieldSource]] = [:]
        var order: [String] = []
        for path in files {
            let file = try NetCDFReader(path: path)
            let found = try FieldSource.all(in: file, member: member)
            if found.isEmpty {
                throw HensError(.badInput, "\(path): no variable maps to a hens channel (has: \(file.variables.map(\.name).joined(separator: ", ")))")
            }
            for s in found {
                if byChannel[s.channel] == nil { order.append(s.channel) }
                byChannel[s.channel, default: []].append(s)
            }
        }
        let channels = requested.isEmpty ? order : requested
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
        if !allowRegional && !(grid.isGlobalInLatitude && grid.isGlobalInLongitude) {
            throw HensError(.badInput, "\(reference.file.path): regional grid (\(grid.summary)); pass --allow-regional to ingest it anyway")
        }
        // 3. Time → source per channel; duplicates and disorder are errors.
        let units = try CFTimeUnits("seconds since 1970-01-01", calendar: reference.calendar)
        var index: [String: [Double: (source: FieldSource, timeIndex: Int)]] = [:]
        for s in chosen {
            if let bad = zip(s.times, s.times.dropFirst()).first(where: { $1 <= $0 }) {
                let what = bad.1 == bad.0 ? "duplicate time" : "times not increasing at"
                throw HensError(.badInput, "\(s.file.path): \(what) \(units.isoString(seconds: bad.1)) in variable '\(s.variable.name)'")
            }
            for (i, t) in s.times.enumerated() {
                if let previous = index[s.channel]?[t] {
                    throw HensError(.badInput, "\(s.file.path): time \(units.isoString(seconds: t)) of channel \(s.channel) is also in \(previous.source.file.path)")
                }
                index[s.channel, default: [:]][t] = (s, i)
            }
        }
        var common = Set(index[channels[0]]!.keys)
        for c in channels.dropFirst() { common.formIntersection(index[c]!.keys) }
        guard !common.isEmpty else { throw HensError(.badInput, "the requested channels share no time") }

        self.channels = channels
        available = order
        sources = byChannel.filter { channels.contains($0.key) }
        self.reference = reference
        self.grid = grid
        times = common.sorted()
        self.units = units
        droppedTimes = Set(channels.flatMap { index[$0]!.keys }).count - common.count
        self.index = index
    }

    /// The calendar every input shares.
    var calendar: CFCalendar { reference.calendar }

    /// One channel's native field at a time (north-first, canonical units, NaN where missing).
    /// - Throws: when the field cannot be read or is missing everywhere.
    func field(channel: String, time: Double) throws -> [Float] {
        guard let (source, timeIndex) = index[channel]?[time] else {
            throw HensError(.internal, "no source for channel \(channel) at \(units.isoString(seconds: time))")
        }
        let native = try source.field(time: timeIndex)
        if native.allSatisfy({ $0.isNaN }) {
            throw HensError(.badInput, "\(source.file.path): variable '\(source.variable.name)' is missing everywhere at \(units.isoString(seconds: time))")
        }
        return native
    }

    /// The file that holds the first channel at `time` (for messages).
    func file(holding time: Double) -> String {
        index[channels[0]]?[time]?.source.file.path ?? reference.file.path
    }

    /// The dataset description of a channel: canonical units, long and standard names.
    func channelInfo(_ channel: String) -> ChannelInfo {
        let q = sources[channel]!.first!.quantity
        let digits = channel.filter(\.isNumber)
        let base = q.standardName.replacingOccurrences(of: "_", with: " ")
        // Near-surface channels carry a height in metres (u10m, t2m, u100m); pressure-level
        // channels a level in hPa (z500).
        let longName = digits.isEmpty || q.levelPrefix == nil ? base
            : channel.hasSuffix("m") ? "\(base) at \(digits) m" : "\(base) at \(digits) hPa"
        return ChannelInfo(name: channel, units: q.units, longName: longName, standardName: q.standardName)
    }

    /// "z500: file.nc:z (m**2 s**-2), …; t850: …" for the `channel_sources` attribute.
    var provenance: String {
        channels.map { c in "\(c): " + sources[c]!.map(\.provenance).joined(separator: ", ") }.joined(separator: "; ")
    }
}
