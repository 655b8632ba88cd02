import CNetCDF
import HensCore

/// The summary file of one ensemble shard (`ensemble/summary-K.nc`): streaming statistics per
/// (lead, channel, lat, lon), NetCDF-4, written atomically.
///
/// Layout: dimensions `lead`, `channel`, `lat`, `lon`, `threshold`, `member`; coordinates as
/// in `EnsembleOutputLayout` plus `channel(channel)` names with `channel_units`,
/// `channel_long_name`, `channel_standard_name` (the statistics of different channels share
/// variables, so units live beside the names); `count`, `argmin`, `argmax` (int: global member
/// indices, −1 where no member was seen), `mean`, `m2` (double), `min`, `max` (float), each
/// (lead, channel, lat, lon) and chunked one field per chunk; `threshold(threshold)` values with
/// `threshold_channel(threshold)` names and `exceedance(threshold, lead, lat, lon)` counts of
/// members strictly above; `member(member)` the global indices summarised (so that a merge can
/// check that no member is missing or counted twice).
///
/// The API takes and returns plain arrays (`SummaryArrays`), independent of the statistics code.
public enum EnsembleSummaryFile {
    /// What a summary file holds.
    public struct Contents: Equatable, Sendable {
        /// Channels, grid, leads and initial time.
        public var layout: EnsembleOutputLayout
        /// The statistics.
        public var arrays: SummaryArrays
        /// Global indices of the members summarised.
        public var memberIndices: [Int]
        /// Provenance.
        public var run: EnsembleRunInfo

        /// Summary contents; see the properties.
        public init(layout: EnsembleOutputLayout, arrays: SummaryArrays, memberIndices: [Int], run: EnsembleRunInfo) {
            self.layout = layout
            self.arrays = arrays
            self.memberIndices = memberIndices
            self.run = run
        }
    }

    /// The point variables, in file order, with their long names.
    private static let pointVariables: [(name: String, type: Int32, longName: String)] = [
        ("count", NC_INT, "number of members summarised"),
        ("mean", NC_DOUBLE, "ensemble mean"),
        ("m2", NC_DOUBLE, "sum of squared deviations from the ensemble mean (variance = m2 / (count - 1))"),
        ("min", NC_FLOAT, "ensemble minimum"),
        ("max", NC_FLOAT, "ensemble maximum"),
        ("argmin", NC_INT, "global index of the member with the minimum (lowest index on ties)"),
        ("argmax", NC_INT, "global index of the member with the maximum (lowest index on ties)"),
    ]

