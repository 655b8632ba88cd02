import ChannelDerivation
import DatasetIO
import Foundation
import HensCore

/// An ensemble from another system in one NetCDF file — e.g. a GEFS or IFS ensemble converted
/// with `grib_to_netcdf` — scored against the same truth as hens' own forecasts.
///
/// The file needs a member dimension (`member`, `number`, `realization` or `ensemble`), one CF
/// time dimension of valid times (the first is taken as the initial time, so leads are measured
/// from it), and latitude/longitude dimensions whose values are rows and columns of the
/// dataset's grid (either latitude order; longitudes in −180…180 or 0…360). Variables named
/// like dataset channels (or channels derivable from them) are scored; packing
/// (scale_factor/add_offset) and fill values are decoded.
public final class ExternalEnsembleSource: EnsembleSource {
    public let label: String
    public let channels: [String]
    public let latitudes: [Double]
    public let longitudes: [Double]
    public let leadHours: [Double]
    public let memberIndices: [Int]
    public let expectedMemberCount: Int
    public let initialSeconds: Double?
    public let initialLocation: (split: String, trajectory: Int, timeIndex: Int)? = nil
    /// The file.
    public let path: String
    private let file: NetCDFReader
    private let dims: (member: String, time: String, lat: String, lon: String)
    /// For each output row / column, the file's index.
    private let rowIndex: [Int], columnIndex: [Int]

    /// Opens `path` and matches its grid and times with `archive`.
    public init(path: String, archive: AnalysisArchive) throws {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        let file = try NetCDFReader(path: path)
        self.file = file
        self.path = path
        label = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let names = file.dimensions.map(\.name)
        func pick(_ candidates: [String], _ what: String) throws -> String {
            guard let d = candidates.first(where: names.contains) else {
                throw fail("no \(what) dimension (\(candidates.joined(separator: ", "))); has \(names.joined(separator: ", "))")
            }
            return d
        }
        let member = try pick(["member", "number", "realization", "ensemble"], "member")
        let lat = try pick(["lat", "latitude"], "latitude"), lon = try pick(["lon", "longitude"], "longitude")
        let time = try pick(["time", "valid_time"], "time")
        dims = (member, time, lat, lon)
        guard let timeVar = file.coordinate(of: time), let units = timeVar.attributes["units"]?.text else {
            throw fail("time coordinate '\(time)' without CF units")
        }
        let cf = try CFTimeUnits(units, calendar: CFCalendar(attribute: timeVar.attributes["calendar"]?.text ?? "standard"))
        let seconds = try file.readDoubles(timeVar).map(cf.seconds)
        guard let t0 = seconds.first, zip(seconds, seconds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("times must be a non-empty increasing list")
        }
        initialSeconds = t0
        leadHours = seconds.map { ($0 - t0) / 3600 }
        let memberCount = file.dimensions.first { $0.name == member }!.length
        memberIndices = Array(0..<memberCount)
        expectedMemberCount = memberCount

        guard let latVar = file.coordinate(of: lat), let lonVar = file.coordinate(of: lon) else { throw fail("missing lat/lon coordinates") }
        let fileLat = try file.readDoubles(latVar), fileLon = try file.readDoubles(lonVar).map { ($0 + 360).truncatingRemainder(dividingBy: 360) }
        // The output grid: the dataset's rows and columns that the file has, in the dataset's order.
        var rows: [Int] = [], keptLat: [Double] = []
        for l in archive.latitudes { if let i = fileLat.firstIndex(where: { abs($0 - l) < 1e-4 }) { rows.append(i); keptLat.append(l) } }
        var columns: [Int] = [], keptLon: [Double] = []
        for l in archive.longitudes {
            let wrapped = (l + 360).truncatingRemainder(dividingBy: 360)
            if let i = fileLon.firstIndex(where: { abs($0 - wrapped) < 1e-4 }) { columns.append(i); keptLon.append(l) }
        }
        guard rows.count == fileLat.count, columns.count == fileLon.count else {
            throw fail("its grid (\(fileLat.count)×\(fileLon.count)) is not a set of rows and columns of the dataset's grid "
                + "(\(archive.latitudes.count)×\(archive.longitudes.count)); regrid it first (e.g. cdo remapcon)")
        }
        rowIndex = rows
        columnIndex = columns
        latitudes = keptLat
        longitudes = keptLon
        let wanted = Set([member, time, lat, lon])
        let derivable = Set(archive.channels + DerivedChannel.derivableNames(modelChannels: archive.channels))
        channels = file.variables.filter { Set($0.dimensions) == wanted && $0.dimensions.count == 4 && derivable.contains($0.name) }.map(\.name)
        guard !channels.isEmpty else {
            throw fail("no variable with dims (\(member), \(time), \(lat), \(lon)) named like a dataset channel (\(archive.channels.joined(separator: ", ")))")
        }
    }

    public func read(channel: String, lead: Int, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let variable = file.variable(channel) else { throw HensError(.badInput, "\(path): no variable '\(channel)'") }
        let n = rows.count * longitudes.count
        let position = { (d: String) in variable.dimensions.firstIndex(of: d)! }
        let nlat = variable.shape[position(dims.lat)], nlon = variable.shape[position(dims.lon)]
        let latFirst = position(dims.lat) < position(dims.lon)
        let unpacking = Unpacking(variable)
        for m in memberIndices {
            var start = [Int](repeating: 0, count: 4), count = variable.shape
            start[position(dims.member)] = m
            count[position(dims.member)] = 1
            start[position(dims.time)] = lead
            count[position(dims.time)] = 1
            let values = unpacking.decode(try file.readDoubles(variable, start: start, count: count))
            for (r, row) in rowIndex[rows].enumerated() {
                for (c, column) in columnIndex.enumerated() {
                    buffer[m * n + r * longitudes.count + c] = latFirst ? values[row * nlon + column] : values[column * nlat + row]
                }
            }
        }
    }
}
