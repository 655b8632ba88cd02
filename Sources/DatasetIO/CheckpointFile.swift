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
    /// The newest format version this build writes and reads: 2 adds the step inputs of an
    /// imported model; files without them are still written as version 1.
    public static let formatVersion = 2

    /// The version this checkpoint is written as: 1 unless it has step inputs.
    public var writtenFormatVersion: Int { stepInputs == nil ? 1 : 2 }

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
    /// Inputs after the prognostic channels supplied at every step (imported models); nil for
    /// models trained by hens.
    public var stepInputs: CheckpointStepInputs?

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
        addHeader(to: &h, parameterCount: parameters.count)
        parameters.withUnsafeBufferPointer { h.addValues($0) }
        addTrailer(to: &h)
        return h.hexDigest()
    }

    /// Hashes every field that precedes the parameter values, ending with the parameters' count
    /// (the values follow, in buffer order, so a writer or reader can stream them).
    func addHeader(to h: inout CheckpointPayloadHasher, parameterCount: Int) {
        h.add(writtenFormatVersion)
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
        h.add(parameterCount)
    }

    /// Hashes the fields after the parameter values: the optimiser state, then (format 2) the
    /// step inputs.
    func addTrailer(to h: inout CheckpointPayloadHasher) {
        addOptimizer(to: &h)
        stepInputs?.addDigest(to: &h)
    }

    /// Hashes the optimiser state.
    func addOptimizer(to h: inout CheckpointPayloadHasher) {
        h.add(optimizer != nil)
        if let o = optimizer {
            h.add(o.step)
            h.add(o.firstMoment)
            h.add(o.secondMoment)
        }
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
            let missing = channels.filter { !dataChannels.contains($0) }
            let why = missing.isEmpty ? "in another order" : "lacking \(missing.joined(separator: ", "))"
            throw HensError(.badInput, "\(dataset): channels (\(dataChannels.joined(separator: ", "))) do not match "
                + "checkpoint \(checkpoint)'s (\(channels.joined(separator: ", "))): \(why)")
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
        try Checkpoint.write(header: self, parameterCount: parameters.count, to: path) { sink in
            try parameters.withUnsafeBufferPointer { try sink.append($0) }
        }
    }

    /// Writes a checkpoint whose parameters are produced piece by piece, so a model of several
    /// gigabytes is never held twice (`hens import` converts one tensor at a time).
    ///
    /// `header` holds every field but the parameter values (its `parameters` are ignored);
    /// `produce` appends exactly `parameterCount` values to the sink, in buffer order. The
    /// SHA-256 is computed while the values pass through and written last; the file appears at
    /// `path` only when complete.
    public static func write(header: Checkpoint, parameterCount: Int, to path: String,
                             parameters produce: (inout CheckpointParameterSink) throws -> Void) throws {
        try header.validate(path, kind: .internal, parameterCount: parameterCount)
        let staged = try NetCDFFile.stage(path: path) { nc in
            let channels = header.channels, grid = header.grid, tensors = header.tensors, optimizer = header.optimizer
            let statistics = header.statistics, maxRank = header.maxRank
            let channelDim = try nc.defineDimension("channel", length: channels.count)
            let latDim = try nc.defineDimension("lat", length: grid.latitudes.count)
            let lonDim = try nc.defineDimension("lon", length: grid.longitudes.count)
            let parameterDim = try nc.defineDimension("parameter", length: parameterCount)
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
            try nc.putAttribute("hens_checkpoint_format", ints: [Int32(header.writtenFormatVersion)])
            try nc.putAttribute("hens_version", text: header.hensVersion)
            try nc.putTextAttributes(BackendProvenance.fileAttributes)
            try nc.putAttribute("created", text: header.created)
            try nc.putAttribute("grid", text: grid.label)
            try nc.putAttribute("epoch", int64s: [Int64(header.epoch)])
            try nc.putAttribute("step", int64s: [Int64(header.step)])
            try nc.putAttribute("seed", uint64: header.seed)
            if let o = optimizer { try nc.putAttribute("optimizer_step", int64s: [Int64(o.step)]) }
            try nc.putAttribute("model_config", text: header.modelConfig)
            try nc.putAttribute("training_config", text: header.trainingConfig)
            if let state = header.trainingState { try nc.putAttribute("training_state", text: state) }
            let stepInputIDs = try header.stepInputs.map { try CheckpointStepInputs.define($0, in: nc, lat: latDim, lon: lonDim) }
            try nc.endDefinitions()

            try nc.putStrings(variable: channelVar, channels)
            try nc.putDoubles(variable: meanVar, statistics.mean)
            try nc.putDoubles(variable: stdVar, statistics.std)
            try nc.putDoubles(variable: tendencyVar, statistics.tendencyStd)
            try nc.putDoubles(variable: latVar, grid.latitudes)
            try nc.putDoubles(variable: lonVar, grid.longitudes)
            var sink = CheckpointParameterSink(file: nc, variable: parameterVar, count: parameterCount, path: path)
            header.addHeader(to: &sink.hasher, parameterCount: parameterCount)
            try produce(&sink)
            guard sink.written == parameterCount else {
                throw HensError(.internal, "\(path): \(sink.written) of \(parameterCount) parameters were produced")
            }
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
            if let inputs = header.stepInputs, let ids = stepInputIDs {
                try CheckpointStepInputs.put(inputs, in: nc, ids: ids, nlat: grid.latitudes.count, nlon: grid.longitudes.count)
            }
            // The digest covers the values just written, so it is added last.
            header.addTrailer(to: &sink.hasher)
            try nc.redefine()
            try nc.putAttribute("sha256", text: sink.hasher.hexDigest())
            try nc.endDefinitions()
        }
        try staged.commit()
    }

    /// The rank dimension's length (at least 1, so scalar-only tables still have one).
    var maxRank: Int { max(1, tensors.map(\.shape.count).max() ?? 1) }

    /// Checks the invariants `read` relies on, so an inconsistent checkpoint is never written.
    /// `kind` is `.internal` before writing (a caller bug) and `.badInput` after reading.
    func validate(_ path: String, kind: HensError.Kind, parameterCount: Int? = nil) throws {
        let parameterCount = parameterCount ?? parameters.count
        func fail(_ message: String) -> HensError { HensError(kind, "\(path): \(message)") }
        let n = channels.count
        guard n > 0, statistics.mean.count == n, statistics.std.count == n, statistics.tendencyStd.count == n else {
            throw fail("checkpoint needs one mean, std and tendency std per channel")
        }
        guard !grid.latitudes.isEmpty, !grid.longitudes.isEmpty else { throw fail("checkpoint grid has no points") }
        guard parameterCount > 0, !tensors.isEmpty else { throw fail("checkpoint has no parameters") }
        var names = Set<String>()
        for t in tensors {
            guard names.insert(t.name).inserted else { throw fail("tensor '\(t.name)' listed twice") }
            guard t.offset >= 0, t.shape.allSatisfy({ $0 >= 0 }), t.offset + t.count <= parameterCount else {
                throw fail("tensor '\(t.name)' (offset \(t.offset), shape \(t.shape)) lies outside the \(parameterCount) parameters")
            }
        }
        if let o = optimizer {
            guard o.firstMoment.count == parameterCount, o.secondMoment.count == parameterCount else {
                throw fail("optimiser moments need \(parameterCount) values each")
            }
        }
        guard epoch >= 0, step >= 0 else { throw fail("epoch and step must be non-negative") }
        try stepInputs?.validate(points: grid.latitudes.count * grid.longitudes.count, fail: fail)
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
        let reader = try CheckpointReader(path: path, loadsOptimizer: true)
        defer { reader.close() }
        var checkpoint = reader.header
        checkpoint.parameters = [Float](repeating: 0, count: reader.parameterCount)
        try checkpoint.parameters.withUnsafeMutableBufferPointer { try reader.readParameters(into: $0) }
        return checkpoint
    }
}
