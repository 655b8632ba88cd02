import CNetCDF
import Foundation
import HensCore
import NumericsBackend

/// One entry of a checkpoint's tensor table: the model's own `ParameterTensor` (HensCore), so
/// what is stored is exactly what the model describes.
public typealias CheckpointTensor = ParameterTensor

/// The data grid a checkpoint was trained on: the model only makes sense on exactly these
/// latitudes and longitudes.
public struct CheckpointGrid: Equatable, Sendable {
    /// A description such as `legendre-gauss 64×128` (the split file's `grid` attribute).
    public var label: String
    /// Latitudes in degrees north, north first.
    public var latitudes: [Double]
    /// Longitudes in degrees east, increasing.
    public var longitudes: [Double]

    /// A grid description.
    public init(label: String, latitudes: [Double], longitudes: [Double]) {
        self.label = label
        self.latitudes = latitudes
        self.longitudes = longitudes
    }
}

/// AdamW's state for resuming: step count and both moment buffers, one value per parameter.
public struct CheckpointOptimizerState: Equatable, Sendable {
    /// Optimiser steps taken (bias correction depends on it).
    public var step: Int
    /// First moment m.
    public var firstMoment: [Float]
    /// Second moment v.
    public var secondMoment: [Float]

    /// An optimiser state.
    public init(step: Int, firstMoment: [Float], secondMoment: [Float]) {
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}

/// A trained (or partly trained) model on disk: one self-describing NetCDF-4 file.
///
/// Layout (`ncdump -h` shows all of it):
/// - global attributes: `hens_checkpoint_format` (int, `Checkpoint.formatVersion`), `title`,
///   `hens_version`, `created` (ISO 8601 UTC), `model_config` and `training_config` (texts),
///   `training_state` (JSON: schedule and shuffling state; absent in inference-only files),
///   `grid`, `epoch`, `step` (int64), `seed` (uint64), `optimizer_step` (when the optimiser
///   state is stored) and `sha256`;
/// - dimensions `channel`, `lat`, `lon`, `parameter` (all reals), `tensor`, `rank`;
/// - `channel(channel)` names and `mean`, `std`, `tendency_std` (double) — the normalisation
///   the model was trained with; `lat(lat)`, `lon(lon)` in degrees;
/// - the weights as **one flat Float32 variable** `parameters(parameter)` in the model's buffer
///   order, with a tensor table: `tensor_name(tensor)`, `tensor_offset(tensor)`,
///   `tensor_rank(tensor)`, `tensor_shape(tensor, rank)` (padded with 0), `tensor_decays(tensor)`.
///   One flat variable keeps the file a copy of the buffer the optimiser works on, while the
///   table still lets a loader match tensors by name;
/// - optionally `adam_m(parameter)`, `adam_v(parameter)` (Float32).
///
/// `sha256` is the SHA-256 of every field above except itself, serialised canonically (see
/// `payloadDigest()`); `read` recomputes it, so a truncated, emptied or edited file fails with
/// one line naming the file instead of loading garbage. Files are written atomically.
public struct Checkpoint: Equatable, Sendable {
    /// The format version this build writes and reads.
    public static let formatVersion = 1

    /// The model configuration as text (YAML or JSON), enough to rebuild the architecture.
    public var modelConfig: String
    /// The training configuration as text.
    public var trainingConfig: String
    /// Opaque resume state (JSON, owned by the trainer); nil when not resumable.
    public var trainingState: String?
    /// Channel names and the normalisation statistics the model was trained with.
    public var statistics: DatasetStatistics
    /// The data grid.
    public var grid: CheckpointGrid
    /// Completed epochs.
    public var epoch: Int
    /// Completed optimiser steps.
    public var step: Int
    /// The training seed.
    public var seed: UInt64
    /// The tensor table of `parameters`.
    public var tensors: [CheckpointTensor]
    /// The flat Float32 parameter buffer.
    public var parameters: [Float]
    /// The optimiser state, when the checkpoint is resumable.
    public var optimizer: CheckpointOptimizerState?
    /// Creation time, ISO 8601 UTC.
    public var created: String
    /// The hens version that wrote the file.
    public var hensVersion: String

