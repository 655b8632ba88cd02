import CNetCDF
import HensCore

/// The model climate of `hens mclimate`: percentiles 0…100 of pooled reforecasts per channel,
/// lead and grid point — what `hens evaluate` computes the EFI and SOT against.
///
/// One Float32 variable per channel with dims (lead, percentile, lat, lon); coordinates
/// `lead` (hours), `percentile` (0…100), `lat`, `lon`; provenance as global attributes.
public struct ModelClimateLayout: Equatable, Sendable {
    /// Channels (CF metadata).
    public var channels: [ChannelInfo]
    /// Latitudes, north first.
    public var latitudes: [Double]
    /// Longitudes, increasing.
    public var longitudes: [Double]
    /// Leads in hours.
    public var leads: [Double]
    /// Percentile levels (0…100 in steps of 1 for ECMWF's 101).
    public var percentiles: [Double]

    /// A layout.
    public init(channels: [ChannelInfo], latitudes: [Double], longitudes: [Double], leads: [Double],
                percentiles: [Double] = (0...100).map(Double.init)) {
        self.channels = channels
        self.latitudes = latitudes
        self.longitudes = longitudes
        self.leads = leads
        self.percentiles = percentiles
    }

    /// Points per field.
    public var fieldCount: Int { latitudes.count * longitudes.count }
}

/// Writes a model-climate file one (channel, lead) at a time, under a temporary name until
/// `finish()`.
public final class ModelClimateWriter {
    /// The final path.
    public let path: String
    /// The layout being written.
    public let layout: ModelClimateLayout
    private let pending: PendingNetCDF
    private var variables: [Int32] = []

    /// Creates the file with its coordinates and `attributes` (provenance).
    public init(path: String, layout: ModelClimateLayout, attributes: [String: String]) throws {
        self.path = path
        self.layout = layout
        let output = AtomicFile(path: path)
        var ids: [Int32] = []
        pending = try PendingNetCDF(output, file: try NetCDFFile.create(path: output.temporaryPath, displayName: path)) { nc in
            let leadDim = try nc.defineDimension("lead", length: layout.leads.count)
            let levelDim = try nc.defineDimension("percentile", length: layout.percentiles.count)
            let latDim = try nc.defineDimension("lat", length: layout.latitudes.count)
            let lonDim = try nc.defineDimension("lon", length: layout.longitudes.count)
            func coordinate(_ name: String, _ dim: Int32, _ attributes: [String: String]) throws -> Int32 {
                let v = try nc.defineVariable(name, type: NC_DOUBLE, dimensions: [dim])
                try nc.putTextAttributes(attributes, variable: v)
                return v
            }
            let coordinates = [
                try coordinate("lead", leadDim, ["long_name": "forecast lead time", "standard_name": "forecast_period", "units": "hours"]),
                try coordinate("percentile", levelDim, ["long_name": "percentile of the pooled reforecasts", "units": "percent"]),
                try coordinate("lat", latDim, ["standard_name": "latitude", "units": "degrees_north", "axis": "Y"]),
                try coordinate("lon", lonDim, ["standard_name": "longitude", "units": "degrees_east", "axis": "X"]),
            ]
            for channel in layout.channels {
                let v = try nc.defineVariable(channel.name, type: NC_FLOAT, dimensions: [leadDim, levelDim, latDim, lonDim])
                try nc.setChunking(variable: v, chunks: [1, layout.percentiles.count, layout.latitudes.count, layout.longitudes.count])
                try nc.setDeflate(variable: v, level: 1, shuffle: true)
                try nc.putAttribute("units", text: channel.units, variable: v)
                try nc.putAttribute("long_name", text: "model-climate percentiles of " + channel.longName, variable: v)
                ids.append(v)
            }
            try nc.putGlobalAttributes(attributes)
            try nc.endDefinitions()
            for (v, values) in zip(coordinates, [layout.leads, layout.percentiles, layout.latitudes, layout.longitudes]) {
                try nc.putDoubles(variable: v, values)
            }
        }
        variables = ids
    }

    /// Writes one channel's percentiles at one lead, `[percentile][point]`.
    public func write(channel: Int, lead: Int, percentiles: UnsafeBufferPointer<Float>) throws {
        let nc = try pending.open(for: "write")
        try nc.putFloats(variable: variables[channel], start: [lead, 0, 0, 0],
                         count: [1, layout.percentiles.count, layout.latitudes.count, layout.longitudes.count], percentiles)
    }

    /// Closes and publishes the file.
    public func finish() throws { try pending.close().commit() }

    /// Abandons the file.
    public func abort() { pending.abort() }
}

/// Reads a model-climate file written by `ModelClimateWriter`.
public final class ModelClimateReader {
    /// The path.
    public let path: String
    /// Channels, grid, leads and percentile levels.
    public let layout: ModelClimateLayout
    /// Global attributes (provenance).
    public let attributes: [String: String]
    private let file: NetCDFFile
    private let variables: [Int32]

    /// Opens and validates a model-climate file.
    public init(path: String) throws {
        let nc = try NetCDFFile.openHensFile(path: path)
        do {
            func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message) (expected a model climate from hens mclimate)") }
            func axis(_ name: String) throws -> (dim: Int32, values: [Double]) {
                guard let d = nc.dimensionID(name), let v = nc.variableID(name) else { throw fail("missing dimension/coordinate '\(name)'") }
                return (d, try nc.getDoubles(variable: v, length: try nc.dimensionLength(d)))
            }
            let lead = try axis("lead"), level = try axis("percentile"), lat = try axis("lat"), lon = try axis("lon")
            var channels: [ChannelInfo] = [], ids: [Int32] = []
            for info in try nc.variables() where info.dimensionIDs.count == 4 {
                guard info.dimensionIDs == [lead.dim, level.dim, lat.dim, lon.dim], info.type == nc_type(NC_FLOAT) else {
                    throw fail("variable '\(info.name)' is not Float32 with dims (lead, percentile, lat, lon)")
                }
                channels.append(try EnsembleOutputLayout.channel(named: info.name, variable: info.id, in: nc, path: path))
                ids.append(info.id)
            }
            guard !channels.isEmpty else { throw fail("no channel variables") }
            guard level.values.count >= 2, zip(level.values, level.values.dropFirst()).allSatisfy({ $0 < $1 }),
                  level.values.first == 0, level.values.last == 100,
                  level.values.indices.allSatisfy({ abs(level.values[$0] - 100 * Double($0) / Double(level.values.count - 1)) < 1e-9 }) else {
                throw fail("percentile levels must be evenly spaced from 0 to 100 (e.g. 0, 1, …, 100)")
            }
            layout = ModelClimateLayout(channels: channels, latitudes: lat.values, longitudes: lon.values, leads: lead.values,
                                        percentiles: level.values)
            attributes = try nc.textAttributes()
            variables = ids
        } catch {
            nc.closeQuietly()
            throw error
        }
        self.path = path
        file = nc
    }

    deinit { file.closeQuietly() }

    /// One channel's percentiles at one lead, `[percentile][point]`.
    public func read(channel: Int, lead: Int) throws -> [Float] {
        try file.getFloats(variable: variables[channel], start: [lead, 0, 0, 0],
                           count: [1, layout.percentiles.count, layout.latitudes.count, layout.longitudes.count])
    }
}
