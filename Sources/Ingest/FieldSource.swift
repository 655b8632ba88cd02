import DatasetIO
import Foundation
import HensCore

/// One source of hens channels in one input file: a data variable with its axes identified,
/// the level (by value) or member selected, and the recipe to normalise each field to hens'
/// layout — rows north → south, longitudes ascending from 0°E, canonical units.
public struct FieldSource {
    public let file: NetCDFReader
    public let variable: NetCDFReader.Variable
    public let channel: String
    public let quantity: Quantity
    public let conversion: UnitConversion
    /// Times of the variable's time axis, as seconds since 1970-01-01 in `calendar`.
    public let times: [Double]
    public let calendar: CFCalendar
    /// Normalised grid (north-first latitudes, longitudes in [0, 360) ascending).
    public let latitudes: [Double]
    public let longitudes: [Double]
    /// Fixed indices for non-horizontal, non-time dimensions (level, member, expver…).
    private let fixed: [Int?]
    /// The time dimension, or nil for a scalar time coordinate.
    private let timeAxis: Int?
    private let latAxis: Int
    private let lonAxis: Int
    /// Source row of each output row, and source column of each output column.
    private let rowOrder: [Int]
    private let columnOrder: [Int]
    private let unpacking: Unpacking
    /// For an `expver` dimension (old-CDS ERA5/ERA5T mixes): its axis, and its indices in the
    /// order versions are tried for each point — ascending expver, so final ERA5 (1) wins over
    /// preliminary ERA5T (5) where both hold a value; files list them either way round.
    private let expverAxis: Int?
    private let expverOrder: [Int]

    /// All channels a file provides: one FieldSource per (mapped variable, selected level).
    /// - Parameters:
    ///   - member: ensemble member index to take where the variable has an ensemble dimension.
    public static func all(in file: NetCDFReader, member: Int = 0) throws -> [FieldSource] {
        var out: [FieldSource] = []
        let dimensionNames = Set(file.dimensions.map(\.name))
        for v in file.variables where !dimensionNames.contains(v.name) && v.dimensions.count >= 2 && v.isNumeric {
            out += try sources(for: v, in: file, member: member)
        }
        return out
    }

    /// The channels one variable provides (none when it maps to no hens quantity).
    public static func sources(for v: NetCDFReader.Variable, in file: NetCDFReader, member: Int = 0) throws -> [FieldSource] {
        guard let mapped = VariableTable.lookup(name: v.name, gribShortName: v.attributes["GRIB_shortName"]?.text,
                                                standardName: v.attributes["standard_name"]?.text) else { return [] }
        return try sources(file, v, mapped, member: member)
    }