    /// A checkpoint; `created` defaults to now and `hensVersion` to this build's.
    public init(modelConfig: String, trainingConfig: String, trainingState: String? = nil,
                statistics: DatasetStatistics, grid: CheckpointGrid, epoch: Int, step: Int, seed: UInt64,
                tensors: [CheckpointTensor], parameters: [Float], optimizer: CheckpointOptimizerState? = nil,
                created: String = Checkpoint.timestamp(), hensVersion: String = HensVersion.string) {
        self.modelConfig = modelConfig
        self.trainingConfig = trainingConfig
        self.trainingState = trainingState
        self.statistics = statistics
        self.grid = grid
        self.epoch = epoch
        self.step = step
        self.seed = seed
        self.tensors = tensors
        self.parameters = parameters
        self.optimizer = optimizer
        self.created = created
        self.hensVersion = hensVersion
    }

    /// The channel names, in model order.
    public var channels: [String] { statistics.channels }

    /// The current time as ISO 8601 UTC, e.g. `2025-01-31T12:00:00Z`.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The tensor named `name`, if any.
    public func tensor(named name: String) -> CheckpointTensor? {
        tensors.first { $0.name == name }
    }

    // MARK: Checksum

    /// SHA-256 (hex) of the payload, in this order: format version, hens version, created,
    /// model config, training config, training state (presence flag + text), grid label,
    /// latitudes, longitudes, channel names, mean, std, tendency std, epoch, step, seed (bit
    /// pattern as Int64), the tensor table (count; per tensor name, rank, shape, offset, decays),
    /// the parameters, and the optimiser state (presence flag; step, m, v). Texts and arrays are
    /// length-prefixed, numbers little-endian.
    public func payloadDigest() -> String {
        var h = CheckpointPayloadHasher()
        h.add(Self.formatVersion)
        h.add(hensVersion)
        h.add(created)
        h.add(modelConfig)
        h.add(trainingConfig)
        h.add(trainingState != nil)
        h.add(trainingState ?? "")
        h.add(grid.label)
        h.add(grid.latitudes)
        h.add(grid.longitudes)
        h.add(statistics.channels)
        h.add(statistics.mean)
        h.add(statistics.std)
        h.add(statistics.tendencyStd)
        h.add(epoch)
        h.add(step)
        h.add(Int64(bitPattern: seed))
        h.add(tensors.count)
        for t in tensors {
            h.add(t.name)
            h.add(t.shape.count)
            for extent in t.shape { h.add(extent) }
            h.add(t.offset)
            h.add(t.decays)
        }
        h.add(parameters)
        h.add(optimizer != nil)
        if let o = optimizer {
            h.add(o.step)
            h.add(o.firstMoment)
            h.add(o.secondMoment)
        }
        return h.hexDigest()
    }

    // MARK: Compatibility

    /// Throws unless a data set has exactly this checkpoint's channels (same names, same order)
    /// and grid (latitudes and longitudes within 1e-6°).
    /// - Parameters:
    ///   - dataset: what messages call the data (e.g. `dataset/test.nc`).
    ///   - checkpoint: what messages call this checkpoint (its path).
    public func checkCompatible(channels dataChannels: [String], latitudes: [Double], longitudes: [Double],
                                dataset: String, checkpoint: String) throws {
        guard dataChannels == channels else {
            throw HensError(.badInput, "\(dataset): channels (\(dataChannels.joined(separator: ", "))) do not match "
                + "checkpoint \(checkpoint)'s (\(channels.joined(separator: ", ")))")
        }
        guard latitudes.count == grid.latitudes.count, longitudes.count == grid.longitudes.count else {
            throw HensError(.badInput, "\(dataset): grid \(latitudes.count)×\(longitudes.count) does not match "
                + "checkpoint \(checkpoint)'s \(grid.label) (\(grid.latitudes.count)×\(grid.longitudes.count))")
        }
        for (name, mine, theirs) in [("latitudes", grid.latitudes, latitudes), ("longitudes", grid.longitudes, longitudes)] {
            let worst = zip(mine, theirs).map { abs($0 - $1) }.max() ?? 0
            guard worst <= 1e-6 else {
                throw HensError(.badInput, "\(dataset): \(name) differ from checkpoint \(checkpoint)'s \(grid.label) "
                    + "by up to \(worst)°; the model only runs on the grid it was trained on")
            }
        }
    }

