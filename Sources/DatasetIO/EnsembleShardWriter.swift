import CNetCDF
import HensCore

/// Writes one member shard file of a forecast (one initial time, one shard, or one part of a
/// shard): NetCDF-4, CF-1.8, **one Float32 variable per output channel with dims
/// (member, lead, lat, lon)**.
///
/// Every variable is chunked one member × one lead × the whole (cropped) field, so that writing
/// a field as it arrives touches exactly one chunk (Earth2Studio's one-big-chunk layout made
/// writing dominate: Earth2Studio PR #707). Member coordinates: `member(member)` global index
/// (int), `checkpoint(member)` index into the `checkpoints` global attribute (int),
/// `seed(member)` (uint64), `sign(member)` (byte: +1/−1, 0 for the control). Global attributes:
/// `Conventions`, `hens_version`, `checkpoints`, `base_seed` (uint64), `perturbation`,
/// `config`, and `crop` when a crop is applied.
///
/// The file is written under a temporary name and appears under `path` only when `finish()`
/// succeeds (every field written); `abort()`, or dropping an unfinished writer, deletes it.
///
/// ```swift
/// let writer = try EnsembleShardWriter(path: "ensemble/2023-06-01T00-shard-0.nc", layout: layout,
///                                      members: members, run: run,
///                                      options: EnsembleShardOptions(deflateLevel: 1, significantDigits: 4))
/// try writer.write(channel: 0, memberSlot: 0, lead: 0, field: z500)
/// …
/// try writer.finish()
/// ```
public final class EnsembleShardWriter {
    /// The final path of the file.
    public let path: String
    /// The layout of the fields passed to `write` (the full model grid when cropping).
    public let layout: EnsembleOutputLayout
    /// The layout stored in the file (the cropped grid when cropping).
    public let outputLayout: EnsembleOutputLayout
    /// The crop applied to every field, if any.
    public let crop: GridCrop?
    /// The members, in slot order.
    public let members: [EnsembleMember]

    private let pending: PendingNetCDF
    private let channelVariables: [Int32]
    private var ledger: FieldLedger
    /// Scratch for the cropped field (reused: one field at a time).
    private var cropped: [Float]

    /// Creates the file (under a temporary name) and writes its header and coordinates.
    ///
    /// - Parameters:
    ///   - path: final path; an existing file is replaced only at `finish()`.
    ///   - layout: channels, grid, leads, initial time of the fields passed to `write`.
    ///   - crop: rows/columns to keep (see `GridCrop.box`), or nil for the whole grid.
    ///   - members: one entry per member slot; global indices must be distinct.
    ///   - run: provenance written as global attributes.
    ///   - options: compression and quantisation.
    public init(path: String, layout: EnsembleOutputLayout, crop: GridCrop? = nil, members: [EnsembleMember],
                run: EnsembleRunInfo, options: EnsembleShardOptions = EnsembleShardOptions()) throws {
        try layout.validate(path: path)
        try options.validate(path: path)
        try crop?.validate(latitudeCount: layout.latitudes.count, longitudeCount: layout.longitudes.count, path: path)
        try Self.validate(members: members, checkpointCount: run.checkpoints.count, path: path)
        self.path = path
        self.layout = layout
        self.crop = crop
        self.members = members
        let stored = crop.map { layout.cropped(by: $0) } ?? layout
        outputLayout = stored
        ledger = FieldLedger(channels: layout.channels.count, trajectories: members.count, times: layout.leads.count)
        cropped = crop == nil ? [] : [Float](repeating: 0, count: stored.fieldCount)

        let output = AtomicFile(path: path)
        var variables: [Int32] = []
        pending = try PendingNetCDF(output, file: try NetCDFFile.create(path: output.temporaryPath, displayName: path)) { nc in
            let memberDim = try nc.defineDimension("member", length: members.count)
            let coordinates = try stored.define(in: nc)

            func memberVariable(_ name: String, _ type: Int32, _ attributes: [String: String]) throws -> Int32 {
                let v = try nc.defineVariable(name, type: nc_type(type), dimensions: [memberDim])
                try nc.putTextAttributes(attributes, variable: v)
                return v
            }
            // CF's name for an ensemble member axis is `realization`.
            let memberVar = try memberVariable("member", NC_INT, [
                "long_name": "global ensemble member index", "standard_name": "realization", "units": "1"])
            let checkpointVar = try memberVariable("checkpoint", NC_INT, [
                "long_name": "checkpoint index (into the global attribute 'checkpoints', one name per line)", "units": "1"])
            let seedVar = try memberVariable("seed", NC_UINT64, ["long_name": "member random seed"])
            let signVar = try memberVariable("sign", NC_BYTE, [
                "long_name": "perturbation sign: +1 / -1 for the two members of a centred pair, 0 for the control"])
            try nc.putAttribute("flag_values", doubles: [-1, 0, 1], type: nc_type(NC_BYTE), variable: signVar)
            try nc.putAttribute("flag_meanings", text: "subtracted control added", variable: signVar)

            let dims = [memberDim, coordinates.leadDim, coordinates.latDim, coordinates.lonDim]
            variables = try stored.channels.map { channel in
                let v = try nc.defineVariable(channel.name, type: NC_FLOAT, dimensions: dims)
                try nc.setChunking(variable: v, chunks: [1, 1, stored.latitudes.count, stored.longitudes.count])
                // Each chunk is one whole write: a cache of a few chunks keeps memory flat in the member count.
                try nc.setChunkCache(variable: v, bytes: 4 * 4 * stored.fieldCount)
                if let level = options.deflateLevel {
                    try nc.setDeflate(variable: v, level: level, shuffle: options.shuffle)
                }
                if let digits = options.significantDigits {
                    try nc.setQuantize(variable: v, algorithm: options.algorithm, digits: digits)
                }
                try stored.describe(channel: channel, variable: v, in: nc)
                return v
            }

            var globals = run.textAttributes
            if let crop {
                globals["crop"] = crop.describe(latitudeCount: layout.latitudes.count,
                                                longitudeCount: layout.longitudes.count)
            }
            // Sorted so that identical runs give byte-comparable headers.
            for key in globals.keys.sorted() { try nc.putAttribute(key, text: globals[key]!) }
            try nc.putAttribute("base_seed", uint64: run.baseSeed)
            try nc.endDefinitions()

            try stored.writeCoordinates(coordinates, in: nc)
            let n = [members.count]
            try nc.putInt32s(variable: memberVar, start: [0], count: n, members.map { Int32($0.index) })
            try nc.putInt32s(variable: checkpointVar, start: [0], count: n, members.map { Int32($0.checkpoint) })
            try nc.putUInt64s(variable: seedVar, start: [0], count: n, members.map(\.seed))
            try nc.putInt8s(variable: signVar, start: [0], count: n, members.map(\.sign))
        }
        channelVariables = variables
    }

