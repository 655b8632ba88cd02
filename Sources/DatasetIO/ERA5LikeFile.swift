import CNetCDF
import Foundation
import HensCore

/// A synthetic file in the old-CDS ERA5 layout, for benchmarks and size tests (`hens bench
/// ingest`): exactly what ecCodes' `grib_to_netcdf` writes (old CDS) — NetCDF-3 64-bit offset,
/// `longitude` 0 → 360 − Δ and `latitude` 90 → −90 as float, `time` as int
/// `hours since 1900-01-01 00:00:00.0` (gregorian), and each variable `short (time, latitude,
/// longitude)` packed per file from its own range (`scale_factor = (max − min)/65533`,
/// `add_offset = max − 32767·scale_factor`, `_FillValue = missing_value = −32767`).
///
/// The values are smooth large-scale patterns plus small-scale structure and deterministic
/// noise within each variable's realistic range, so that regridding has real work to do. They
/// are not weather: never train on them.
public enum ERA5LikeFile {
    /// One variable: ERA5 short name, units and names as ERA5 writes them, and a value range.
    public struct Variable: Sendable {
        public let name: String
        public let units: String
        public let longName: String
        public let standardName: String?
        public let range: ClosedRange<Double>

        public init(name: String, units: String, longName: String, standardName: String?, range: ClosedRange<Double>) {
            self.name = name
            self.units = units
            self.longName = longName
            self.standardName = standardName
            self.range = range
        }
    }

    /// ERA5 single-level variables hens ingests (t2m, u10, v10, msl, tcwv).
    public static let singleLevel: [Variable] = [
        Variable(name: "t2m", units: "K", longName: "2 metre temperature", standardName: nil, range: 220...315),
        Variable(name: "u10", units: "m s**-1", longName: "10 metre U wind component", standardName: nil, range: -25...25),
        Variable(name: "v10", units: "m s**-1", longName: "10 metre V wind component", standardName: nil, range: -25...25),
        Variable(name: "msl", units: "Pa", longName: "Mean sea level pressure", standardName: "air_pressure_at_mean_sea_level",
                 range: 95_000...105_000),
        Variable(name: "tcwv", units: "kg m**-2", longName: "Total column vertically-integrated water vapour", standardName: nil,
                 range: 0...70),
    ]

    /// ERA5 pressure-level variables (geopotential, temperature) for files with `levels`.
    public static let pressureLevel: [Variable] = [
        Variable(name: "z", units: "m**2 s**-2", longName: "Geopotential", standardName: "geopotential", range: 45_000...60_000),
        Variable(name: "t", units: "K", longName: "Temperature", standardName: "air_temperature", range: 230...300),
    ]

    /// ERA5's surface pressure.
    public static let surfacePressure = Variable(name: "sp", units: "Pa", longName: "Surface pressure",
                                                 standardName: "surface_air_pressure", range: 50_000...105_000)

    /// Writes the file (replacing any file at `path`, atomically).
    /// - Parameters:
    ///   - nlat, nlon: grid size; 721 × 1440 is ERA5's 0.25°.
    ///   - hours: time values, hours since 1900-01-01 (e.g. 6-hourly from 2020-01-01: 1_052_064, +6, …).
    ///   - levels: pressure levels in hPa; when given, every variable is (time, level, latitude,
    ///     longitude) as in ERA5's pressure-level files.
    public static func write(path: String, nlat: Int = 721, nlon: Int = 1440, hours: [Int32],
                             variables: [Variable] = singleLevel, levels: [Int32] = []) throws {
        guard nlat >= 2, nlon >= 2, !hours.isEmpty, !variables.isEmpty else {
            throw HensError(.invalidArgument, "\(path): an ERA5-like file needs ≥ 2×2 points, a time and a variable")
        }
        let staged = try NetCDFFile.stage(path: path, format: NC_64BIT_OFFSET) { nc in
            try define(nc, nlat: nlat, nlon: nlon, times: hours.count, variables: variables, levels: levels)
            let latitudes = (0..<nlat).map { 90 - 180 * Double($0) / Double(nlat - 1) }
            let longitudes = (0..<nlon).map { 360 * Double($0) / Double(nlon) }
            try nc.putDoubles(variable: nc.variableID("longitude")!, longitudes)
            try nc.putDoubles(variable: nc.variableID("latitude")!, latitudes)
            try nc.putInts(variable: nc.variableID("time")!, hours)
            if !levels.isEmpty { try nc.putInts(variable: nc.variableID("level")!, levels) }
            for (k, v) in variables.enumerated() {
                try writeVariable(nc, v, index: k, latitudes: latitudes, longitudes: longitudes, times: hours.count,
                                  levels: levels.count)
            }
        }
        try staged.commit()
    }

