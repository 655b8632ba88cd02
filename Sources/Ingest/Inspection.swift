import DatasetIO
import Foundation
import HensCore

/// A one-screen summary of a NetCDF input (or a hens file): format, grid, time axis, levels,
/// members, variables with units and packing, what `ingest` would make of each, and problems.
public struct Inspection {
    public let path: String
    public private(set) var lines: [String] = []
    public private(set) var problems: [String] = []
    /// Set when the file cannot be trusted at all (shorter than its header says, or its header
    /// is cut off): the report then holds only the format and that problem, and the caller
    /// should exit with this error (exit 3), since every value read from it could be fill.
    public private(set) var refusal: HensError?

    /// Inspects a file. Throws only when it cannot be opened as NetCDF at all.
    public init(path: String) throws {
        self.path = path
        if let problem = try FileIntegrity.problem(path: path) {
            lines.append("\(path): \(try FileKind.detect(path: path).rawValue)")
            problems.append(problem)
            lines += ["problems:", "  - " + problem]
            refusal = HensError(.badInput, "\(path): \(problem)")
            return
        }
        let source = try NetCDFReader(path: path)
        lines.append("\(path): \(source.kind.rawValue) (\(source.formatDescription))")
        let dims = source.dimensions.map { "\($0.name)=\($0.length)\($0.isUnlimited ? " (unlimited)" : "")" }
        lines.append("dimensions: " + dims.joined(separator: ", "))
        if let version = source.globalAttributes["hens_version"]?.text {
            let generator = source.globalAttributes["generator"]?.text ?? "hens"
            lines.append("hens file: written by \(generator), hens \(version)")
        }

        var roles: [String: AxisRole] = [:]
        for d in source.dimensions { roles[d.name] = CoordinateAxes.role(of: source.coordinate(of: d.name), name: d.name) }
        describeGrid(source, roles)
        describeTime(source, roles)
        describeAxis(source, roles, .vertical, "levels")
        describeAxis(source, roles, .member, "members")
        describeExperimentVersions(source)
        describeVariables(source, roles)
        if problems.isEmpty { lines.append("problems: none found") }
        else { lines.append("problems:"); lines += problems.map { "  - " + $0 } }
    }


    private func dimension(_ roles: [String: AxisRole], _ role: AxisRole) -> String? {
        roles.filter { $0.value == role }.map(\.key).sorted().first
    }

    private mutating func describeGrid(_ s: NetCDFReader, _ roles: [String: AxisRole]) {
        guard let latDim = dimension(roles, .latitude), let lonDim = dimension(roles, .longitude),
              let lat = s.coordinate(of: latDim), let lon = s.coordinate(of: lonDim),
              let latitudes = try? s.readDoubles(lat), let longitudes = try? s.readDoubles(lon) else {
            lines.append("grid: no latitude/longitude coordinate variables found")
            problems.append("no latitude/longitude coordinates: ingest needs a regular lat-lon grid")
            return
        }
        let grid = GridDescription(latitudes: latitudes, longitudes: longitudes)
        lines.append("grid: \(grid.summary) [dims \(latDim), \(lonDim)]")
        if !grid.hasUniformLatitudes { problems.append("latitudes are not uniformly spaced (Gaussian grid?): ingest needs a regular lat-lon grid; regrid first, e.g. `cdo remapbil,r360x181`") }
        if !grid.hasUniformLongitudes { problems.append("longitudes are not uniformly spaced") }
        if !(grid.isGlobalInLatitude && grid.isGlobalInLongitude) { problems.append("regional grid: ingest refuses it unless --allow-regional") }
        if lat.attributes["units"]?.text.map({ CoordinateAxes.latitudeUnits.contains($0.lowercased()) }) != true {
            lines.append("  note: latitude units '\(lat.attributes["units"]?.text ?? "none")' (identified by name)")
        }
    }

    private mutating func describeTime(_ s: NetCDFReader, _ roles: [String: AxisRole]) {
        guard let dim = dimension(roles, .time), let v = s.coordinate(of: dim) else {
            describeScalarTimes(s)
            return
        }
        do {
            let (units, calendar) = try timeUnits(v)
            let seconds = try s.readDoubles(v).map(units.seconds)
            guard let first = seconds.first, let last = seconds.last else { lines.append("time: empty"); return }
            let steps = Set(zip(seconds, seconds.dropFirst()).map { $1 - $0 })
            let step = steps.count == 1 ? String(format: "%g h", steps.first! / 3600) : "irregular"
            lines.append("time: \(seconds.count) steps, \(units.isoString(seconds: first)) → \(units.isoString(seconds: last)), step \(step), \(calendar.rawValue) calendar [\(dim): '\(units.text)']")
            if Set(seconds).count != seconds.count { problems.append("duplicate times in '\(dim)'") }
            if zip(seconds, seconds.dropFirst()).contains(where: { $1 < $0 }) { problems.append("times in '\(dim)' are not increasing") }
        } catch let e as HensError {
            lines.append("time: unreadable [\(dim)]")
            problems.append(e.message)
        } catch {
            problems.append("time: \(error)")
        }
    }

    /// A time variable's CF units and calendar.
    private func timeUnits(_ v: NetCDFReader.Variable) throws -> (CFTimeUnits, CFCalendar) {
        let calendar = try CFCalendar(attribute: v.attributes["calendar"]?.text)
        return (try CFTimeUnits(v.attributes["units"]?.text ?? "", calendar: calendar), calendar)
    }

