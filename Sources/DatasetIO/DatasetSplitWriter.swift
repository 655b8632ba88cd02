import CNetCDF
import HensCore

/// Writes one split file of a data set (e.g. `train.nc`): NetCDF-4, CF-1.8, one Float32
/// variable per channel with dims (trajectory, time, lat, lon).
///
/// The file is written under a temporary name and appears under `path` only when `finish()`
/// succeeds; `abort()` (or dropping an unfinished writer) deletes it. Every
/// (channel, trajectory, time) field must be written exactly once before `finish()`, in any
/// order. Not thread-safe: callers that produce fields on several threads serialise `write`.
///
/// ```swift
/// let writer = try DatasetSplitWriter(
///     path: "dataset/train.nc", channels: [ChannelInfo(name: "h", units: "m")],
///     latitudes: lats, longitudes: lons, times: [0, 21600], timeUnits: "seconds since 2000-01-01 00:00:00",
///     trajectories: 8)
/// try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: h0)
/// …
/// try writer.finish()
/// ```
public final class DatasetSplitWriter {
    /// The final path of the file.
    public let path: String
    /// The channels, in variable order.
    public let channels: [ChannelInfo]
    /// Number of latitudes (rows of a field).
    public let latitudeCount: Int
    /// Number of longitudes (columns of a field).
    public let longitudeCount: Int
    /// Number of times per trajectory.
    public let timeCount: Int
    /// Number of trajectories.
    public let trajectoryCount: Int

    /// Values in one field: `latitudeCount * longitudeCount`, row-major, north row first.
    public var fieldCount: Int { latitudeCount * longitudeCount }

    private let pending: PendingNetCDF
    private let channelVariables: [Int32]
    /// Which fields were written: `finish()` refuses to publish a file with holes.
    private var ledger: FieldLedger

    /// Creates the file (under a temporary name) and writes its header and coordinates.
    ///
    /// - Parameters:
    ///   - path: final path, e.g. `dataset/train.nc`; an existing file is replaced only at `finish()`.
    ///   - channels: one Float32 variable each, in this order; names must be unique.
    ///   - latitudes: degrees north, strictly decreasing (north first).
    ///   - longitudes: degrees east in [0, 360), strictly increasing.
    ///   - times: time coordinate values, in `timeUnits`, shared by every trajectory.
    ///   - timeUnits: CF time units, e.g. `seconds since 2000-01-01 00:00:00`.
    ///   - calendar: CF calendar attribute.
    ///   - trajectories: number of trajectories (the `trajectory` coordinate is 0..<n).
    ///   - attributes: global text attributes (provenance); `Conventions` and `hens_version`
    ///     are always written and take precedence.
    public init(path: String, channels: [ChannelInfo], latitudes: [Double], longitudes: [Double],
                times: [Double], timeUnits: String, calendar: String = "proleptic_gregorian",
                trajectories: Int, attributes: [String: String] = [:]) throws {
        try Self.validate(path: path, channels: channels, latitudes: latitudes, longitudes: longitudes,
                          times: times, timeUnits: timeUnits, trajectories: trajectories)
        self.path = path
        self.channels = channels
        latitudeCount = latitudes.count
        longitudeCount = longitudes.count
        timeCount = times.count
        trajectoryCount = trajectories
        ledger = FieldLedger(channels: channels.count, trajectories: trajectories, times: times.count)

        let output = AtomicFile(path: path)
        var variables: [Int32] = []
        pending = try PendingNetCDF(output, file: try NetCDFFile.create(path: output.temporaryPath, displayName: path)) { nc in
            // `trajectory` is the unlimited dimension, so that `hens ingest --append` can add
            // trajectories to a copy of the file without re-encoding the ones already there.
            let lengths = [NC_UNLIMITED, times.count, latitudes.count, longitudes.count]
            let dims = try zip(DatasetLayout.splitDimensions, lengths).map { try nc.defineDimension($0, length: $1) }
            let (trajectoryDim, timeDim, latDim, lonDim) = (dims[0], dims[1], dims[2], dims[3])

            let trajectoryVar = try nc.defineVariable("trajectory", type: NC_INT, dimensions: [trajectoryDim])
            try nc.putAttribute("long_name", text: "trajectory index", variable: trajectoryVar)
            try nc.putAttribute("units", text: "1", variable: trajectoryVar)

            let timeVar = try nc.defineVariable("time", type: NC_DOUBLE, dimensions: [timeDim])
            try nc.putAttribute("standard_name", text: "time", variable: timeVar)
            try nc.putAttribute("long_name", text: "time", variable: timeVar)
            try nc.putAttribute("units", text: timeUnits, variable: timeVar)
            try nc.putAttribute("calendar", text: calendar, variable: timeVar)
            try nc.putAttribute("axis", text: "T", variable: timeVar)

            let latVar = try nc.defineVariable("lat", type: NC_DOUBLE, dimensions: [latDim])
            try nc.putAttribute("standard_name", text: "latitude", variable: latVar)
            try nc.putAttribute("long_name", text: "latitude", variable: latVar)
            try nc.putAttribute("units", text: "degrees_north", variable: latVar)
            try nc.putAttribute("axis", text: "Y", variable: latVar)

            let lonVar = try nc.defineVariable("lon", type: NC_DOUBLE, dimensions: [lonDim])
            try nc.putAttribute("standard_name", text: "longitude", variable: lonVar)
            try nc.putAttribute("long_name", text: "longitude", variable: lonVar)
            try nc.putAttribute("units", text: "degrees_east", variable: lonVar)
            try nc.putAttribute("axis", text: "X", variable: lonVar)

            // One chunk per field: readers (training, evaluation) fetch whole fields of one
            // channel at one (trajectory, time), so each read touches exactly one chunk.
            variables = try channels.map { channel in
                let v = try nc.defineVariable(channel.name, type: NC_FLOAT, dimensions: dims)
                try nc.setChunking(variable: v, chunks: [1, 1, latitudes.count, longitudes.count])
                try nc.putAttribute("units", text: channel.units, variable: v)
                try nc.putAttribute("long_name", text: channel.longName, variable: v)
                if let standardName = channel.standardName {
                    try nc.putAttribute("standard_name", text: standardName, variable: v)
                }
                return v
            }

            try nc.putGlobalAttributes(attributes)
            try nc.endDefinitions()

            try nc.putInts(variable: trajectoryVar, (0..<trajectories).map { Int32($0) })
            try nc.putDoubles(variable: timeVar, times)
            try nc.putDoubles(variable: latVar, latitudes)
            try nc.putDoubles(variable: lonVar, longitudes)
        }
        channelVariables = variables
    }

