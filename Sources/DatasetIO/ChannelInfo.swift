/// One channel (physical variable) of a data set, with the CF metadata written beside it.
///
/// Each channel is one Float32 NetCDF variable named `name` with dims
/// (trajectory, time, lat, lon).
public struct ChannelInfo: Equatable, Sendable {
    /// The NetCDF variable name, e.g. `vorticity` or `z500`.
    public var name: String
    /// CF units (udunits syntax), e.g. `s-1` or `m2 s-2`.
    public var units: String
    /// Human-readable CF `long_name`.
    public var longName: String
    /// CF `standard_name`, or nil when the CF table has none (then no attribute is written).
    public var standardName: String?

    /// A channel description; `longName` defaults to the name.
    public init(name: String, units: String, longName: String? = nil, standardName: String? = nil) {
        self.name = name
        self.units = units
        self.longName = longName ?? name
        self.standardName = standardName
    }
}
