import CNetCDF
import HensCore

/// Reads a member shard file written by `EnsembleShardWriter` (a final shard or a part).
///
/// Opening validates the layout, so that a bad or foreign file fails with one line naming it.
/// Every variable with dims (member, lead, lat, lon) is a channel. Not thread-safe.
public final class EnsembleShardReader {
    /// The path the file was opened from.
    public let path: String
    /// Channels, grid (as stored, i.e. cropped), leads and initial time.
    public let layout: EnsembleOutputLayout
    /// The members, in slot order.
    public let members: [EnsembleMember]
    /// Run provenance from the global attributes (`attributes` holds the remaining ones,
    /// including `Conventions`, `hens_version` and `crop`).
    public let run: EnsembleRunInfo

    private var file: NetCDFFile?
    private let channelVariables: [Int32]

    /// Opens and validates a shard file.
    public init(path: String) throws {
        let nc = try NetCDFFile.openHensFile(path: path)
        do {
            func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
            var (layout, ids) = try EnsembleOutputLayout.read(from: nc, path: path)
            guard let memberDim = nc.dimensionID("member") else { throw fail("missing dimension 'member'") }
            let memberCount = try nc.dimensionLength(memberDim)

            func memberVariable(_ name: String) throws -> Int32 {
                guard let v = nc.variableID(name), try nc.variable(v).dimensionIDs == [memberDim] else {
                    throw fail("missing member coordinate variable '\(name)(member)'")
                }
                return v
            }
            let n = [memberCount]
            let index = try nc.getInt32s(variable: try memberVariable("member"), start: [0], count: n)
            let checkpoint = try nc.getInt32s(variable: try memberVariable("checkpoint"), start: [0], count: n)
            let seed = try nc.getUInt64s(variable: try memberVariable("seed"), start: [0], count: n)
            let sign = try nc.getInt8s(variable: try memberVariable("sign"), start: [0], count: n)
            members = (0..<memberCount).map {
                EnsembleMember(index: Int(index[$0]), checkpoint: Int(checkpoint[$0]), seed: seed[$0], sign: sign[$0])
            }

            let expected = [memberDim, ids.leadDim, ids.latDim, ids.lonDim]
            var channelVariables: [Int32] = []
            for info in try nc.variables() where info.dimensionIDs.count == 4 {
                guard info.dimensionIDs == expected, info.type == nc_type(NC_FLOAT) else {
                    throw fail("variable '\(info.name)' is not a Float32 variable with dims (member, lead, lat, lon)")
                }
                layout.channels.append(try EnsembleOutputLayout.channel(named: info.name, variable: info.id, in: nc, path: path))
                channelVariables.append(info.id)
                // Readers visit each field once: a few fields of cache (an evaluation opens many shards).
                try nc.setChunkCache(variable: info.id, bytes: 4 * 4 * layout.fieldCount)
            }
            guard !layout.channels.isEmpty else { throw fail("no channel variables with dims (member, lead, lat, lon)") }
            self.path = path
            self.layout = layout
            self.channelVariables = channelVariables
            run = try EnsembleRunInfo.read(from: nc)
        } catch {
            nc.closeQuietly()
            throw error
        }
        file = nc
    }

    deinit { close() }

    /// Reads one field (`layout.fieldCount` values, row-major, north row first) into `buffer`,
    /// so that evaluation loops over thousands of members can reuse one buffer.
    public func read(channel: Int, memberSlot: Int, lead: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let nc = file else { throw HensError(.internal, "\(path): read after close()") }
        guard layout.channels.indices.contains(channel), members.indices.contains(memberSlot),
              layout.leads.indices.contains(lead) else {
            throw HensError(.internal, "\(path): field index (channel \(channel), member slot \(memberSlot), lead \(lead)) "
                + "outside (\(layout.channels.count), \(members.count), \(layout.leads.count))")
        }
        guard buffer.count == layout.fieldCount else {
            throw HensError(.internal, "\(path): buffer has \(buffer.count) values, expected \(layout.fieldCount)")
        }
        try nc.getFloats(variable: channelVariables[channel], start: [memberSlot, lead, 0, 0],
                         count: [1, 1, layout.latitudes.count, layout.longitudes.count], into: buffer)
    }

    /// Reads rows `rows` of one field (`rows.count × longitudes` values, row-major) into
    /// `buffer`: evaluation reads huge ensembles in latitude tiles, so memory stays bounded.
    public func read(channel: Int, memberSlot: Int, lead: Int, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let nc = file else { throw HensError(.internal, "\(path): read after close()") }
        let nlon = layout.longitudes.count
        guard layout.channels.indices.contains(channel), members.indices.contains(memberSlot), layout.leads.indices.contains(lead),
              rows.lowerBound >= 0, rows.upperBound <= layout.latitudes.count, buffer.count == rows.count * nlon else {
            throw HensError(.internal, "\(path): field tile (channel \(channel), member slot \(memberSlot), lead \(lead), rows \(rows)) "
                + "outside the file or buffer of \(buffer.count) values")
        }
        try nc.getFloats(variable: channelVariables[channel], start: [memberSlot, lead, rows.lowerBound, 0],
                         count: [1, 1, rows.count, nlon], into: buffer)
    }

    /// Reads one field into a new array.
    public func read(channel: Int, memberSlot: Int, lead: Int) throws -> [Float] {
        var field = [Float](repeating: 0, count: layout.fieldCount)
        try field.withUnsafeMutableBufferPointer { try read(channel: channel, memberSlot: memberSlot, lead: lead, into: $0) }
        return field
    }

    /// Chunk shape, deflate level, shuffle and quantisation digits of a channel variable, as
    /// libnetcdf reports them (for checks and `hens` diagnostics).
    public func storage(channel: Int) throws -> (chunks: [Int]?, deflateLevel: Int?, shuffle: Bool, significantDigits: Int?) {
        guard let nc = file else { throw HensError(.internal, "\(path): read after close()") }
        let info = try nc.storage(variable: channelVariables[channel])
        return (info.chunks, info.deflateLevel, info.shuffle, info.quantize?.digits)
    }

    /// Closes the file; later reads throw. Safe to call more than once.
    public func close() {
        file?.closeQuietly()
        file = nil
    }
}
