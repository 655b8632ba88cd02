import CNetCDF
import Foundation
import HensCore

/// Where a streaming checkpoint writer's parameter values go: appended in buffer order to the
/// file's `parameters` variable, hashed on the way (see `Checkpoint.write(header:parameterCount:to:parameters:)`).
public struct CheckpointParameterSink {
    let file: NetCDFFile
    let variable: Int32
    let count: Int
    let path: String
    var hasher = CheckpointPayloadHasher()
    /// Values appended so far.
    public private(set) var written = 0

    init(file: NetCDFFile, variable: Int32, count: Int, path: String) {
        self.file = file
        self.variable = variable
        self.count = count
        self.path = path
    }

    /// Appends the next values of the flat parameter buffer.
    public mutating func append(_ values: UnsafeBufferPointer<Float>) throws {
        guard !values.isEmpty else { return }
        guard values.count <= count - written else {
            throw HensError(.internal, "\(path): more than the declared \(count) parameters were produced")
        }
        try file.putFloats(variable: variable, start: [written], count: [values.count], values)
        hasher.addValues(values)
        written += values.count
    }
}

/// An open checkpoint whose header (everything but the parameter values) has been read and
/// checked, and whose parameters can then be read straight into a caller's buffer — a model's
/// own weight buffer — so a model of several gigabytes is never held twice.
///
/// The SHA-256 covers the whole payload, so it can only be verified once the parameters (and
/// the optimiser moments, which are hashed in pieces when not loaded) have been read:
/// `readParameters(into:)` does both and throws on a mismatch.
public final class CheckpointReader {
    /// The checkpoint's path.
    public let path: String
    /// Every field but the parameters (`parameters` is empty; `optimizer` is loaded only when asked).
    public private(set) var header: Checkpoint
    /// Number of values in the flat parameter buffer.
    public let parameterCount: Int
    private let nc: NetCDFFile
    private let parameterVariable: Int32
    private let momentVariables: (m: Int32, v: Int32, step: Int)?
    private let storedDigest: String

    /// Values read per piece when streaming (64 MiB of Float32).
    static let pieceCount = 1 << 24