    /// `checkCompatible` against an open split file.
    public func checkCompatible(with split: DatasetSplitReader, checkpoint: String) throws {
        try checkCompatible(channels: split.channels.map(\.name), latitudes: split.latitudes,
                            longitudes: split.longitudes, dataset: split.path, checkpoint: checkpoint)
    }

    // MARK: Writing

    /// Writes the checkpoint atomically (a temporary file renamed over `path`).
    public func write(to path: String) throws {
        try validate(path, kind: .internal)
        let staged = try NetCDFFile.stage(path: path) { nc in
            let channelDim = try nc.defineDimension("channel", length: channels.count)
            let latDim = try nc.defineDimension("lat", length: grid.latitudes.count)
            let lonDim = try nc.defineDimension("lon", length: grid.longitudes.count)
            let parameterDim = try nc.defineDimension("parameter", length: parameters.count)
            let tensorDim = try nc.defineDimension("tensor", length: tensors.count)
            let rankDim = try nc.defineDimension("rank", length: maxRank)

            func variable(_ name: String, _ type: Int32, _ dims: [Int32], _ longName: String, units: String? = nil) throws -> Int32 {
                let v = try nc.defineVariable(name, type: nc_type(type), dimensions: dims)
                try nc.putAttribute("long_name", text: longName, variable: v)
                if let units { try nc.putAttribute("units", text: units, variable: v) }
                return v
            }
            let channelVar = try variable("channel", NC_STRING, [channelDim], "channel name")
            let meanVar = try variable("mean", NC_DOUBLE, [channelDim], "normalisation mean of each channel")
            let stdVar = try variable("std", NC_DOUBLE, [channelDim], "normalisation standard deviation of each channel")
            let tendencyVar = try variable("tendency_std", NC_DOUBLE, [channelDim], "standard deviation of each channel's one-step change")
            let latVar = try variable("lat", NC_DOUBLE, [latDim], "latitude", units: "degrees_north")
            let lonVar = try variable("lon", NC_DOUBLE, [lonDim], "longitude", units: "degrees_east")
            let parameterVar = try variable("parameters", NC_FLOAT, [parameterDim], "flat parameter buffer (see tensor_*)")
            let nameVar = try variable("tensor_name", NC_STRING, [tensorDim], "tensor name")
            let offsetVar = try variable("tensor_offset", NC_INT64, [tensorDim], "first element of the tensor in 'parameters'")
            let rankVar = try variable("tensor_rank", NC_INT64, [tensorDim], "number of axes of the tensor")
            let shapeVar = try variable("tensor_shape", NC_INT64, [tensorDim, rankDim], "tensor shape, padded with 0 beyond tensor_rank")
            let decaysVar = try variable("tensor_decays", NC_INT64, [tensorDim], "1 when AdamW weight decay applies")
            var momentVars: (m: Int32, v: Int32)?
            if optimizer != nil {
                momentVars = (try variable("adam_m", NC_FLOAT, [parameterDim], "AdamW first moment"),
                              try variable("adam_v", NC_FLOAT, [parameterDim], "AdamW second moment"))
            }

            try nc.putAttribute("title", text: "hens model checkpoint")
            try nc.putAttribute("hens_checkpoint_format", ints: [Int32(Self.formatVersion)])
            try nc.putAttribute("hens_version", text: hensVersion)
            try nc.putTextAttributes(BackendProvenance.fileAttributes)
            try nc.putAttribute("created", text: created)
            try nc.putAttribute("grid", text: grid.label)
            try nc.putAttribute("epoch", int64s: [Int64(epoch)])
            try nc.putAttribute("step", int64s: [Int64(step)])
            try nc.putAttribute("seed", uint64: seed)
            if let o = optimizer { try nc.putAttribute("optimizer_step", int64s: [Int64(o.step)]) }
            try nc.putAttribute("model_config", text: modelConfig)
            try nc.putAttribute("training_config", text: trainingConfig)
            if let state = trainingState { try nc.putAttribute("training_state", text: state) }
            try nc.putAttribute("sha256", text: payloadDigest())
            try nc.endDefinitions()

            try nc.putStrings(variable: channelVar, channels)
            try nc.putDoubles(variable: meanVar, statistics.mean)
            try nc.putDoubles(variable: stdVar, statistics.std)
            try nc.putDoubles(variable: tendencyVar, statistics.tendencyStd)
            try nc.putDoubles(variable: latVar, grid.latitudes)
            try nc.putDoubles(variable: lonVar, grid.longitudes)
            try Self.putFlat(nc, parameterVar, parameters)
            try nc.putStrings(variable: nameVar, tensors.map(\.name))
            try nc.putInt64s(variable: offsetVar, shape: [tensors.count], tensors.map { Int64($0.offset) })
            try nc.putInt64s(variable: rankVar, shape: [tensors.count], tensors.map { Int64($0.shape.count) })
            try nc.putInt64s(variable: shapeVar, shape: [tensors.count, maxRank], tensors.flatMap { t in
                (0..<maxRank).map { Int64($0 < t.shape.count ? t.shape[$0] : 0) }
            })
            try nc.putInt64s(variable: decaysVar, shape: [tensors.count], tensors.map { $0.decays ? 1 : 0 })
            if let o = optimizer, let vars = momentVars {
                try Self.putFlat(nc, vars.m, o.firstMoment)
                try Self.putFlat(nc, vars.v, o.secondMoment)
            }
        }
        try staged.commit()
    }