    private static func sources(_ file: NetCDFReader, _ v: NetCDFReader.Variable, _ mapped: SourceVariable, member: Int) throws -> [FieldSource] {
        let where_ = "\(file.path): variable '\(v.name)'"
        let roles = v.dimensions.map { CoordinateAxes.role(of: file.coordinate(of: $0), name: $0) }
        guard let lat = roles.firstIndex(of: .latitude), let lon = roles.firstIndex(of: .longitude) else {
            throw HensError(.badInput, "\(where_) has dims (\(v.dimensions.joined(separator: ", "))): no latitude/longitude dimensions")
        }
        let conversion: UnitConversion
        do { conversion = try UnitConversion(from: v.attributes["units"]?.text, for: mapped, variable: v.name) } catch let error as HensError {
            throw HensError(error.kind, "\(file.path): \(error.message)")  // the message names the variable, not its file
        }
        // Time axis: a dimension, or a scalar time coordinate (one field per file, as cfgrib
        // writes GRIB forecasts: `valid_time` is preferred over the reference `time`).
        let time = roles.firstIndex(of: .time)
        let timeVar: NetCDFReader.Variable
        if let time {
            guard let c = file.coordinate(of: v.dimensions[time]) else {
                throw HensError(.badInput, "\(file.path): time dimension '\(v.dimensions[time])' has no coordinate variable")
            }
            timeVar = c
        } else if let c = ["valid_time", "time"].lazy.compactMap({ file.variable($0) }).first(where: { $0.shape.isEmpty }) {
            timeVar = c
        } else {
            throw HensError(.badInput, "\(where_) has no time dimension and the file no scalar time coordinate")
        }
        let calendar: CFCalendar
        let units: CFTimeUnits
        do {
            calendar = try CFCalendar(attribute: timeVar.attributes["calendar"]?.text)
            units = try CFTimeUnits(timeVar.attributes["units"]?.text ?? "", calendar: calendar)
        } catch let e as HensError {
            throw HensError(.badInput, "\(file.path): '\(timeVar.name)': \(e.message)")
        }
        let times = try file.readDoubles(timeVar).map(units.seconds)
        // Horizontal grid, normalised.
        guard let latVar = file.coordinate(of: v.dimensions[lat]), let lonVar = file.coordinate(of: v.dimensions[lon]) else {
            throw HensError(.badInput, "\(where_): latitude/longitude dimensions have no coordinate variables")
        }
        let rawLat = try file.readDoubles(latVar), rawLon = try file.readDoubles(lonVar)
        let rowOrder = rawLat.count > 1 && rawLat[0] < rawLat[rawLat.count - 1] ? Array((0..<rawLat.count).reversed()) : Array(0..<rawLat.count)
        let wrapped = rawLon.map { ($0.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360) }
        let columnOrder = wrapped.indices.sorted { wrapped[$0] < wrapped[$1] }
        let latitudes = rowOrder.map { rawLat[$0] }, longitudes = columnOrder.map { wrapped[$0] }
        if Set(longitudes).count != longitudes.count {
            throw HensError(.badInput, "\(where_): longitudes repeat after wrapping to [0, 360) (a cyclic duplicate column?)")
        }
        // Other dimensions: levels by value, members by index, expver collapsed.
        var fixed = [Int?](repeating: nil, count: v.dimensions.count)
        var levelAxis: Int?
        var levelsHPa: [Double] = []
        var expverAxis: Int?
        var expverOrder: [Int] = [0]
        for (axis, role) in roles.enumerated() where ![lat, lon, time].contains(axis) && role != .time {
            let name = v.dimensions[axis], length = v.shape[axis]
            switch role {
            case .vertical:
                levelAxis = axis
                let coord = file.coordinate(of: name)
                let values = try coord.map { try file.readDoubles($0) } ?? Array(0..<length).map(Double.init)
                let unit = coord?.attributes["units"]?.text?.lowercased() ?? "hpa"
                levelsHPa = values.map { unit == "pa" ? $0 / 100 : $0 }
            case .member:
                guard member < length else {
                    throw HensError(.invalidArgument, "--member \(member): \(where_) has \(length) members (0…\(length - 1))")
                }
                fixed[axis] = member
            default:
                if name.lowercased() == "expver" {
                    let versions = try file.coordinate(of: name).map { try file.readDoubles($0) } ?? Array(0..<length).map(Double.init)
                    expverAxis = axis
                    expverOrder = versions.indices.sorted { (versions[$0], $0) < (versions[$1], $1) }
                    fixed[axis] = expverOrder[0]
                }
                else if length == 1 { fixed[axis] = 0 }
                else {
                    throw HensError(.badInput, "\(where_) has an extra dimension '\(name)' of length \(length) that hens cannot interpret")
                }
            }
        }
        func make(channel: String, level: Int?) -> FieldSource {
            var f = fixed
            if let levelAxis, let level { f[levelAxis] = level }
            return FieldSource(file: file, variable: v, channel: channel, quantity: mapped.quantity, conversion: conversion,
                               times: times, calendar: calendar, latitudes: latitudes, longitudes: longitudes, fixed: f,
                               timeAxis: time, latAxis: lat, lonAxis: lon, rowOrder: rowOrder, columnOrder: columnOrder,
                               unpacking: Unpacking(v), expverAxis: expverAxis, expverOrder: expverOrder)
        }
        if let surface = mapped.surfaceChannel {
            if levelAxis != nil && levelsHPa.count > 1 {
                throw HensError(.badInput, "\(where_) is a single-level quantity but has \(levelsHPa.count) levels")
            }
            return [make(channel: surface, level: levelAxis == nil ? nil : 0)]
        }
        guard levelAxis != nil else {
            // A scalar level coordinate (CF `coordinates`, e.g. air_pressure = 200 hPa)…
            if let hPa = try scalarLevel(file, v), let channel = VariableTable.channelName(mapped, levelHPa: hPa) {
                return [make(channel: channel, level: nil)]
            }
            // …or NCEP's near-surface fields (level_desc "Surface", e.g. air at sigma 0.995).
            if let desc = v.attributes["level_desc"]?.text?.lowercased(), desc.contains("surface") || desc.contains(" m"),
               let channel = mapped.quantity.nearSurfaceChannel {
                return [make(channel: channel, level: nil)]
            }
            throw HensError(.badInput, "\(where_) is a pressure-level quantity but has no level dimension or scalar level coordinate")
        }
        return levelsHPa.enumerated().compactMap { index, hPa in
            VariableTable.channelName(mapped, levelHPa: hPa).map { make(channel: $0, level: index) }
        }
    }

