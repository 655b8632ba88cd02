/// Channels the shallow-water generator can write, with their CF metadata.
public enum SWEChannel: String, CaseIterable, Sendable {
    case geopotential, vorticity, divergence, u, v, h

    /// CF units.
    public var units: String {
        switch self {
        case .geopotential: return "m2 s-2"
        case .vorticity, .divergence: return "s-1"
        case .u, .v: return "m s-1"
        case .h: return "m"
        }
    }

    /// CF long_name.
    public var longName: String {
        switch self {
        case .geopotential: return "geopotential (g times fluid depth)"
        case .vorticity: return "relative vorticity"
        case .divergence: return "horizontal divergence"
        case .u: return "eastward wind"
        case .v: return "northward wind"
        case .h: return "fluid depth"
        }
    }

    /// CF standard_name, where one exists.
    public var standardName: String? {
        switch self {
        case .geopotential: return "geopotential"
        case .vorticity: return "atmosphere_relative_vorticity"
        case .divergence: return "divergence_of_wind"
        case .u: return "eastward_wind"
        case .v: return "northward_wind"
        case .h: return nil
        }
    }

    /// This channel's grid values from the solver's grid fields.
    func values(_ fields: ShallowWaterSolver.GridFields, gravity: Double) -> [Double] {
        switch self {
        case .geopotential: return fields.geopotential
        case .vorticity: return fields.vorticity
        case .divergence: return fields.divergence
        case .u: return fields.u
        case .v: return fields.v
        case .h: return fields.geopotential.map { $0 / gravity }
        }
    }
}
