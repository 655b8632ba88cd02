import CNetCDF
import HensCore

/// Per-channel normalisation statistics of a data set (`stats.nc`).
///
/// Training normalises each channel as `(x - mean) / std` and scales residual (tendency)
/// targets by `tendencyStd`, the standard deviation of one-step differences.
public struct DatasetStatistics: Equatable, Sendable {
    /// Channel names, in data-set order.
    public var channels: [String]
    /// Mean of each channel.
    public var mean: [Double]
    /// Standard deviation of each channel.
    public var std: [Double]
    /// Standard deviation of each channel's one-step change x(t+1) − x(t).
    public var tendencyStd: [Double]

    /// Statistics for `channels`; all arrays have one entry per channel.
    public init(channels: [String], mean: [Double], std: [Double], tendencyStd: [Double]) {
        self.channels = channels
        self.mean = mean
        self.std = std
        self.tendencyStd = tendencyStd
    }

    /// Writes `stats.nc` atomically: dim `channel`, string variable `channel(channel)`, and
    /// double variables `mean`, `std`, `tendency_std`; `attributes` become global attributes
    /// next to `Conventions` and `hens_version`.
    public func write(to path: String, attributes: [String: String] = [:]) throws {
        try stage(to: path, attributes: attributes).commit()
    }

    /// Writes the file under a temporary name beside `path`; `commit()` on the result moves it
    /// into place (for updates of several dataset files at once).
    public func stage(to path: String, attributes: [String: String] = [:]) throws -> StagedFile {
        let n = channels.count
        guard n > 0, mean.count == n, std.count == n, tendencyStd.count == n else {
            throw HensError(.internal, "\(path): statistics need one mean, std and tendency std per channel "
                + "(channels \(n), mean \(mean.count), std \(std.count), tendency_std \(tendencyStd.count))")
        }
        let staged = try NetCDFFile.stage(path: path) { nc in
            let dim = try nc.defineDimension("channel", length: n)
            let channelVar = try nc.defineVariable("channel", type: NC_STRING, dimensions: [dim])
            try nc.putAttribute("long_name", text: "channel name", variable: channelVar)
            let columns: [(name: String, longName: String, values: [Double])] = [
                ("mean", "mean of each channel", mean),
                ("std", "standard deviation of each channel", std),
                ("tendency_std", "standard deviation of each channel's one-step change", tendencyStd),
            ]
            var ids: [Int32] = []
            for column in columns {
                let v = try nc.defineVariable(column.name, type: NC_DOUBLE, dimensions: [dim])
                try nc.putAttribute("long_name", text: column.longName, variable: v)
                ids.append(v)
            }
            try nc.putGlobalAttributes(attributes)
            try nc.endDefinitions()

            try nc.putStrings(variable: channelVar, channels)
            for (v, column) in zip(ids, columns) { try nc.putDoubles(variable: v, column.values) }
        }
        return staged
    }

    /// The global text attributes of a `stats.nc` file (provenance, to carry over on rewrites).
    public static func readAttributes(from path: String) throws -> [String: String] {
        let nc = try NetCDFFile.openHensFile(path: path)
        defer { nc.closeQuietly() }
        return try nc.textAttributes()
    }

    /// Reads a `stats.nc` file, checking that every variable is there with dim `channel`.
    public static func read(from path: String) throws -> DatasetStatistics {
        let nc = try NetCDFFile.openHensFile(path: path)
        defer { nc.closeQuietly() }
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        guard let dim = nc.dimensionID("channel") else { throw fail("missing dimension 'channel'") }
        let n = try nc.dimensionLength(dim)

        func variable(_ name: String, type: nc_type) throws -> Int32 {
            guard let id = nc.variableID(name) else { throw fail("missing variable '\(name)'") }
            let info = try nc.variable(id)
            guard info.dimensionIDs == [dim] else { throw fail("variable '\(name)' must have dims (channel)") }
            guard info.type == type else {
                throw fail("variable '\(name)' must be of type \(type == nc_type(NC_STRING) ? "string" : "double")")
            }
            return id
        }
        let names = try nc.getStrings(variable: try variable("channel", type: nc_type(NC_STRING)), length: n)
        func column(_ name: String) throws -> [Double] {
            try nc.getDoubles(variable: try variable(name, type: nc_type(NC_DOUBLE)), length: n)
        }
        return DatasetStatistics(channels: names, mean: try column("mean"), std: try column("std"),
                                 tendencyStd: try column("tendency_std"))
    }
}