    /// Files without a time dimension (one field per variable, as cfgrib writes a GRIB forecast)
    /// carry their time(s) as scalar coordinates: the valid time, and for forecasts the reference
    /// time and the step. Ingest takes `valid_time`, else `time`.
    private mutating func describeScalarTimes(_ s: NetCDFReader) {
        let scalars = s.variables.filter { v in
            v.shape.isEmpty && v.isNumeric && CoordinateAxes.role(of: v, name: v.name) == .time
        }
        guard !scalars.isEmpty else {
            lines.append("time: none (no time dimension and no scalar time coordinate)")
            return
        }
        let used = ["valid_time", "time"].first { name in scalars.contains { $0.name == name } }
        var parts: [String] = []
        var calendarName = ""
        for v in scalars.sorted(by: { ($0.name == used ? 0 : 1, $0.name) < ($1.name == used ? 0 : 1, $1.name) }) {
            do {
                let (units, calendar) = try timeUnits(v)
                guard let value = try s.readDoubles(v).first, value.isFinite else { parts.append("\(v.name) = missing"); continue }
                let role = v.attributes["standard_name"]?.text.map { $0 == "time" ? "" : " (\($0))" } ?? ""
                parts.append("\(v.name)\(role) = \(units.isoString(seconds: units.seconds(value)))")
                if v.name == used { calendarName = calendar.rawValue }
            } catch let e as HensError {
                parts.append("\(v.name) = unreadable")
                problems.append("'\(v.name)': \(e.message)")
            } catch {
                problems.append("'\(v.name)': \(error)")
            }
        }
        // A forecast step (cfgrib's `step`, units "hours" without "since") completes the picture.
        if let step = s.variables.first(where: { $0.shape.isEmpty && $0.attributes["standard_name"]?.text == "forecast_period" }),
           let value = try? s.readDoubles(step).first, value.isFinite {
            parts.append("\(step.name) = \(String(format: "%g", value)) \(step.attributes["units"]?.text ?? "")")
        }
        let calendar = calendarName.isEmpty ? "" : ", \(calendarName) calendar"
        lines.append("time: 1 (scalar) — \(parts.joined(separator: ", "))\(calendar)\(used.map { " [ingest uses \($0)]" } ?? "")")
    }

    private mutating func describeAxis(_ s: NetCDFReader, _ roles: [String: AxisRole], _ role: AxisRole, _ label: String) {
        guard let dim = dimension(roles, role) else { return }
        let values = s.coordinate(of: dim).flatMap { try? s.readDoubles($0) } ?? []
        let units = s.coordinate(of: dim)?.attributes["units"]?.text ?? ""
        let shown = values.prefix(12).map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: ", ")
        lines.append("\(label): \(dim) = [\(shown)\(values.count > 12 ? ", …" : "")] \(units)")
    }

    /// ERA5 `expver`: a dimension in old-CDS ERA5/ERA5T mixes (collapsed by ingest), a string
    /// per time in new-CDS files (nothing to collapse).
    private mutating func describeExperimentVersions(_ s: NetCDFReader) {
        guard let v = s.variable("expver") ?? s.variables.first(where: { $0.name.lowercased() == "expver" }) else { return }
        if v.dimensions == [v.name], v.isNumeric, let values = try? s.readDoubles(v) {
            let list = values.map { String(format: "%g", $0) }
            lines.append("expver: dimension \(v.name) = [\(list.joined(separator: ", "))] (ERA5 = 1, ERA5T = 5): ingest takes each point from the lowest version holding a value")
        } else if v.typeName == "string", let values = try? s.readStrings(v) {
            var counts: [(String, Int)] = []
            for value in values {
                if let i = counts.firstIndex(where: { $0.0 == value }) { counts[i].1 += 1 } else { counts.append((value, 1)) }
            }
            lines.append("expver: per time (\(v.dimensions.joined(separator: ", "))): " + counts.map { "\($0.0) ×\($0.1)" }.joined(separator: ", "))
        }
    }

    private mutating func describeVariables(_ s: NetCDFReader, _ roles: [String: AxisRole]) {
        let coordinateNames = Set(s.dimensions.map(\.name))
        let data = s.variables.filter { !coordinateNames.contains($0.name) && $0.dimensions.count >= 2 }
        lines.append("variables:")
        for v in data {
            let units = v.attributes["units"]?.text
            let unpack = Unpacking(v)
            var line = "  \(v.name)(\(v.dimensions.joined(separator: ", "))) \(v.typeName), units '\(units ?? "none")'"
            if unpack.isPacked { line += String(format: ", packed ×%g %+g", unpack.scaleFactor, unpack.addOffset) }
            if !unpack.missingValues.isEmpty { line += ", missing \(unpack.missingValues.map { String(format: "%g", $0) }.joined(separator: "/"))" }
            if VariableTable.lookup(name: v.name, gribShortName: v.attributes["GRIB_shortName"]?.text,
                                    standardName: v.attributes["standard_name"]?.text) == nil {
                line += " → not a hens channel (ignored)"
            } else {
                do {
                    let sources = try FieldSource.sources(for: v, in: s)
                    let conversion = sources.first?.conversion ?? .identity
                    let units = sources.first.map { $0.quantity.units } ?? ""
                    line += " → \(sources.map(\.channel).joined(separator: ", ")) [\(units)\(conversion == .identity ? "" : String(format: ", ×%g %+g", conversion.factor, conversion.offset))]"
                } catch let e as HensError {
                    line += " → refused"
                    problems.append(e.message)
                } catch {}
            }
            let roleList = v.dimensions.map { roles[$0] ?? .other }
            if let member = zip(v.dimensions, roleList).first(where: { $0.1 == .member }) {
                line += " (ensemble dim '\(member.0)': ingest takes --member 0 by default)"
            }
            lines.append(line)
        }
        if data.isEmpty { problems.append("no data variables with two or more dimensions") }
    }

    /// The report as text.
    public var text: String { lines.joined(separator: "\n") }
}
