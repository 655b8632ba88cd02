import DatasetIO
import Foundation
import HensCore
import NumericsBackend
import SFNO
import Spherical

/// One checkpoint ready to step ensemble members: the SFNO with its weights, the
/// normalisation it was trained with, and a preallocated workspace.
///
/// Members are carried in the checkpoint's normalised space during the rollout (the space the
/// network maps to itself), and converted to physical units only where they leave it: when a
/// perturbation is applied (non-negative clipping is physical) and when fields are written.
public final class ForecastModel: @unchecked Sendable {  // unchecked: the per-worker workspaces are grown under a lock; the network is read-only during a rollout
    /// The checkpoint's path (for messages and provenance).
    public let path: String
    /// The network.
    public let network: SFNOModel<Float>
    /// Channel names, in state order.
    public let channels: [String]
    /// Per-channel mean (physical = normalised · std + mean).
    public let mean: [Float]
    /// Per-channel standard deviation.
    public let std: [Float]
    /// The checkpoint's SHA-256 payload digest (provenance).
    public let digest: String
    /// An imported model's extra inputs after the state (cos-zenith, fixed fields), if any.
    public let stepInputs: StepInputFields?
    /// The step inputs of the valid time last composed (recomputed when the time changes).
    private var stepInputTemplate: (time: Double, values: [Float])?
    /// One workspace per worker: members of a batch run concurrently, one per thread.
    private var workspaces: [SFNOWorkspace<Float>]
    private var composedInput = OwnedBuffer<Float>(count: 0)
    private let lock = NSLock()

    /// Loads and verifies `path` and checks it against the dataset's channels and grid.
    public init(path: String, archive: AnalysisArchive) throws {
        let reader = try CheckpointReader(path: path)
        defer { reader.close() }
        let checkpoint = reader.header
        try checkpoint.checkCompatible(channels: archive.channels, latitudes: archive.latitudes, longitudes: archive.longitudes,
                                       dataset: archive.directory, checkpoint: path)
        let network = try reader.makeModel()
        let config = network.config
        let stepInputs = checkpoint.stepInputFields
        let stepChannels = stepInputs?.channelCount ?? 0
        guard config.stateInputChannels == checkpoint.channels.count + stepChannels, config.outChannels == checkpoint.channels.count else {
            throw HensError(.badInput, "\(path): the model reads \(config.stateInputChannels) state and predicts \(config.outChannels) "
                + "channels; hens forecast runs models whose input is exactly their \(checkpoint.channels.count) prognostic "
                + "channels (plus stored step inputs and noise channels)")
        }
        if let stepInputs, stepInputs.needsValidTime, !archive.hasAbsoluteTimes {
            throw HensError(.badInput, "\(path): the model reads the solar zenith angle at each step's valid time, but "
                + "\(archive.directory) has no absolute times (no 'trajectory_starts'); use a data set made by hens ingest")
        }
        self.stepInputs = stepInputs
        self.path = path
        self.network = network
        channels = checkpoint.channels
        mean = checkpoint.statistics.mean.map { Float($0) }
        std = checkpoint.statistics.std.map { Float($0) }
        digest = reader.digest
        workspaces = [network.makeWorkspace()]
    }

    /// Values per member state.
    public var stateCount: Int { channels.count * network.fieldCount }
    /// Values per member input: the state, an imported model's step inputs, then a stochastic
    /// model's noise channels.
    public var inputCount: Int { network.inputChannels * network.fieldCount }
    /// Whether `step` needs the valid time of its inputs (the model reads cos-zenith).
    public var needsValidTime: Bool { stepInputs?.needsValidTime ?? false }
    /// Whether the network reads noise channels (a CRPS-trained stochastic model).
    public var isStochastic: Bool { network.noise != nil }

    /// Bytes of weights and workspace held.
    public var byteCount: Int { network.parameterCount * 4 + Parallel.threadCount * workspaces[0].byteCount }

    /// One model step of `batch` normalised states (`EnsembleStep`). Each member's result does
    /// not depend on the others in the batch (the SFNO runs members one after another).
    ///
    /// With several threads and members, the members are dealt to the workers in contiguous
    /// blocks and each worker runs its members single-threaded: members are independent, so
    /// this scales with the cores, while splitting one member's layers over threads leaves them
    /// waiting on each other. Per-member results are the same either way (the SFNO's kernels
    /// do not depend on the thread count).
    ///
    /// A stochastic network reads each member's state followed by its noise channels: drawn
    /// from `noise` (member seeds, step, scale), or zero without it (bred-vector breeding runs
    /// the noise-free path). An imported model reads its step inputs between the state and any
    /// noise, computed for `validTime` (UTC seconds since 1970 of the input states; required
    /// when `needsValidTime`).
    public func step(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ batch: Int,
                     noise: MemberNoise? = nil, validTime: Double? = nil) {
        guard network.noise != nil || stepInputs != nil else {
            forward(input, output, batch, inputStride: stateCount)
            return
        }
        precondition(validTime != nil || !needsValidTime, "\(path): a step of a model reading cos-zenith needs the valid time")
        let n = stateCount, stride = inputCount
        let extra = stepInputValues(validTime: validTime ?? 0)
        let composed = composedBuffer(count: batch * stride)
        let generator = network.noise
        extra.withUnsafeBufferPointer { extraValues in
            let pointers = StepPointers(input: input, output: composed, extra: extraValues)
            Parallel.forEachCyclic(batch) { m in
                let destination = pointers.output + m * stride
                destination.update(from: pointers.input + m * n, count: n)
                var next = destination + n
                if let values = pointers.extra.baseAddress {
                    next.update(from: values, count: pointers.extra.count)
                    next += pointers.extra.count
                }
                guard let generator else { return }
                if let noise, noise.scale != 0 {
                    generator.fill(seed: NoiseChannels.stepSeed(member: noise.seeds[m], step: noise.step), scale: noise.scale,
                                   into: next)
                } else {
                    next.update(repeating: 0, count: stride - (next - destination))
                }
            }
        }
        forward(composed, output, batch, inputStride: stride)
    }

