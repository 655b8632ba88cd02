import Foundation
import HensCore

/// The physical quantities hens knows, with the canonical units it stores.
public enum Quantity: String, Sendable, CaseIterable {
    case geopotential, temperature, eastwardWind, northwardWind, specificHumidity, relativeHumidity
    case seaLevelPressure, surfacePressure, waterVapourColumn, dewPoint

    /// Canonical units written to the dataset.
    public var units: String {
        switch self {
        case .geopotential: return "m2 s-2"
        case .temperature, .dewPoint: return "K"
        case .eastwardWind, .northwardWind: return "m s-1"
        case .specificHumidity: return "kg kg-1"
        case .relativeHumidity: return "%"
        case .seaLevelPressure, .surfacePressure: return "Pa"
        case .waterVapourColumn: return "kg m-2"
        }
    }

    /// CF standard name written to the dataset.
    public var standardName: String {
        switch self {
        case .geopotential: return "geopotential"
        case .temperature: return "air_temperature"
        case .eastwardWind: return "eastward_wind"
        case .northwardWind: return "northward_wind"
        case .specificHumidity: return "specific_humidity"
        case .relativeHumidity: return "relative_humidity"
        case .seaLevelPressure: return "air_pressure_at_mean_sea_level"
        case .surfacePressure: return "surface_air_pressure"
        case .waterVapourColumn: return "atmosphere_mass_content_of_water_vapor"
        case .dewPoint: return "dew_point_temperature"
        }
    }

    /// The single-level channel a near-surface field of this quantity maps to (NCEP's
    /// "Surface" air temperature and winds).
    var nearSurfaceChannel: String? {
        switch self {
        case .temperature: return "t2m"
        case .eastwardWind: return "u10m"
        case .northwardWind: return "v10m"
        default: return nil
        }
    }

    /// Channel name prefix for pressure-level fields (z500, t850, …).
    var levelPrefix: String? {
        switch self {
        case .geopotential: return "z"
        case .temperature: return "t"
        case .eastwardWind: return "u"
        case .northwardWind: return "v"
        case .specificHumidity: return "q"
        case .relativeHumidity: return "r"
        default: return nil
        }
    }
}

/// How a source variable maps to a hens quantity: the quantity, whether it is a surface
/// (single-level) field and its channel name there, and whether the source stores a height
/// (gpm) where hens stores geopotential.
public struct SourceVariable: Sendable, Equatable {
    public let quantity: Quantity
    /// Channel name for a single-level field (t2m, u10m, msl, …); nil for pressure-level fields.
    public let surfaceChannel: String?
    /// The source holds geopotential height (gpm), converted with g₀ = 9.80665 m s⁻².
    public let isHeight: Bool
}

/// The one table from source names to hens channels: ERA5 short names (old and new CDS),
/// WeatherBench2 long names, NCEP names, then CF standard names.
public enum VariableTable {
    static let byName: [String: SourceVariable] = {
        func pl(_ q: Quantity, height: Bool = false) -> SourceVariable { SourceVariable(quantity: q, surfaceChannel: nil, isHeight: height) }
        func sfc(_ q: Quantity, _ channel: String) -> SourceVariable { SourceVariable(quantity: q, surfaceChannel: channel, isHeight: false) }
        return [
            // ERA5 (ECMWF short names)
            "z": pl(.geopotential), "t": pl(.temperature), "u": pl(.eastwardWind), "v": pl(.northwardWind),
            "q": pl(.specificHumidity), "r": pl(.relativeHumidity),
            "t2m": sfc(.temperature, "t2m"), "u10": sfc(.eastwardWind, "u10m"), "v10": sfc(.northwardWind, "v10m"),
            "msl": sfc(.seaLevelPressure, "msl"), "sp": sfc(.surfacePressure, "sp"), "tcwv": sfc(.waterVapourColumn, "tcwv"),
            "d2m": sfc(.dewPoint, "d2m"), "u100": sfc(.eastwardWind, "u100m"), "v100": sfc(.northwardWind, "v100m"),
            // GRIB short names as cfgrib writes them
            "2t": sfc(.temperature, "t2m"), "10u": sfc(.eastwardWind, "u10m"), "10v": sfc(.northwardWind, "v10m"),
            "2d": sfc(.dewPoint, "d2m"), "100u": sfc(.eastwardWind, "u100m"), "100v": sfc(.northwardWind, "v100m"),
            // WeatherBench2 / CDS API long names
            "geopotential": pl(.geopotential), "temperature": pl(.temperature),
            "u_component_of_wind": pl(.eastwardWind), "v_component_of_wind": pl(.northwardWind),
            "specific_humidity": pl(.specificHumidity), "relative_humidity": pl(.relativeHumidity),
            "2m_temperature": sfc(.temperature, "t2m"), "10m_u_component_of_wind": sfc(.eastwardWind, "u10m"),
            "10m_v_component_of_wind": sfc(.northwardWind, "v10m"),
            "100m_u_component_of_wind": sfc(.eastwardWind, "u100m"), "100m_v_component_of_wind": sfc(.northwardWind, "v100m"), "mean_sea_level_pressure": sfc(.seaLevelPressure, "msl"),
            "surface_pressure": sfc(.surfacePressure, "sp"), "total_column_water_vapour": sfc(.waterVapourColumn, "tcwv"),
            // NCEP/NCAR and GFS
            "air": pl(.temperature), "hgt": pl(.geopotential, height: true), "gh": pl(.geopotential, height: true),
            "uwnd": pl(.eastwardWind), "vwnd": pl(.northwardWind), "shum": pl(.specificHumidity), "rhum": pl(.relativeHumidity),
            "slp": sfc(.seaLevelPressure, "msl"), "prmsl": sfc(.seaLevelPressure, "msl"), "pres": sfc(.surfacePressure, "sp"),
            "pwat": sfc(.waterVapourColumn, "tcwv"),
        ]
    }()