    /// Writes one field of `layout.fieldCount` values (row-major, north row first, on the full
    /// grid when cropping: the writer keeps the crop's points).
    public func write(channel: Int, memberSlot: Int, lead: Int, field: UnsafeBufferPointer<Float>) throws {
        let nc = try pending.open(for: "write")
        guard layout.channels.indices.contains(channel), members.indices.contains(memberSlot),
              layout.leads.indices.contains(lead) else {
            throw HensError(.internal, "\(path): field index (channel \(channel), member slot \(memberSlot), lead \(lead)) "
                + "outside (\(layout.channels.count), \(members.count), \(layout.leads.count))")
        }
        guard field.count == layout.fieldCount else {
            throw HensError(.internal, "\(path): field for '\(layout.channels[channel].name)' has \(field.count) values, "
                + "expected \(layout.latitudes.count)×\(layout.longitudes.count) = \(layout.fieldCount)")
        }
        let start = [memberSlot, lead, 0, 0]
        let count = [1, 1, outputLayout.latitudes.count, outputLayout.longitudes.count]
        if let crop {
            crop.gather(field, longitudeCount: layout.longitudes.count, into: &cropped)
            try nc.putFloats(variable: channelVariables[channel], start: start, count: count, cropped)
        } else {
            try nc.putFloats(variable: channelVariables[channel], start: start, count: count, field)
        }
        ledger.mark(channel: channel, trajectory: memberSlot, time: lead)
    }

    /// Writes one field from an array.
    public func write(channel: Int, memberSlot: Int, lead: Int, field: [Float]) throws {
        try field.withUnsafeBufferPointer { try write(channel: channel, memberSlot: memberSlot, lead: lead, field: $0) }
    }

    /// Closes the file and moves it to `path`. Throws (and deletes the temporary file) if any
    /// field was never written or the file cannot be flushed.
    public func finish() throws {
        _ = try pending.open(for: "finish()")
        // The ledger counts members as "trajectories"; its message names the member slot so.
        if let error = ledger.incompleteError(path: path, channelNames: layout.channels.map(\.name)) {
            abort()
            throw HensError(error.kind, error.message.replacingOccurrences(of: "trajectory", with: "member slot")
                .replacingOccurrences(of: ", time ", with: ", lead "))
        }
        try pending.close().commit()
    }

    /// Closes and deletes the temporary file; anything already at `path` is left untouched.
    /// Safe to call more than once.
    public func abort() {
        pending.abort()
    }

    private static func validate(members: [EnsembleMember], checkpointCount: Int, path: String) throws {
        func fail(_ message: String) -> HensError { HensError(.invalidArgument, "\(path): \(message)") }
        guard !members.isEmpty else { throw fail("no members to write") }
        guard Set(members.map(\.index)).count == members.count else { throw fail("a member index is listed twice") }
        for member in members {
            guard member.index >= 0, member.index <= Int(Int32.max) else {
                throw fail("member index \(member.index) outside 0…\(Int32.max)")
            }
            guard (0..<checkpointCount).contains(member.checkpoint) else {
                throw fail("member \(member.index) names checkpoint \(member.checkpoint), but the run lists \(checkpointCount)")
            }
            guard (-1...1).contains(member.sign) else { throw fail("member \(member.index) has sign \(member.sign), expected -1, 0 or +1") }
        }
    }
}