    /// The rank dimension's length (at least 1, so scalar-only tables still have one).
    private var maxRank: Int { max(1, tensors.map(\.shape.count).max() ?? 1) }

    /// Checks the invariants `read` relies on, so an inconsistent checkpoint is never written.
    /// `kind` is `.internal` before writing (a caller bug) and `.badInput` after reading.
    private func validate(_ path: String, kind: HensError.Kind) throws {
        func fail(_ message: String) -> HensError { HensError(kind, "\(path): \(message)") }
        let n = channels.count
        guard n > 0, statistics.mean.count == n, statistics.std.count == n, statistics.tendencyStd.count == n else {
            throw fail("checkpoint needs one mean, std and tendency std per channel")
        }
        guard !grid.latitudes.isEmpty, !grid.longitudes.isEmpty else { throw fail("checkpoint grid has no points") }
        guard !parameters.isEmpty, !tensors.isEmpty else { throw fail("checkpoint has no parameters") }
        var names = Set<String>()
        for t in tensors {
            guard names.insert(t.name).inserted else { throw fail("tensor '\(t.name)' listed twice") }
            guard t.offset >= 0, t.shape.allSatisfy({ $0 >= 0 }), t.offset + t.count <= parameters.count else {
                throw fail("tensor '\(t.name)' (offset \(t.offset), shape \(t.shape)) lies outside the \(parameters.count) parameters")
            }
        }
        if let o = optimizer {
            guard o.firstMoment.count == parameters.count, o.secondMoment.count == parameters.count else {
                throw fail("optimiser moments need \(parameters.count) values each")
            }
        }
        guard epoch >= 0, step >= 0 else { throw fail("epoch and step must be non-negative") }
    }

    private static func putFlat(_ nc: NetCDFFile, _ varid: Int32, _ values: [Float]) throws {
        try values.withUnsafeBufferPointer {
            try nc.putFloats(variable: varid, start: [0], count: [values.count], $0)
        }
    }

    // MARK: Reading

    /// Reads a checkpoint, checking the format version, the structure and the SHA-256 of the
    /// payload. Every failure is one line naming the file.
    public static func read(from path: String) throws -> Checkpoint {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw fail("no such checkpoint file")
        }
        let nc: NetCDFFile
        do { nc = try NetCDFFile.open(path: path, untrusted: true) } catch let error as HensError {
            // libnetcdf's reason ("Unknown file format", "HDF error") means little on its own.
            throw fail("not a readable checkpoint, the file is damaged, truncated or not NetCDF (\(error.message.dropPrefix(path + ": ")))")
        }
        defer { nc.closeQuietly() }
        try HensVersion.checkReadable(written: try nc.textAttribute("hens_version"), path: path)