    private static func define(_ nc: NetCDFFile, nlat: Int, nlon: Int, times: Int, variables: [Variable], levels: [Int32]) throws {
        let lonDim = try nc.defineDimension("longitude", length: nlon)
        let latDim = try nc.defineDimension("latitude", length: nlat)
        var levelDims: [Int32] = []
        if !levels.isEmpty {
            let levelDim = try nc.defineDimension("level", length: levels.count)
            let level = try nc.defineVariable("level", type: nc_type(NC_INT), dimensions: [levelDim])
            try nc.putAttribute("units", text: "millibars", variable: level)
            try nc.putAttribute("long_name", text: "pressure_level", variable: level)
            levelDims = [levelDim]
        }
        let timeDim = try nc.defineDimension("time", length: times)
        let lon = try nc.defineVariable("longitude", type: nc_type(NC_FLOAT), dimensions: [lonDim])
        try nc.putAttribute("units", text: "degrees_east", variable: lon)
        try nc.putAttribute("long_name", text: "longitude", variable: lon)
        let lat = try nc.defineVariable("latitude", type: nc_type(NC_FLOAT), dimensions: [latDim])
        try nc.putAttribute("units", text: "degrees_north", variable: lat)
        try nc.putAttribute("long_name", text: "latitude", variable: lat)
        let time = try nc.defineVariable("time", type: nc_type(NC_INT), dimensions: [timeDim])
        try nc.putAttribute("units", text: "hours since 1900-01-01 00:00:00.0", variable: time)
        try nc.putAttribute("long_name", text: "time", variable: time)
        try nc.putAttribute("calendar", text: "gregorian", variable: time)
        for v in variables {
            let id = try nc.defineVariable(v.name, type: nc_type(NC_SHORT), dimensions: [timeDim] + levelDims + [latDim, lonDim])
            // Placeholders: the packing is known only once the values are; attribute values of
            // the same size can be rewritten in data mode without moving the header.
            try nc.putAttribute("scale_factor", doubles: [1], variable: id)
            try nc.putAttribute("add_offset", doubles: [0], variable: id)
            try nc.putAttribute("_FillValue", doubles: [-32767], type: nc_type(NC_SHORT), variable: id)
            try nc.putAttribute("missing_value", doubles: [-32767], type: nc_type(NC_SHORT), variable: id)
            try nc.putAttribute("units", text: v.units, variable: id)
            try nc.putAttribute("long_name", text: v.longName, variable: id)
            if let s = v.standardName { try nc.putAttribute("standard_name", text: s, variable: id) }
        }
        try nc.putAttribute("Conventions", text: "CF-1.6")
        try nc.putAttribute("history", text: "synthetic ERA5-like fields written by hens \(HensVersion.string) (not real data)")
        try nc.endDefinitions()
    }

    /// Computes all times of one variable, packs them with the variable's own range and writes them.
    private static func writeVariable(_ nc: NetCDFFile, _ v: Variable, index: Int, latitudes: [Double],
                                      longitudes: [Double], times: Int, levels: Int) throws {
        let nlat = latitudes.count, nlon = longitudes.count, n = nlat * nlon
        let slabs = times * max(1, levels)
        var values = [Float](repeating: 0, count: slabs * n)
        // Separable pieces (rows × columns) keep the synthesis to a few multiply-adds per point.
        let phi = latitudes.map { $0 * .pi / 180 }, lambda = longitudes.map { $0 * .pi / 180 }
        let cosPhi = phi.map { cos($0) }, cos11 = phi.map { cos(11 * $0) }, sin11 = phi.map { sin(11 * $0) }
        for slab in 0..<slabs {
            // Each level gets its own pattern (a different k), each time its own phase.
            let t = slab / max(1, levels), k = index + 7 * (slab % max(1, levels)), kk = Double(k)
            let sin17 = lambda.map { sin(17 * $0 + kk) }, cos17 = lambda.map { cos(17 * $0 + kk) }
            let rowTerm = phi.map { 0.5 * cos(2 * $0 + 0.3 * kk + 0.1 * Double(t)) }
            let wave = lambda.map { 0.25 * sin(3 * $0 + kk + 0.5 * Double(t)) }
            for r in 0..<nlat {
                for c in 0..<nlon {
                    let small = 0.15 * cosPhi[r] * (sin17[c] * cos11[r] + cos17[c] * sin11[r])
                    let g = rowTerm[r] + wave[c] * cosPhi[r] + small + 0.1 * noise(t, r, c, k)
                    values[slab * n + r * nlon + c] = Float(v.range.lowerBound + (v.range.upperBound - v.range.lowerBound) * (0.5 + 0.5 * g))
                }
            }
        }
        let lo = Double(values.min()!), hi = Double(values.max()!)
        let scale = max(hi - lo, 1e-12) / 65_533, offset = hi - 32_767 * scale
        let id = nc.variableID(v.name)!
        try nc.putAttribute("scale_factor", doubles: [scale], variable: id)
        try nc.putAttribute("add_offset", doubles: [offset], variable: id)
        var packed = [Int16](repeating: 0, count: n)
        for slab in 0..<slabs {
            for i in 0..<n { packed[i] = Int16(((Double(values[slab * n + i]) - offset) / scale).rounded()) }
            let (t, level) = (slab / max(1, levels), slab % max(1, levels))
            try packed.withUnsafeBufferPointer {
                if levels > 0 {
                    try nc.putShorts(variable: id, start: [t, level, 0, 0], count: [1, 1, nlat, nlon], $0)
                } else {
                    try nc.putShorts(variable: id, start: [t, 0, 0], count: [1, nlat, nlon], $0)
                }
            }
        }
    }

    /// Deterministic noise in [−1, 1) from a 64-bit mix of the indices (one SplitMix64 step).
    @inline(__always)
    private static func noise(_ t: Int, _ r: Int, _ c: Int, _ k: Int) -> Double {
        let z = SplitMix64.mix(UInt64(truncatingIfNeeded: ((k &* 31 &+ t) &* 1_000_003 &+ r) &* 4_000_037 &+ c))
        return Double(z >> 11) / Double(1 << 52) - 1
    }
}