    /// Writes one field (`fieldCount` values, row-major, north row first).
    public func write(channel: Int, trajectory: Int, timeIndex: Int, field: UnsafeBufferPointer<Float>) throws {
        let nc = try pending.open(for: "write")
        guard channels.indices.contains(channel), (0..<trajectoryCount).contains(trajectory),
              (0..<timeCount).contains(timeIndex) else {
            throw HensError(.internal, "\(path): field index (channel \(channel), trajectory \(trajectory), time \(timeIndex)) "
                + "outside (\(channels.count), \(trajectoryCount), \(timeCount))")
        }
        guard field.count == fieldCount else {
            throw HensError(.internal, "\(path): field for '\(channels[channel].name)' has \(field.count) values, "
                + "expected \(latitudeCount)×\(longitudeCount) = \(fieldCount)")
        }
        try nc.putFloats(variable: channelVariables[channel], start: [trajectory, timeIndex, 0, 0],
                         count: [1, 1, latitudeCount, longitudeCount], field)
        ledger.mark(channel: channel, trajectory: trajectory, time: timeIndex)
    }

    /// Writes one field from an array.
    public func write(channel: Int, trajectory: Int, timeIndex: Int, field: [Float]) throws {
        try field.withUnsafeBufferPointer {
            try write(channel: channel, trajectory: trajectory, timeIndex: timeIndex, field: $0)
        }
    }

    /// Closes the file and moves it to `path`. Throws (and deletes the temporary file) if any
    /// field was never written or the file cannot be flushed.
    public func finish() throws {
        _ = try pending.open(for: "finish()")
        if let error = ledger.incompleteError(path: path, channelNames: channels.map(\.name)) {
            abort()
            throw error
        }
        try pending.close().commit()
    }

    /// Closes and deletes the temporary file; anything already at `path` is left untouched.
    /// Safe to call more than once.
    public func abort() {
        pending.abort()
    }

    private static func validate(path: String, channels: [ChannelInfo], latitudes: [Double], longitudes: [Double],
                                 times: [Double], timeUnits: String, trajectories: Int) throws {
        func fail(_ message: String) -> HensError { HensError(.invalidArgument, "\(path): \(message)") }
        guard !channels.isEmpty else { throw fail("no channels to write") }
        var seen = Set<String>()
        let reserved = Set(DatasetLayout.splitDimensions)
        for channel in channels {
            guard !reserved.contains(channel.name) else {
                throw fail("channel name '\(channel.name)' clashes with a coordinate variable")
            }
            guard seen.insert(channel.name).inserted else { throw fail("channel '\(channel.name)' listed twice") }
        }
        guard !latitudes.isEmpty, !longitudes.isEmpty else { throw fail("the grid has no latitudes or no longitudes") }
        guard zip(latitudes, latitudes.dropFirst()).allSatisfy({ $0 > $1 }),
              latitudes.allSatisfy({ (-90...90).contains($0) }) else {
            throw fail("latitudes must lie in [-90, 90] and run strictly north to south")
        }
        guard zip(longitudes, longitudes.dropFirst()).allSatisfy({ $0 < $1 }),
              longitudes.allSatisfy({ $0 >= 0 && $0 < 360 }) else {
            throw fail("longitudes must lie in [0, 360) and increase strictly")
        }
        guard !times.isEmpty else { throw fail("no times per trajectory") }
        guard timeUnits.contains(" since ") else {
            throw fail("time units '\(timeUnits)' are not CF time units such as 'seconds since 2000-01-01 00:00:00'")
        }
        guard trajectories > 0 else { throw fail("trajectory count must be positive, got \(trajectories)") }
    }
}