        guard let version = try nc.int64Attribute("hens_checkpoint_format") else {
            throw fail("not a hens checkpoint (no integer global attribute 'hens_checkpoint_format')")
        }
        guard version == Int64(formatVersion) else {
            throw fail("checkpoint format version \(version), but this hens (\(HensVersion.string)) reads version \(formatVersion)")
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
        func floats(_ name: String, _ dim: (id: Int32, length: Int)) throws -> [Float] {
            let id = try variable(name, NC_FLOAT, [dim])
            var values = [Float](repeating: 0, count: dim.length)
            try values.withUnsafeMutableBufferPointer {
                try nc.getFloats(variable: id, start: [0], count: [dim.length], into: $0)
            }
            return values
        }

        let channelDim = try dimension("channel"), latDim = try dimension("lat"), lonDim = try dimension("lon")
        let parameterDim = try dimension("parameter"), tensorDim = try dimension("tensor"), rankDim = try dimension("rank")
        let channels = try nc.getStrings(variable: try variable("channel", NC_STRING, [channelDim]), length: channelDim.length)
        func doubles(_ name: String, _ dim: (id: Int32, length: Int)) throws -> [Double] {
            try nc.getDoubles(variable: try variable(name, NC_DOUBLE, [dim]), length: dim.length)
        }
        let statistics = DatasetStatistics(channels: channels, mean: try doubles("mean", channelDim),
                                           std: try doubles("std", channelDim), tendencyStd: try doubles("tendency_std", channelDim))
        let grid = CheckpointGrid(label: try text("grid"), latitudes: try doubles("lat", latDim),
                                  longitudes: try doubles("lon", lonDim))

        let names = try nc.getStrings(variable: try variable("tensor_name", NC_STRING, [tensorDim]), length: tensorDim.length)
        func int64s(_ name: String, _ dims: [(id: Int32, length: Int)]) throws -> [Int] {
            try nc.getInt64s(variable: try variable(name, NC_INT64, dims), shape: dims.map(\.length)).map { Int($0) }
        }
        let offsets = try int64s("tensor_offset", [tensorDim])
        let ranks = try int64s("tensor_rank", [tensorDim])
        let shapes = try int64s("tensor_shape", [tensorDim, rankDim])
        let decays = try int64s("tensor_decays", [tensorDim])
        var tensors: [CheckpointTensor] = []
        for i in 0..<tensorDim.length {
            guard (0...rankDim.length).contains(ranks[i]) else { throw fail("tensor '\(names[i])' has rank \(ranks[i])") }
            let shape = Array(shapes[(i * rankDim.length)..<(i * rankDim.length + ranks[i])])
            tensors.append(CheckpointTensor(name: names[i], shape: shape, offset: offsets[i], decays: decays[i] != 0))
        }
        let parameters = try floats("parameters", parameterDim)

        var optimizer: CheckpointOptimizerState?
        if nc.variableID("adam_m") != nil {
            optimizer = CheckpointOptimizerState(step: try integer("optimizer_step"), firstMoment: try floats("adam_m", parameterDim),
                                                 secondMoment: try floats("adam_v", parameterDim))
        }
        guard let seed = try nc.uint64Attribute("seed") else { throw fail("missing integer global attribute 'seed'") }

        let checkpoint = Checkpoint(
            modelConfig: try text("model_config"), trainingConfig: try text("training_config"),
            trainingState: try nc.textAttribute("training_state"), statistics: statistics, grid: grid,
            epoch: try integer("epoch"), step: try integer("step"), seed: seed, tensors: tensors,
            parameters: parameters, optimizer: optimizer, created: try text("created"), hensVersion: try text("hens_version"))

        let stored = try text("sha256")
        let computed = checkpoint.payloadDigest()
        guard stored == computed else {
            throw fail("checksum mismatch (stored sha256 \(stored.prefix(12))…, contents hash to \(computed.prefix(12))…): "
                + "the checkpoint was modified or damaged after it was written")
        }
        try checkpoint.validate(path, kind: .badInput)
        return checkpoint
    }
}

private extension String {
    /// The string without `prefix` when it starts with it.
    func dropPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
