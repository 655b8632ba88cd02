import CNetCDF
import HensCore

/// Reads one split file of a data set (e.g. `train.nc`) written by `DatasetSplitWriter`
/// or by ingest.
///
/// Opening validates the whole layout up front, so that a bad file fails with one line naming
/// the file and the offending dimension or variable instead of deep inside training. Every
/// variable of rank 2 or more is a channel and must be Float32 with dims
/// (trajectory, time, lat, lon). Not thread-safe: share one reader per thread or serialise
/// `read` calls (libnetcdf itself is serialised inside DatasetIO anyway).
public final class DatasetSplitReader {
    /// The path the file was opened from.
    public let path: String
    /// The channels, in file (variable definition) order.
    public let channels: [ChannelInfo]
    /// Latitudes in degrees north, north first.
    public let latitudes: [Double]
    /// Longitudes in degrees east, increasing.
    public let longitudes: [Double]
    /// The time coordinate values, in `timeUnits`.
    public let times: [Double]
    /// CF units of the time coordinate, e.g. `seconds since 2000-01-01 00:00:00`.
    public let timeUnits: String
    /// CF calendar of the time coordinate (`standard` when the file names none, as CF says).
    public let calendar: String
    /// Number of trajectories.
    public let trajectoryCount: Int
    /// Number of times per trajectory.
    public let timeCount: Int
    /// Global text attributes (provenance, `Conventions`, `hens_version`, …).
    public let attributes: [String: String]

    /// Values in one field: `latitudes.count * longitudes.count`.
    public var fieldCount: Int { latitudes.count * longitudes.count }

    private var file: NetCDFFile?
    private let channelVariables: [Int32]