    static let byStandardName: [String: SourceVariable] = [
        "geopotential": SourceVariable(quantity: .geopotential, surfaceChannel: nil, isHeight: false),
        "geopotential_height": SourceVariable(quantity: .geopotential, surfaceChannel: nil, isHeight: true),
        "air_temperature": SourceVariable(quantity: .temperature, surfaceChannel: nil, isHeight: false),
        "eastward_wind": SourceVariable(quantity: .eastwardWind, surfaceChannel: nil, isHeight: false),
        "northward_wind": SourceVariable(quantity: .northwardWind, surfaceChannel: nil, isHeight: false),
        "specific_humidity": SourceVariable(quantity: .specificHumidity, surfaceChannel: nil, isHeight: false),
        "relative_humidity": SourceVariable(quantity: .relativeHumidity, surfaceChannel: nil, isHeight: false),
        "air_pressure_at_mean_sea_level": SourceVariable(quantity: .seaLevelPressure, surfaceChannel: "msl", isHeight: false),
        "surface_air_pressure": SourceVariable(quantity: .surfacePressure, surfaceChannel: "sp", isHeight: false),
        "atmosphere_mass_content_of_water_vapor": SourceVariable(quantity: .waterVapourColumn, surfaceChannel: "tcwv", isHeight: false),
        "dew_point_temperature": SourceVariable(quantity: .dewPoint, surfaceChannel: "d2m", isHeight: false),
    ]

    /// The mapping of a source variable by name (case-insensitive), else GRIB_shortName, else
    /// CF standard_name ("unknown", as the new CDS writes for surface fields, is ignored).
    public static func lookup(name: String, gribShortName: String? = nil, standardName: String? = nil) -> SourceVariable? {
        if let v = byName[name] ?? byName[name.lowercased()] { return v }
        if let g = gribShortName, let v = byName[g.lowercased()] { return v }
        if let s = standardName?.lowercased(), s != "unknown", let v = byStandardName[s] { return v }
        return nil
    }

    /// The channel name of a mapped variable at a pressure level (hPa), or its surface name.
    public static func channelName(_ v: SourceVariable, levelHPa: Double?) -> String? {
        if let s = v.surfaceChannel { return s }
        guard let prefix = v.quantity.levelPrefix, let level = levelHPa else { return nil }
        return prefix + String(Int(level.rounded()))
    }
}

/// A linear unit conversion to a quantity's canonical units: canonical = value·factor + offset.
public struct UnitConversion: Sendable, Equatable {
    public let factor: Double
    public let offset: Double

    public static let identity = UnitConversion(factor: 1, offset: 0)

    /// The conversion from `units` (as written in the source file) for a source variable.
    /// - Throws: for units hens does not know for that quantity (never guessed).
    public init(from units: String?, for source: SourceVariable, variable: String) throws {
        let u = (units ?? "").lowercased().replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "**", with: "")
            .replacingOccurrences(of: "^", with: "")
        let g0 = 9.80665
        func fail() -> HensError {
            HensError(.badInput, "variable '\(variable)': unknown units '\(units ?? "")' for \(source.quantity.rawValue) (expected e.g. \(source.quantity.units))")
        }
        switch source.quantity {
        case .geopotential:
            if source.isHeight || ["gpm", "m", "meters", "metre", "metres", "geopotentialmeters"].contains(u) {
                guard ["gpm", "m", "meters", "metre", "metres", "geopotentialmeters", "m2s-2", "m2/s2"].contains(u) else { throw fail() }
                self = ["m2s-2", "m2/s2"].contains(u) ? .identity : UnitConversion(factor: g0, offset: 0)
            } else {
                guard ["m2s-2", "m2/s2", "m2s-2)"].contains(u) else { throw fail() }
                self = .identity
            }
        case .temperature, .dewPoint:
            if ["k", "degk", "kelvin", "degrees_k", "deg_k", "degreek"].contains(u) { self = .identity }
            else if ["degc", "celsius", "deg_c", "degrees_c", "c", "degreec", "°c"].contains(u) { self = UnitConversion(factor: 1, offset: 273.15) }
            else { throw fail() }
        case .eastwardWind, .northwardWind:
            guard ["ms-1", "m/s", "ms**-1", "meters/second", "metre/second", "m.s-1"].contains(u) else { throw fail() }
            self = .identity
        case .specificHumidity:
            if ["kgkg-1", "kg/kg", "1", ""].contains(u) { self = .identity }
            else if ["gkg-1", "g/kg"].contains(u) { self = UnitConversion(factor: 1e-3, offset: 0) }
            else { throw fail() }
        case .relativeHumidity:
            if ["%", "percent"].contains(u) { self = .identity }
            else if ["1", "(0-1)", "fraction"].contains(u) { self = UnitConversion(factor: 100, offset: 0) }
            else { throw fail() }
        case .seaLevelPressure, .surfacePressure:
            if ["pa", "pascal", "pascals"].contains(u) { self = .identity }
            else if ["hpa", "mb", "mbar", "millibars", "millibar"].contains(u) { self = UnitConversion(factor: 100, offset: 0) }
            else { throw fail() }
        case .waterVapourColumn:
            guard ["kgm-2", "kg/m2", "mm", "kgm-2)"].contains(u) else { throw fail() }
            self = .identity
        }
    }

    init(factor: Double, offset: Double) {
        self.factor = factor
        self.offset = offset
    }
}