    /// The step inputs for `validTime` (empty without step inputs), cached for the last time.
    private func stepInputValues(validTime: Double) -> [Float] {
        guard let stepInputs else { return [] }
        lock.lock()
        defer { lock.unlock() }
        if let cached = stepInputTemplate, cached.time == validTime || !stepInputs.needsValidTime { return cached.values }
        var values = [Float](repeating: 0, count: stepInputs.channelCount * stepInputs.fieldCount)
        values.withUnsafeMutableBufferPointer { stepInputs.fill(validTime: validTime, into: $0.baseAddress!) }
        stepInputTemplate = (validTime, values)
        return values
    }

    /// The network on `batch` inputs `inputStride` values apart, members dealt to the workers.
    private func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ batch: Int, inputStride: Int) {
        let workers = min(Parallel.isNested ? 1 : Parallel.threadCount, batch)
        guard workers > 1 else {
            network.forward(input, output: output, batch: batch, workspace: workspace(0))
            return
        }
        let spaces = (0..<workers).map { workspace($0) }
        let n = stateCount, pointers = StepPointers(input: input, output: output)
        Parallel.forEachWorker(tasks: workers) { worker, count in
            let lo = batch * worker / count, hi = batch * (worker + 1) / count
            guard lo < hi else { return }
            network.forward(pointers.input + lo * inputStride, output: pointers.output + lo * n, batch: hi - lo,
                            workspace: spaces[worker])
        }
    }

    /// The buffer a step composes its inputs in (grown, never shrunk).
    private func composedBuffer(count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        if composedInput.count < count { composedInput = OwnedBuffer(count: count) }
        return composedInput.base
    }

    /// Worker `k`'s workspace, created on first use.
    private func workspace(_ k: Int) -> SFNOWorkspace<Float> {
        lock.lock()
        defer { lock.unlock() }
        while workspaces.count <= k { workspaces.append(network.makeWorkspace()) }
        return workspaces[k]
    }

    private struct StepPointers: @unchecked Sendable {  // unchecked: workers write disjoint members of the output
        let input: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        /// Step inputs every member reads (read-only during the step; empty without them).
        var extra = UnsafeBufferPointer<Float>(start: nil, count: 0)
    }
}

/// The noise a batch of a stochastic model's members reads at one step: a seed per member
/// (`MemberLayout.noiseSeed(member:)`), the step index and the `noise_scale` factor.
public struct MemberNoise: Sendable {
    /// One seed per member of the batch, in batch order.
    public var seeds: [UInt64]
    /// The model step (0 = the first step from the initial state).
    public var step: Int
    /// Factor on the noise (1 = as trained).
    public var scale: Float

    /// Noise for one step of a batch.
    public init(seeds: [UInt64], step: Int, scale: Float) {
        self.seeds = seeds
        self.step = step
        self.scale = scale
    }
}

extension ForecastModel {

    /// Normalised copies of physical states (one state per array).
    public func normalized(_ states: [[Float]]) -> [[Float]] {
        states.map { state in
            var x = state
            x.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, count: 1) }
            return x
        }
    }

    /// Physical → normalised, in place, for `count` states.
    public func normalize(_ states: UnsafeMutablePointer<Float>, count: Int) {
        let n = network.fieldCount
        for s in 0..<count {
            for c in 0..<channels.count {
                let x = states + (s * channels.count + c) * n, m = mean[c], r = 1 / std[c]
                for i in 0..<n { x[i] = (x[i] - m) * r }
            }
        }
    }

    /// Normalised → physical, from `source` into `destination` (one state).
    public func denormalize(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        let n = network.fieldCount
        for c in 0..<channels.count {
            let x = source + c * n, y = destination + c * n, m = mean[c], s = std[c]
            for i in 0..<n { y[i] = x[i] * s + m }
        }
    }

    /// The physical lower bound 0 in normalised units, per channel: `−mean / std`.
    public var normalizedZero: [Float] { zip(mean, std).map { -$0 / $1 } }
}