    /// Opens and validates a split file.
    public init(path: String) throws {
        let nc = try NetCDFFile.openHensFile(path: path)
        do {
            func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }

            var dims: [String: (id: Int32, length: Int)] = [:]
            for name in DatasetLayout.splitDimensions {
                guard let id = nc.dimensionID(name) else { throw fail("missing dimension '\(name)'") }
                dims[name] = (id, try nc.dimensionLength(id))
            }
            let expectedDims = DatasetLayout.splitDimensions.map { dims[$0]!.id }

            /// A 1-D coordinate variable over its own dimension, read as doubles.
            func coordinate(_ name: String) throws -> (id: Int32, values: [Double]) {
                guard let id = nc.variableID(name) else { throw fail("missing coordinate variable '\(name)'") }
                let info = try nc.variable(id)
                guard info.dimensionIDs == [dims[name]!.id] else {
                    throw fail("variable '\(name)' has dims \(try Self.dimList(info.dimensionIDs, nc)), expected (\(name))")
                }
                return (id, try nc.getDoubles(variable: id, length: dims[name]!.length))
            }
            let lat = try coordinate("lat"), lon = try coordinate("lon"), time = try coordinate("time")
            guard zip(lat.values, lat.values.dropFirst()).allSatisfy({ $0 > $1 }) else {
                throw fail("variable 'lat' must run strictly north to south")
            }
            guard zip(lon.values, lon.values.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw fail("variable 'lon' must increase strictly")
            }
            guard let units = try nc.textAttribute("units", variable: time.id), units.contains(" since ") else {
                throw fail("variable 'time' has no CF 'units' attribute such as 'seconds since 2000-01-01 00:00:00'")
            }

            var channels: [ChannelInfo] = []
            var channelVariables: [Int32] = []
            for info in try nc.variables() where info.dimensionIDs.count >= 2 {
                guard info.dimensionIDs == expectedDims else {
                    let expected = "(" + DatasetLayout.splitDimensions.joined(separator: ", ") + ")"
                    throw fail("variable '\(info.name)' has dims \(try Self.dimList(info.dimensionIDs, nc)), expected \(expected)")
                }
                guard info.type == nc_type(NC_FLOAT) else {
                    throw fail("variable '\(info.name)' has type \(Self.typeName(info.type)), expected float")
                }
                guard let channelUnits = try nc.textAttribute("units", variable: info.id) else {
                    throw fail("variable '\(info.name)' has no 'units' attribute")
                }
                channels.append(ChannelInfo(name: info.name, units: channelUnits,
                                            longName: try nc.textAttribute("long_name", variable: info.id),
                                            standardName: try nc.textAttribute("standard_name", variable: info.id)))
                channelVariables.append(info.id)
            }
            guard !channels.isEmpty else {
                throw fail("no channel variables with dims (\(DatasetLayout.splitDimensions.joined(separator: ", ")))")
            }

            self.path = path
            self.channels = channels
            self.channelVariables = channelVariables
            latitudes = lat.values
            longitudes = lon.values
            times = time.values
            timeUnits = units
            calendar = try nc.textAttribute("calendar", variable: time.id) ?? "standard"
            trajectoryCount = dims["trajectory"]!.length
            timeCount = dims["time"]!.length
            attributes = try nc.textAttributes()
        } catch {
            nc.closeQuietly()
            throw error
        }
        file = nc
    }

    deinit { close() }

    /// The index of the channel named `name`, if any.
    public func channelIndex(named name: String) -> Int? {
        channels.firstIndex { $0.name == name }
    }

    /// Reads one field (`fieldCount` values, row-major, north row first) into `buffer`.
    public func read(channel: Int, trajectory: Int, timeIndex: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let nc = file else { throw HensError(.internal, "\(path): read after close()") }
        guard channels.indices.contains(channel), (0..<trajectoryCount).contains(trajectory),
              (0..<timeCount).contains(timeIndex) else {
            throw HensError(.internal, "\(path): field index (channel \(channel), trajectory \(trajectory), time \(timeIndex)) "
                + "outside (\(channels.count), \(trajectoryCount), \(timeCount))")
        }
        guard buffer.count == fieldCount else {
            throw HensError(.internal, "\(path): buffer has \(buffer.count) values, expected \(fieldCount)")
        }
        try nc.getFloats(variable: channelVariables[channel], start: [trajectory, timeIndex, 0, 0],
                         count: [1, 1, latitudes.count, longitudes.count], into: buffer)
    }

    /// Reads one field into a new array.
    public func read(channel: Int, trajectory: Int, timeIndex: Int) throws -> [Float] {
        var field = [Float](repeating: 0, count: fieldCount)
        try field.withUnsafeMutableBufferPointer {
            try read(channel: channel, trajectory: trajectory, timeIndex: timeIndex, into: $0)
        }
        return field
    }

    /// Closes the file; later reads throw. Safe to call more than once.
    public func close() {
        file?.closeQuietly()
        file = nil
    }

    private static func dimList(_ ids: [Int32], _ nc: NetCDFFile) throws -> String {
        "(" + (try ids.map { try nc.dimensionName($0) }).joined(separator: ", ") + ")"
    }

    private static func typeName(_ type: nc_type) -> String {
        switch type {
        case nc_type(NC_BYTE): return "byte"
        case nc_type(NC_CHAR): return "char"
        case nc_type(NC_SHORT): return "short"
        case nc_type(NC_INT): return "int"
        case nc_type(NC_FLOAT): return "float"
        case nc_type(NC_DOUBLE): return "double"
        case nc_type(NC_UBYTE): return "ubyte"
        case nc_type(NC_USHORT): return "ushort"
        case nc_type(NC_UINT): return "uint"
        case nc_type(NC_INT64): return "int64"
        case nc_type(NC_UINT64): return "uint64"
        case nc_type(NC_STRING): return "string"
        default: return "type \(type)"
        }
    }
}

extension DatasetSplitReader {
    /// Seconds since 1970 (in the data's calendar, UTC) of every (trajectory, time), from the
    /// `trajectory_starts` attribute `hens ingest` writes; nil for splits without absolute
    /// times (the shallow-water data set). `calendar`: the calendar to read them in (default:
    /// the split's own).
    public func absoluteSeconds(calendar: CFCalendar? = nil) throws -> [[Double]]? {
        guard let starts = attributes["trajectory_starts"]?.split(separator: " ").map(String.init),
              starts.count == trajectoryCount, !times.isEmpty else { return nil }
        let calendar = try calendar ?? CFCalendar(attribute: self.calendar)
        let units = try CFTimeUnits(timeUnits, calendar: calendar)
        return try starts.map { start in
            let startSeconds = try CFTimeUnits("seconds since " + start, calendar: calendar).referenceSeconds
            return (0..<timeCount).map { startSeconds + units.seconds(times[$0]) - units.seconds(times[0]) }
        }
    }
}