    /// Writes `contents` to `path` atomically (a failure leaves any existing file untouched).
    ///
    /// - Parameter deflateLevel: deflate level 1…9 for the statistics, or nil for none.
    public static func write(path: String, contents: Contents, deflateLevel: Int? = nil) throws {
        let layout = contents.layout, arrays = contents.arrays
        try layout.validate(path: path, reserved: [])
        try EnsembleShardOptions(deflateLevel: deflateLevel).validate(path: path)
        func fail(_ message: String) -> HensError { HensError(.invalidArgument, "\(path): \(message)") }
        guard arrays.pointShape == [layout.leads.count, layout.channels.count, layout.latitudes.count, layout.longitudes.count] else {
            throw fail("statistics of shape \(arrays.pointShape) do not match the layout's (lead, channel, lat, lon) = "
                + "\([layout.leads.count, layout.channels.count, layout.latitudes.count, layout.longitudes.count])")
        }
        if let problem = arrays.sizeProblem { throw fail(problem) }
        if let bad = arrays.thresholds.first(where: { !layout.channels.indices.contains($0.channel) }) {
            throw fail("threshold \(bad.value) names channel \(bad.channel) of \(layout.channels.count)")
        }

        let output = AtomicFile(path: path)
        let nc = try NetCDFFile.create(path: output.temporaryPath, displayName: path)
        do {
            let coordinates = try layout.define(in: nc)
            let channelDim = try nc.defineDimension("channel", length: layout.channels.count)
            let thresholdDim = try nc.defineDimension("threshold", length: arrays.thresholds.count)
            let memberDim = try nc.defineDimension("member", length: contents.memberIndices.count)

            func variable(_ name: String, _ type: Int32, _ dims: [Int32], longName: String, chunked: Bool = false) throws -> Int32 {
                let v = try nc.defineVariable(name, type: nc_type(type), dimensions: dims)
                if chunked, let level = deflateLevel { try nc.setDeflate(variable: v, level: level, shuffle: true) }
                if chunked { try nc.setChunking(variable: v, chunks: [1, 1, layout.latitudes.count, layout.longitudes.count]) }
                try nc.putAttribute("long_name", text: longName, variable: v)
                return v
            }
            let channelNames = try variable("channel", NC_STRING, [channelDim], longName: "channel name")
            let channelUnits = try variable("channel_units", NC_STRING, [channelDim], longName: "channel units")
            let channelLong = try variable("channel_long_name", NC_STRING, [channelDim], longName: "channel long name")
            let channelStandard = try variable("channel_standard_name", NC_STRING, [channelDim],
                                               longName: "channel CF standard name (empty when none)")
            let pointDims = [coordinates.leadDim, channelDim, coordinates.latDim, coordinates.lonDim]
            let points = try pointVariables.map { try variable($0.name, $0.type, pointDims, longName: $0.longName, chunked: true) }
            for v in points { try nc.putAttribute("coordinates", text: "time", variable: v) }
            let thresholdVar = try variable("threshold", NC_DOUBLE, [thresholdDim], longName: "exceedance threshold (channel units)")
            let thresholdChannel = try variable("threshold_channel", NC_STRING, [thresholdDim],
                                                longName: "channel the threshold applies to")
            let exceedance = try variable("exceedance", NC_INT, [thresholdDim, coordinates.leadDim, coordinates.latDim,
                                                                 coordinates.lonDim],
                                          longName: "number of members strictly above the threshold", chunked: true)
            let memberVar = try variable("member", NC_INT, [memberDim], longName: "global indices of the members summarised")

            let globals = contents.run.textAttributes
            for key in globals.keys.sorted() { try nc.putAttribute(key, text: globals[key]!) }
            try nc.putAttribute("base_seed", uint64: contents.run.baseSeed)
            try nc.endDefinitions()

            try layout.writeCoordinates(coordinates, in: nc)
            try nc.putStrings(variable: channelNames, layout.channels.map(\.name))
            try nc.putStrings(variable: channelUnits, layout.channels.map(\.units))
            try nc.putStrings(variable: channelLong, layout.channels.map(\.longName))
            try nc.putStrings(variable: channelStandard, layout.channels.map { $0.standardName ?? "" })
            let zeros = [0, 0, 0, 0], shape = arrays.pointShape
            try nc.putInt32s(variable: points[0], start: zeros, count: shape, arrays.count)
            try nc.putDoubles(variable: points[1], start: zeros, count: shape, arrays.mean)
            try nc.putDoubles(variable: points[2], start: zeros, count: shape, arrays.m2)
            try nc.putFloats(variable: points[3], start: zeros, count: shape, arrays.minimum)
            try nc.putFloats(variable: points[4], start: zeros, count: shape, arrays.maximum)
            try nc.putInt32s(variable: points[5], start: zeros, count: shape, arrays.argmin)
            try nc.putInt32s(variable: points[6], start: zeros, count: shape, arrays.argmax)
            if !arrays.thresholds.isEmpty {
                try nc.putDoubles(variable: thresholdVar, arrays.thresholds.map(\.value))
                try nc.putStrings(variable: thresholdChannel, arrays.thresholds.map { layout.channels[$0.channel].name })
                try nc.putInt32s(variable: exceedance, start: zeros, count: arrays.exceedanceShape, arrays.exceedances)
            }
            if !contents.memberIndices.isEmpty {
                try nc.putInt32s(variable: memberVar, start: [0], count: [contents.memberIndices.count],
                                 contents.memberIndices.map { Int32($0) })
            }
            try nc.close()
        } catch {
            nc.closeQuietly()
            output.discard()
            throw error
        }
        try output.commit()
    }

