import DatasetIO
import HensCore

/// The role of a dimension of a data variable.
public enum AxisRole: String, Sendable {
    case latitude, longitude, time, vertical, member, other
}

/// Classifies coordinate variables by CF rules, in the order CF §4 recommends: `axis`, then
/// `standard_name`, then `units`, and only last the variable's name (for files such as
/// NCEP's whose latitude units are the ambiguous "degrees").
public enum CoordinateAxes {
    static let latitudeUnits: Set<String> = ["degrees_north", "degree_north", "degree_n", "degrees_n", "degreen", "degreesn"]
    static let longitudeUnits: Set<String> = ["degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese"]
    static let pressureUnits: Set<String> = ["pa", "hpa", "mb", "millibars", "millibar", "mbar"]

    /// The role of coordinate variable `v` (1-D, named like its dimension), or of a bare
    /// dimension named `name` when the file has no coordinate variable for it.
    public static func role(of v: NetCDFReader.Variable?, name: String) -> AxisRole {
        let lowerName = name.lowercased()
        if let v {
            let attr = { (k: String) in v.attributes[k]?.text?.trimmingCharacters(in: .whitespaces).lowercased() }
            switch attr("axis") {
            case "y": return .latitude
            case "x": return .longitude
            case "t": return .time
            case "z": return .vertical
            default: break
            }
            switch attr("standard_name") {
            case "latitude": return .latitude
            case "longitude": return .longitude
            case "time": return .time
            case "air_pressure", "altitude", "height", "model_level_number": return .vertical
            case "realization": return .member
            default: break
            }
            if let units = attr("units") {
                if latitudeUnits.contains(units) { return .latitude }
                if longitudeUnits.contains(units) { return .longitude }
                if units.contains(" since ") { return .time }
                if pressureUnits.contains(units) || attr("positive") != nil { return .vertical }
                if v.shape.isEmpty && attr("standard_name") == nil && ["level", "plev", "air_pressure", "pressure"].contains(lowerName) { return .vertical }
            }
        }
        switch lowerName {
        case "lat", "latitude", "y", "fnocy", "rlat": return .latitude
        case "lon", "longitude", "x", "fnocx", "rlon": return .longitude
        case "time", "valid_time", "t": return .time
        case "level", "pressure_level", "isobaricinhpa", "plev", "lev", "pressure", "height": return .vertical
        case "number", "member", "realization", "ensemble", "ens": return .member
        default: return .other
        }
    }
}
