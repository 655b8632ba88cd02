import CNetCDF
import HensCore

/// What the forecast output files of one initial time share: the channels written, the output
/// grid, the leads and the initial time.
///
/// Both the member shard files (`EnsembleShardWriter`) and the summary files
/// (`EnsembleSummaryFile`) carry these as CF coordinates: `lat(lat)` degrees_north, `lon(lon)`
/// degrees_east, `lead(lead)` in `leadUnits` (a CF duration, e.g. hours) and a scalar `time` (the
/// initial time, with CF `units`/`calendar`); every grid-point variable gets a `coordinates`
/// attribute naming `time`, so CF readers derive the valid time as `time + lead`.
public struct EnsembleOutputLayout: Equatable, Sendable {
    /// The channels written, one variable each, in this order.
    public var channels: [ChannelInfo]
    /// Latitudes of the written grid (degrees north, strictly decreasing).
    public var latitudes: [Double]
    /// Longitudes of the written grid (degrees east, strictly increasing; a crop across 0° E
    /// gives e.g. −10…10).
    public var longitudes: [Double]
    /// Forecast leads, in `leadUnits`, strictly increasing (0 is the initial state).
    public var leads: [Double]
    /// CF units of `leads`, e.g. `hours`.
    public var leadUnits: String
    /// The initial time, in `timeUnits`.
    public var initialTime: Double
    /// CF time units of `initialTime`, e.g. `hours since 2023-06-01 00:00:00`.
    public var timeUnits: String
    /// CF calendar of `initialTime`.
    public var calendar: String

    /// A layout description; see the properties.
    public init(channels: [ChannelInfo], latitudes: [Double], longitudes: [Double], leads: [Double],
                leadUnits: String = "hours", initialTime: Double, timeUnits: String,
                calendar: String = "proleptic_gregorian") {
        self.channels = channels
        self.latitudes = latitudes
        self.longitudes = longitudes
        self.leads = leads
        self.leadUnits = leadUnits
        self.initialTime = initialTime
        self.timeUnits = timeUnits
        self.calendar = calendar
    }

    /// Values in one field: `latitudes.count * longitudes.count`.
    public var fieldCount: Int { latitudes.count * longitudes.count }

    /// The same layout on a cropped grid.
    public func cropped(by crop: GridCrop) -> EnsembleOutputLayout {
        var layout = self
        layout.latitudes = crop.latitudes(of: latitudes)
        layout.longitudes = crop.longitudes(of: longitudes)
        return layout
    }

    /// Index of the channel named `name`, if any.
    public func channelIndex(named name: String) -> Int? {
        channels.firstIndex { $0.name == name }
    }

    // MARK: File plumbing shared by the shard and summary files

    /// Names no channel may take, because coordinates or statistics use them.
    static let coordinateNames: Set<String> = ["lat", "lon", "lead", "time", "member", "checkpoint", "seed", "sign"]

    /// Ids of the coordinate dimensions and variables defined by `define(in:)`.
    struct CoordinateIDs {
        let leadDim, latDim, lonDim: Int32
        let leadVar, latVar, lonVar, timeVar: Int32
    }

    /// Checks the layout, throwing `.invalidArgument` naming `path` and the problem.
    func validate(path: String, reserved: Set<String> = coordinateNames) throws {
        func fail(_ message: String) -> HensError { HensError(.invalidArgument, "\(path): \(message)") }
        guard !channels.isEmpty else { throw fail("no channels to write") }
        var seen = Set<String>()
        for channel in channels {
            guard !reserved.contains(channel.name) else {
                throw fail("channel name '\(channel.name)' clashes with a coordinate or statistic variable")
            }
            guard seen.insert(channel.name).inserted else { throw fail("channel '\(channel.name)' listed twice") }
        }
        guard !latitudes.isEmpty, !longitudes.isEmpty else { throw fail("the grid has no latitudes or no longitudes") }
        guard zip(latitudes, latitudes.dropFirst()).allSatisfy({ $0 > $1 }) else {
            throw fail("latitudes must run strictly north to south")
        }
        guard zip(longitudes, longitudes.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("longitudes must increase strictly")
        }
        guard !leads.isEmpty, zip(leads, leads.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("leads must be a non-empty, strictly increasing list")
        }
        guard timeUnits.contains(" since ") else {
            throw fail("time units '\(timeUnits)' are not CF time units such as 'hours since 2023-06-01 00:00:00'")
        }
    }