    /// Reads a summary file written by `write`.
    public static func read(path: String) throws -> Contents {
        let nc = try NetCDFFile.openHensFile(path: path)
        defer { nc.closeQuietly() }
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        var (layout, ids) = try EnsembleOutputLayout.read(from: nc, path: path)
        func length(_ dim: String) throws -> (id: Int32, length: Int) {
            guard let id = nc.dimensionID(dim) else { throw fail("missing dimension '\(dim)'") }
            return (id, try nc.dimensionLength(id))
        }
        let channel = try length("channel"), threshold = try length("threshold"), member = try length("member")
        func variable(_ name: String, _ dims: [Int32]) throws -> Int32 {
            guard let v = nc.variableID(name), try nc.variable(v).dimensionIDs == dims else {
                throw fail("missing variable '\(name)' with the summary layout's dimensions")
            }
            return v
        }
        func strings(_ name: String, _ dim: (id: Int32, length: Int)) throws -> [String] {
            try nc.getStrings(variable: try variable(name, [dim.id]), length: dim.length)
        }
        let names = try strings("channel", channel), units = try strings("channel_units", channel)
        let longNames = try strings("channel_long_name", channel)
        let standardNames = try strings("channel_standard_name", channel)
        layout.channels = names.indices.map {
            ChannelInfo(name: names[$0], units: units[$0], longName: longNames[$0],
                        standardName: standardNames[$0].isEmpty ? nil : standardNames[$0])
        }

        let thresholdValues = try nc.getDoubles(variable: try variable("threshold", [threshold.id]), length: threshold.length)
        let thresholdChannels = try strings("threshold_channel", threshold)
        let thresholds = try zip(thresholdChannels, thresholdValues).map { name, value in
            guard let index = layout.channelIndex(named: name) else {
                throw fail("threshold \(value) names channel '\(name)', which the file does not list")
            }
            return SummaryThreshold(channel: index, value: value)
        }
        var arrays = SummaryArrays(leadCount: layout.leads.count, channelCount: channel.length,
                                   latitudeCount: layout.latitudes.count, longitudeCount: layout.longitudes.count,
                                   thresholds: thresholds)
        let pointDims = [ids.leadDim, channel.id, ids.latDim, ids.lonDim]
        let zeros = [0, 0, 0, 0], shape = arrays.pointShape
        func point(_ name: String) throws -> Int32 { try variable(name, pointDims) }
        arrays.count = try nc.getInt32s(variable: try point("count"), start: zeros, count: shape)
        arrays.mean = try nc.getDoubles(variable: try point("mean"), start: zeros, count: shape)
        arrays.m2 = try nc.getDoubles(variable: try point("m2"), start: zeros, count: shape)
        arrays.minimum = try nc.getFloats(variable: try point("min"), start: zeros, count: shape)
        arrays.maximum = try nc.getFloats(variable: try point("max"), start: zeros, count: shape)
        arrays.argmin = try nc.getInt32s(variable: try point("argmin"), start: zeros, count: shape)
        arrays.argmax = try nc.getInt32s(variable: try point("argmax"), start: zeros, count: shape)
        arrays.exceedances = try nc.getInt32s(variable: try variable("exceedance", [threshold.id, ids.leadDim, ids.latDim, ids.lonDim]),
                                              start: zeros, count: arrays.exceedanceShape)
        let members = try nc.getInt32s(variable: try variable("member", [member.id]), start: [0], count: [member.length])
        return Contents(layout: layout, arrays: arrays, memberIndices: members.map(Int.init), run: try EnsembleRunInfo.read(from: nc))
    }
}
