import CNetCDF
import HensCore

/// Adds trajectories to an existing split file (`hens ingest --append`) without re-encoding the
/// ones already there, and without touching the file until the new version is complete.
///
/// The file is cloned to a temporary name beside it (`FileClone`: a reflink where the file system
/// has them), the clone's unlimited `trajectory` dimension is extended with the new fields, and
/// `stage()` + `StagedFile.commit()` rename the clone over the original. Any failure before the
/// commit leaves the original as it was. Every (channel, new trajectory, time) field must be
/// written before `stage()`. Not thread-safe.
public final class DatasetSplitAppender {
    /// The split file being extended.
    public let path: String
    /// The file's channels, in variable order (fields are written by index into this list).
    public let channels: [ChannelInfo]
    /// Trajectories already in the file.
    public let existingTrajectories: Int
    /// Trajectories being added.
    public let newTrajectories: Int
    /// Times per trajectory (the file's `time` axis, shared by every trajectory).
    public let timeCount: Int
    /// Values in one field.
    public let fieldCount: Int

    private let pending: PendingNetCDF
    private let channelVariables: [Int32]
    private let latitudeCount: Int
    private let longitudeCount: Int
    private var ledger: FieldLedger

    /// Opens a working copy of `path` ready for `newTrajectories` more trajectories.
    /// - Parameter attributes: global text attributes to set or replace (e.g. the updated
    ///   `trajectory_starts`).
    /// - Throws: when the file is not a valid split file, or its `trajectory` dimension is not
    ///   unlimited (files written before hens could append).
    public init(path: String, newTrajectories: Int, attributes: [String: String] = [:]) throws {
        guard newTrajectories > 0 else { throw HensError(.internal, "\(path): nothing to append") }
        let reader = try DatasetSplitReader(path: path)
        let splitChannels = reader.channels
        channels = splitChannels
        existingTrajectories = reader.trajectoryCount
        timeCount = reader.timeCount
        latitudeCount = reader.latitudes.count
        longitudeCount = reader.longitudes.count
        fieldCount = reader.fieldCount
        reader.close()
        self.path = path
        self.newTrajectories = newTrajectories
        ledger = FieldLedger(channels: channels.count, trajectories: newTrajectories, times: timeCount)

        let output = AtomicFile(path: path)
        try FileClone.copy(path, to: output.temporaryPath, displayName: path)
        let copy: NetCDFFile
        do {
            copy = try NetCDFFile.openForWriting(path: output.temporaryPath, displayName: path)
        } catch {
            output.discard()
            throw error
        }
        var variables: [Int32] = []
        let existing = existingTrajectories
        pending = try PendingNetCDF(output, file: copy) { nc in
            guard let dim = nc.dimensionID("trajectory"), try nc.isUnlimited(dim) else {
                throw HensError(.badInput, "\(path): its trajectory dimension has a fixed length (written before hens could append); rebuild the dataset with --overwrite")
            }
            guard let trajectoryVar = nc.variableID("trajectory") else {
                throw HensError(.badInput, "\(path): missing coordinate variable 'trajectory'")
            }
            variables = try splitChannels.map { channel in
                guard let id = nc.variableID(channel.name) else { throw HensError(.internal, "\(path): channel '\(channel.name)' vanished") }
                return id
            }
            if !attributes.isEmpty {
                try nc.redefine()
                for key in attributes.keys.sorted() { try nc.putAttribute(key, text: attributes[key]!) }
                try nc.endDefinitions()
            }
            let indices = (existing..<existing + newTrajectories).map { Int32($0) }
            try nc.putInts(variable: trajectoryVar, offset: existing, indices)
        }
        channelVariables = variables
    }

    /// Writes one field of new trajectory `trajectory` (0 is the first one added).
    public func write(channel: Int, trajectory: Int, timeIndex: Int, field: [Float]) throws {
        let nc = try pending.open(for: "write")
        guard channels.indices.contains(channel), (0..<newTrajectories).contains(trajectory),
              (0..<timeCount).contains(timeIndex), field.count == fieldCount else {
            throw HensError(.internal, "\(path): appended field (channel \(channel), trajectory \(trajectory), time \(timeIndex), \(field.count) values) "
                + "outside (\(channels.count), \(newTrajectories), \(timeCount), \(fieldCount))")
        }
        try field.withUnsafeBufferPointer {
            try nc.putFloats(variable: channelVariables[channel], start: [existingTrajectories + trajectory, timeIndex, 0, 0],
                             count: [1, 1, latitudeCount, longitudeCount], $0)
        }
        ledger.mark(channel: channel, trajectory: trajectory, time: timeIndex)
    }

    /// Closes the working copy once every new field is written; the returned file replaces
    /// `path` on `commit()`. Throws (and deletes the copy) when a field is missing.
    public func stage() throws -> StagedFile {
        _ = try pending.open(for: "stage()")
        if let error = ledger.incompleteError(path: path, channelNames: channels.map(\.name), trajectoryOffset: existingTrajectories) {
            abort()
            throw error
        }
        return try pending.close()
    }

    /// Deletes the working copy; the original file is untouched. Safe to call more than once.
    public func abort() {
        pending.abort()
    }
}
