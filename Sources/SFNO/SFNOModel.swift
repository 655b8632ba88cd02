import Foundation
import HensCore
import NumericsBackend
import Spherical

/// A Spherical Fourier Neural Operator with a flat parameter buffer, a forward pass for
/// inference (preallocated workspace, no allocation per step) and a recorded forward pass
/// with a hand-written backward pass for training.
///
/// - Layout: inputs `[batch][inChannels][nlat][nlon]`, outputs `[batch][outChannels][nlat][nlon]`
///   on the data grid (rows north → south).
/// - Precision: `Float` in production; `Double` runs the same code for gradient checks
///   (`copyParameters(from:)` moves weights between the two).
/// - Determinism: members are processed one after another through the same buffers and every
///   kernel splits its work into fixed pieces (fields, ring pairs, orders, degrees, channels,
///   column tiles) that workers take whole, so a member's output depends neither on the batch
///   it shares nor on the thread count, and FFTW plans are made with `FFTW_ESTIMATE` by
///   default so runs are reproducible. The threads work *inside* each layer; OpenBLAS and FFTW
///   stay single-threaded (`Parallel.configure`), and inside an outer hens parallel loop every
///   inner loop runs inline.
/// - Parameters (`parameterTensors`): the 1×1 layers use torch's `[out, in]` layout
///   (`encoder.0.weight`, `blocks.i.mlp.fc1.weight` = torch-harmonics' `mlp.fwd.0.weight`, …);
///   the spectral weight `blocks.i.spectral.weight` is `[lmax, out, in, 2]` (degree-major,
///   re/im last: the layout the contraction GEMM reads in place), where torch-harmonics
///   stores `global_conv.weight` as complex `(out, in, lmax)` (see `ParityTests` for the map).
public final class SFNOModel<T: SHTScalar>: @unchecked Sendable {  // unchecked: weights change only in optimiser steps, never during a forward pass
    /// The (validated) hyper-parameters.
    public let config: SFNOConfig
    let architecture: SFNOArchitecture
    /// Column tiling of the pointwise stages (settable so tests can force many tiles on tiny
    /// grids; workspaces copy it when they are made).
    var tiles: ColumnTiles
    let dataTransform: GridTransform<T>
    let innerTransform: GridTransform<T>
    private let parameters: OwnedBuffer<T>
    /// The noise channels' generator when the model is stochastic (`config.noiseChannels > 0`).
    public let noise: NoiseChannels?
    let tapePool = TapeStorage<T>()
    let tapeLayout: TapeLayout
    /// Scratch of `forwardRecording`/`backward`, made on first use and kept.
    private let trainingLock = NSLock()
    private var trainingForward: SFNOWorkspace<T>?
    private var trainingBackward: OwnedBuffer<T>?

    /// Builds the model and initialises its weights from `seed`
    /// (docs/formulas.md#weight-initialisation for the chosen variant).
    /// - Parameter planning: FFTW planning for the transforms; `.estimate` (the default) makes
    ///   plans that do not depend on timing, so results are reproducible from run to run.
    /// - Throws: `HensError` for an invalid configuration.
    public init(config: SFNOConfig, seed: UInt64, planning: FFTPlanning = .estimate) throws {
        try config.validate()
        self.config = config
        architecture = SFNOArchitecture(config)
        tiles = ColumnTiles(hidden: architecture.hiddenMax)
        tapeLayout = TapeLayout(architecture)
        let dataGrid = try config.dataGrid(), innerGrid = try config.internalGrid()
        dataTransform = try GridTransform(grid: dataGrid, modes: architecture.modes, planning: planning)
        innerTransform = dataGrid == innerGrid
            ? dataTransform
            : try GridTransform(grid: innerGrid, modes: architecture.modes, planning: planning)
        parameters = OwnedBuffer(count: architecture.parameterCount)
        noise = config.isStochastic ? try NoiseChannels(config: config) : nil
        ParameterInitializer.initialize(UnsafeMutableBufferPointer(start: parameters.base, count: architecture.parameterCount),
                                        tensors: architecture.tensors, initializers: architecture.initializers, seed: seed)
    }

    /// Channels read per member (the state's, then any noise channels).
    public var inputChannels: Int { config.inChannels }
    /// Channels predicted per member.
    public var outputChannels: Int { config.outChannels }
    /// Points of one field on the data grid.
    public var fieldCount: Int { config.dataPoints }
    /// The tensors of the flat parameter buffer, in buffer order.
    public var parameterTensors: [ParameterTensor] { architecture.tensors }
    /// Reals in the flat parameter buffer (a complex weight counts twice).
    public var parameterCount: Int { architecture.parameterCount }