    /// Opens `path` and reads its header.
    /// - Parameter loadsOptimizer: also load the AdamW moments into `header.optimizer` (resuming
    ///   training); otherwise they are only hashed.
    public init(path: String, loadsOptimizer: Bool = false) throws {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw fail("no such checkpoint file")
        }
        let nc: NetCDFFile
        do { nc = try NetCDFFile.open(path: path, untrusted: true) } catch let error as HensError {
            // libnetcdf's reason ("Unknown file format", "HDF error") means little on its own.
            let reason = error.message.hasPrefix(path + ": ") ? String(error.message.dropFirst(path.count + 2)) : error.message
            throw fail("not a readable checkpoint, the file is damaged, truncated or not NetCDF (\(reason))")
        }
        do {
            try HensVersion.checkReadable(written: try nc.textAttribute("hens_version"), path: path)
            guard let version = try nc.int64Attribute("hens_checkpoint_format") else {
                throw fail("not a hens checkpoint (no integer global attribute 'hens_checkpoint_format')")
            }
            guard (1...Int64(Checkpoint.formatVersion)).contains(version) else {
                throw fail("checkpoint format version \(version), but this hens (\(HensVersion.string)) reads versions 1 to \(Checkpoint.formatVersion)")
            }
            func text(_ name: String) throws -> String {
                guard let value = try nc.textAttribute(name) else { throw fail("missing global attribute '\(name)'") }
                return value
            }
            func integer(_ name: String) throws -> Int {
                guard let value = try nc.int64Attribute(name), value >= 0 else {
                    throw fail("global attribute '\(name)' must be one non-negative integer")
                }
                return Int(value)
            }
            func dimension(_ name: String) throws -> (id: Int32, length: Int) {
                guard let id = nc.dimensionID(name) else { throw fail("missing dimension '\(name)'") }
                return (id, try nc.dimensionLength(id))
            }
            func variable(_ name: String, _ type: Int32, _ dims: [(id: Int32, length: Int)]) throws -> Int32 {
                guard let id = nc.variableID(name) else { throw fail("missing variable '\(name)'") }
                let info = try nc.variable(id)
                guard info.type == nc_type(type), info.dimensionIDs == dims.map(\.id) else {
                    throw fail("variable '\(name)' has an unexpected type or dimensions")
                }
                return id
            }
            func doubles(_ name: String, _ dim: (id: Int32, length: Int)) throws -> [Double] {
                try nc.getDoubles(variable: try variable(name, NC_DOUBLE, [dim]), length: dim.length)
            }
            func int64s(_ name: String, _ dims: [(id: Int32, length: Int)]) throws -> [Int] {
                try nc.getInt64s(variable: try variable(name, NC_INT64, dims), shape: dims.map(\.length)).map { Int($0) }
            }

            let channelDim = try dimension("channel"), latDim = try dimension("lat"), lonDim = try dimension("lon")
            let parameterDim = try dimension("parameter"), tensorDim = try dimension("tensor"), rankDim = try dimension("rank")
            let channels = try nc.getStrings(variable: try variable("channel", NC_STRING, [channelDim]), length: channelDim.length)
            let statistics = DatasetStatistics(channels: channels, mean: try doubles("mean", channelDim),
                                               std: try doubles("std", channelDim), tendencyStd: try doubles("tendency_std", channelDim))
            let grid = CheckpointGrid(label: try text("grid"), latitudes: try doubles("lat", latDim),
                                      longitudes: try doubles("lon", lonDim))
            let names = try nc.getStrings(variable: try variable("tensor_name", NC_STRING, [tensorDim]), length: tensorDim.length)
            let offsets = try int64s("tensor_offset", [tensorDim])
            let ranks = try int64s("tensor_rank", [tensorDim])
            let shapes = try int64s("tensor_shape", [tensorDim, rankDim])
            let decays = try int64s("tensor_decays", [tensorDim])
            var tensors: [CheckpointTensor] = []
            for i in 0..<tensorDim.length {
                guard (0...rankDim.length).contains(ranks[i]) else { throw fail("tensor '\(names[i])' has rank \(ranks[i])") }
                let shape = Array(shapes[(i * rankDim.length)..<(i * rankDim.length + ranks[i])])
                guard shape.allSatisfy({ $0 >= 0 }), Self.product(shape) != nil else {
                    throw fail("tensor '\(names[i])' has shape \(shape)")
                }
                tensors.append(CheckpointTensor(name: names[i], shape: shape, offset: offsets[i], decays: decays[i] != 0))
            }
            parameterVariable = try variable("parameters", NC_FLOAT, [parameterDim])

            var optimizer: CheckpointOptimizerState?
            if nc.variableID("adam_m") != nil {
                let m = try variable("adam_m", NC_FLOAT, [parameterDim]), v = try variable("adam_v", NC_FLOAT, [parameterDim])
                let step = try integer("optimizer_step")
                momentVariables = (m, v, step)
                if loadsOptimizer {
                    func load(_ id: Int32) throws -> [Float] {
                        var values = [Float](repeating: 0, count: parameterDim.length)
                        try values.withUnsafeMutableBufferPointer {
                            try nc.getFloats(variable: id, start: [0], count: [parameterDim.length], into: $0)
                        }
                        return values
                    }
                    optimizer = CheckpointOptimizerState(step: step, firstMoment: try load(m), secondMoment: try load(v))
                }
            } else {
                momentVariables = nil
            }
            guard let seed = try nc.uint64Attribute("seed") else { throw fail("missing integer global attribute 'seed'") }
            header = Checkpoint(
                modelConfig: try text("model_config"), trainingConfig: try text("training_config"),
                trainingState: try nc.textAttribute("training_state"), statistics: statistics, grid: grid,
                epoch: try integer("epoch"), step: try integer("step"), seed: seed, tensors: tensors,
                parameters: [], optimizer: optimizer, created: try text("created"), hensVersion: try text("hens_version"))
            if version >= 2 {
                header.stepInputs = try CheckpointStepInputs.read(from: nc, nlat: latDim.length, nlon: lonDim.length, fail: fail)
            }
            storedDigest = try text("sha256")
            parameterCount = parameterDim.length
            try header.validate(path, kind: .badInput, parameterCount: parameterCount)
        } catch {
            nc.closeQuietly()
            throw error
        }
        self.path = path
        self.nc = nc
    }

    /// Reads the flat parameter buffer into `destination` (exactly `parameterCount` values) in
    /// pieces, hashing them, then verifies the payload's SHA-256; on a mismatch `destination`
    /// holds unverified values and the call throws.
    public func readParameters(into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard destination.count == parameterCount else {
            throw HensError(.internal, "\(path): a buffer of \(destination.count) values for \(parameterCount) parameters")
        }
        var h = CheckpointPayloadHasher()
        header.addHeader(to: &h, parameterCount: parameterCount)
        try forEachPiece(of: parameterVariable, into: destination) { h.addValues($0) }
        if let moments = momentVariables, header.optimizer == nil {
            // Not loaded, but part of the payload: hashed through one reused piece.
            h.add(true)
            h.add(moments.step)
            let piece = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(parameterCount, Self.pieceCount))
            defer { piece.deallocate() }
            for id in [moments.m, moments.v] {
                h.add(parameterCount)
                try forEachPiece(of: id, reusing: piece) { h.addValues($0) }
            }
            header.stepInputs?.addDigest(to: &h)
        } else {
            header.addTrailer(to: &h)
        }
        let computed = h.hexDigest()
        guard computed == storedDigest else {
            throw HensError(.badInput, "\(path): checksum mismatch (stored sha256 \(storedDigest.prefix(12))…, contents hash to "
                + "\(computed.prefix(12))…): the checkpoint was modified or damaged after it was written")
        }
    }

    /// The payload's SHA-256 as stored (verified by `readParameters(into:)`).
    public var digest: String { storedDigest }

    /// Closes the file.
    public func close() { nc.closeQuietly() }

    deinit { nc.closeQuietly() }

    /// Reads `variable` piece by piece into consecutive ranges of `destination`.
    private func forEachPiece(of variable: Int32, into destination: UnsafeMutableBufferPointer<Float>,
                              _ body: (UnsafeBufferPointer<Float>) -> Void) throws {
        try forEachPiece(of: variable, pieceCount: Self.pieceCount, body) { UnsafeMutableBufferPointer(rebasing: destination[$0]) }
    }

    /// Reads `variable` piece by piece into the same scratch `piece`.
    private func forEachPiece(of variable: Int32, reusing piece: UnsafeMutableBufferPointer<Float>,
                              _ body: (UnsafeBufferPointer<Float>) -> Void) throws {
        try forEachPiece(of: variable, pieceCount: piece.count, body) { UnsafeMutableBufferPointer(rebasing: piece[0..<$0.count]) }
    }

    /// Reads `variable` in ranges of at most `pieceCount` values, each into the buffer `place` gives for it.
    private func forEachPiece(of variable: Int32, pieceCount: Int, _ body: (UnsafeBufferPointer<Float>) -> Void,
                              place: (Range<Int>) -> UnsafeMutableBufferPointer<Float>) throws {
        var start = 0
        while start < parameterCount {
            let range = start..<(start + min(pieceCount, parameterCount - start))
            let piece = place(range)
            try nc.getFloats(variable: variable, start: [range.lowerBound], count: [range.count], into: piece)
            body(UnsafeBufferPointer(piece))
            start = range.upperBound
        }
    }

    /// The product of `shape`, nil on overflow (a damaged tensor table must not trap).
    static func product(_ shape: [Int]) -> Int? {
        var total = 1
        for extent in shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            total = p
        }
        return total
    }
}