    /// Defines the `lead`, `lat`, `lon` dimensions and coordinates and the scalar `time`.
    func define(in nc: NetCDFFile) throws -> CoordinateIDs {
        let leadDim = try nc.defineDimension("lead", length: leads.count)
        let latDim = try nc.defineDimension("lat", length: latitudes.count)
        let lonDim = try nc.defineDimension("lon", length: longitudes.count)

        /// A Double coordinate variable with its CF attributes (sorted keys: stable headers).
        func coordinate(_ name: String, _ dims: [Int32], _ attributes: [String: String]) throws -> Int32 {
            let v = try nc.defineVariable(name, type: NC_DOUBLE, dimensions: dims)
            try nc.putTextAttributes(attributes, variable: v)
            return v
        }
        let leadVar = try coordinate("lead", [leadDim], [
            "long_name": "forecast lead time", "standard_name": "forecast_period", "units": leadUnits])
        let latVar = try coordinate("lat", [latDim], [
            "standard_name": "latitude", "long_name": "latitude", "units": "degrees_north", "axis": "Y"])
        let lonVar = try coordinate("lon", [lonDim], [
            "standard_name": "longitude", "long_name": "longitude", "units": "degrees_east", "axis": "X"])
        let timeVar = try coordinate("time", [], [
            "standard_name": "forecast_reference_time", "long_name": "initial time", "units": timeUnits,
            "calendar": calendar])
        return CoordinateIDs(leadDim: leadDim, latDim: latDim, lonDim: lonDim,
                             leadVar: leadVar, latVar: latVar, lonVar: lonVar, timeVar: timeVar)
    }

    /// Writes the CF metadata of one channel variable.
    func describe(channel: ChannelInfo, variable v: Int32, in nc: NetCDFFile) throws {
        try nc.putAttribute("units", text: channel.units, variable: v)
        try nc.putAttribute("long_name", text: channel.longName, variable: v)
        if let standardName = channel.standardName {
            try nc.putAttribute("standard_name", text: standardName, variable: v)
        }
        try nc.putAttribute("coordinates", text: "time", variable: v)
    }

    /// Writes the coordinate values (after `endDefinitions()`).
    func writeCoordinates(_ ids: CoordinateIDs, in nc: NetCDFFile) throws {
        try nc.putDoubles(variable: ids.leadVar, leads)
        try nc.putDoubles(variable: ids.latVar, latitudes)
        try nc.putDoubles(variable: ids.lonVar, longitudes)
        try nc.putDoubles(variable: ids.timeVar, start: [], count: [], [initialTime])
    }

    /// Reads the coordinates of a file written by `define`/`writeCoordinates`; `channels` are
    /// filled in by the caller (which knows which variables are channels).
    static func read(from nc: NetCDFFile, path: String) throws -> (layout: EnsembleOutputLayout, ids: CoordinateIDs) {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        func dimension(_ name: String) throws -> (id: Int32, length: Int) {
            guard let id = nc.dimensionID(name) else { throw fail("missing dimension '\(name)'") }
            return (id, try nc.dimensionLength(id))
        }
        let lead = try dimension("lead"), lat = try dimension("lat"), lon = try dimension("lon")
        func coordinate(_ name: String, _ dims: [Int32]) throws -> Int32 {
            guard let id = nc.variableID(name) else { throw fail("missing coordinate variable '\(name)'") }
            guard try nc.variable(id).dimensionIDs == dims else {
                throw fail("coordinate variable '\(name)' has unexpected dimensions")
            }
            return id
        }
        let ids = CoordinateIDs(leadDim: lead.id, latDim: lat.id, lonDim: lon.id,
                                leadVar: try coordinate("lead", [lead.id]), latVar: try coordinate("lat", [lat.id]),
                                lonVar: try coordinate("lon", [lon.id]), timeVar: try coordinate("time", []))
        guard let timeUnits = try nc.textAttribute("units", variable: ids.timeVar), timeUnits.contains(" since ") else {
            throw fail("variable 'time' has no CF 'units' attribute such as 'hours since 2023-06-01 00:00:00'")
        }
        guard let leadUnits = try nc.textAttribute("units", variable: ids.leadVar) else {
            throw fail("variable 'lead' has no 'units' attribute")
        }
        let layout = EnsembleOutputLayout(
            channels: [], latitudes: try nc.getDoubles(variable: ids.latVar, length: lat.length),
            longitudes: try nc.getDoubles(variable: ids.lonVar, length: lon.length),
            leads: try nc.getDoubles(variable: ids.leadVar, length: lead.length), leadUnits: leadUnits,
            initialTime: try nc.getDoubles(variable: ids.timeVar, start: [], count: [])[0], timeUnits: timeUnits,
            calendar: try nc.textAttribute("calendar", variable: ids.timeVar) ?? "standard")
        return (layout, ids)
    }

    /// The channel description stored on a variable.
    static func channel(named name: String, variable v: Int32, in nc: NetCDFFile, path: String) throws -> ChannelInfo {
        guard let units = try nc.textAttribute("units", variable: v) else {
            throw HensError(.badInput, "\(path): variable '\(name)' has no 'units' attribute")
        }
        return ChannelInfo(name: name, units: units, longName: try nc.textAttribute("long_name", variable: v),
                           standardName: try nc.textAttribute("standard_name", variable: v))
    }
}