    /// The tensor with this name, if any.
    public func parameterTensor(named name: String) -> ParameterTensor? {
        architecture.tensors.first { $0.name == name }
    }

    /// Read/write access to the flat parameter buffer.
    public func withParameters<R>(_ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: parameters.base, count: architecture.parameterCount))
    }

    /// Copies (and converts) every parameter from a model of the same configuration, e.g. a
    /// Float32 model into a Float64 one for gradient checks.
    public func copyParameters<U: SHTScalar>(from other: SFNOModel<U>) {
        precondition(other.parameterTensors == parameterTensors, "copyParameters: the two models have different parameter tables")
        other.withParameters { source in
            for i in 0..<architecture.parameterCount { parameters.base[i] = T(source[i].double) }
        }
    }

    func transform(_ role: GridRole) -> GridTransform<T> { role == .data ? dataTransform : innerTransform }

    /// Convenience: a fresh workspace for `forward(_:output:batch:workspace:)`.
    public func makeWorkspace() -> SFNOWorkspace<T> { SFNOWorkspace(model: self) }

    // MARK: - Inference

    /// Runs `batch` members: `input` `[batch][inChannels][nlat][nlon]` → `output`
    /// `[batch][outChannels][nlat][nlon]`. Allocates nothing (unless the thread count grew
    /// since the workspace was made); `output` must not overlap `input`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward(_ input: UnsafePointer<T>, output: UnsafeMutablePointer<T>, batch: Int,
                        workspace: SFNOWorkspace<T>) {
        precondition(workspace.architecture.tensors == architecture.tensors && workspace.tiles.width == tiles.width,
                     "forward: workspace made for another model")
        workspace.prepare()
        let inCount = config.inChannels * config.dataPoints, outCount = config.outChannels * config.dataPoints
        for b in 0..<batch {
            forwardMember(parameters.base, input: input + b * inCount, output: output + b * outCount,
                          scratch: workspace.scratch, tape: nil)
        }
    }

    /// Array convenience for `forward(_:output:batch:workspace:)` (allocates a workspace).
    public func forward(_ input: [T], batch: Int) -> [T] {
        precondition(input.count == batch * config.inChannels * config.dataPoints, "forward: wrong input size")
        var out = [T](repeating: 0, count: batch * config.outChannels * config.dataPoints)
        let workspace = makeWorkspace()
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { forward(i.baseAddress!, output: $0.baseAddress!, batch: batch, workspace: workspace) }
        }
        return out
    }

    // MARK: - Training

    /// Forward pass of `batch` members that keeps what `backward` needs; returns the tape.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forwardRecording(_ input: UnsafePointer<T>, batch: Int, output: UnsafeMutablePointer<T>) -> SFNOTape<T> {
        let tape = SFNOTape(batch: batch, layout: tapeLayout, pool: tapePool)
        trainingLock.lock()
        defer { trainingLock.unlock() }
        let workspace = trainingForward ?? SFNOWorkspace(model: self)
        trainingForward = workspace
        workspace.prepare()
        let inCount = config.inChannels * config.dataPoints, outCount = config.outChannels * config.dataPoints
        for b in 0..<batch {
            forwardMember(parameters.base, input: input + b * inCount, output: output + b * outCount,
                          scratch: workspace.scratch, tape: tape.member(b))
        }
        return tape
    }

    /// Backward pass: given ∂L/∂output, **adds** ∂L/∂parameters into `gradParameters`
    /// (`parameterCount` reals) and, when `gradInput` is non-nil, **writes** ∂L/∂input there.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward(_ tape: SFNOTape<T>, gradOutput: UnsafePointer<T>, gradInput: UnsafeMutablePointer<T>?,
                         gradParameters: UnsafeMutablePointer<T>) {
        precondition(tape.layout.memberCount == tapeLayout.memberCount, "backward: tape recorded by another model")
        trainingLock.lock()
        defer { trainingLock.unlock() }
        let buffer = trainingBackward ?? OwnedBuffer<T>(count: BackwardScratch<T>.count(architecture))
        trainingBackward = buffer
        let scratch = BackwardScratch<T>(architecture, base: buffer.base)
        let inCount = config.inChannels * config.dataPoints, outCount = config.outChannels * config.dataPoints
        for b in 0..<tape.batch {
            backwardMember(parameters.base, tape: tape.member(b), gradOutput: gradOutput + b * outCount,
                           gradInput: gradInput.map { $0 + b * inCount }, gradParameters: gradParameters, scratch: scratch)
        }
    }
}

/// The trainer's view: Float32 parameters, forward with tape, backward.
extension SFNOModel: TrainableModel where T == Float {}