    /// The pressure (hPa) of a scalar vertical coordinate named in the variable's `coordinates`
    /// attribute (names that do not exist are ignored, as the new CDS writes stale ones).
    private static func scalarLevel(_ file: NetCDFReader, _ v: NetCDFReader.Variable) throws -> Double? {
        let names = (v.attributes["coordinates"]?.text ?? "").split(separator: " ").map(String.init)
        for name in names {
            guard let c = file.variable(name), c.shape.isEmpty,
                  CoordinateAxes.role(of: c, name: name) == .vertical, let value = try file.readDoubles(c).first else { continue }
            let unit = c.attributes["units"]?.text?.lowercased() ?? "hpa"
            return unit == "pa" ? value / 100 : value
        }
        return nil
    }

    /// The field at time index `t`, `[nlat][nlon]` north-first from 0°E, canonical units, NaN
    /// where missing.
    public func field(time t: Int) throws -> [Float] {
        var start = fixed.map { $0 ?? 0 }, count = fixed.map { $0 == nil ? 0 : 1 }
        if let timeAxis { start[timeAxis] = t; count[timeAxis] = 1 }
        count[latAxis] = variable.shape[latAxis]; count[lonAxis] = variable.shape[lonAxis]
        var values = try read(start: start, count: count)
        // ERA5/ERA5T mixes: each time is valid in one expver only; take the first non-missing.
        if let axis = expverAxis {
            for version in expverOrder.dropFirst() where values.contains(where: { $0.isNaN }) {
                start[axis] = version
                let other = try read(start: start, count: count)
                for i in values.indices where values[i].isNaN { values[i] = other[i] }
            }
        }
        return normalised(values)
    }

    /// Reorders a field as read to north-first rows from 0°E and converts its units. Most files
    /// (ERA5, GFS) are stored that way already, so the common case is a copy or nothing at all.
    private func normalised(_ values: [Float]) -> [Float] {
        let nlat = latitudes.count, nlon = longitudes.count
        let latMajor = latAxis < lonAxis
        let factor = Float(conversion.factor), offset = Float(conversion.offset)
        let inOrder = latMajor && rowOrder.elementsEqual(0..<nlat) && columnOrder.elementsEqual(0..<nlon)
        if inOrder && conversion == .identity { return values }
        return [Float](unsafeUninitializedCapacity: nlat * nlon) { out, initialized in
            values.withUnsafeBufferPointer { v in
                if inOrder {
                    for i in 0..<v.count { out[i] = v[i] * factor + offset }
                } else {
                    for (r, row) in rowOrder.enumerated() {
                        for (c, column) in columnOrder.enumerated() {
                            out[r * nlon + c] = v[latMajor ? row * nlon + column : column * nlat + row] * factor + offset
                        }
                    }
                }
            }
            initialized = nlat * nlon
        }
    }

    private func read(start: [Int], count: [Int]) throws -> [Float] {
        unpacking.decode(try file.readDoubles(variable, start: start, count: count))
    }

    /// "file.nc:z[level=500 hPa]"-style provenance for attributes and messages.
    public var provenance: String {
        let conv = conversion == .identity ? "" : String(format: ", converted ×%g %+g", conversion.factor, conversion.offset)
        return "\(URL(fileURLWithPath: file.path).lastPathComponent):\(variable.name) (\(variable.attributes["units"]?.text ?? "no units")\(conv))"
    }
}
