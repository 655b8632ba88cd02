import HensCore
/// What the trainer needs from a model: a flat Float32 parameter buffer, a forward pass that
/// records what its backward pass needs, and the backward pass itself.
///
/// Layouts: inputs are `[batch][inputChannels][nlat][nlon]`, outputs
/// `[batch][outputChannels][nlat][nlon]`, both normalised fields on the model's data grid.
public protocol TrainableModel: AnyObject {
    /// What a forward pass keeps for its backward pass (activations, statistics).
    associatedtype Tape

    /// Channels the model reads (prognostic + auxiliary + noise).
    var inputChannels: Int { get }
    /// The noise channels of a stochastic model (the last `noise.count` inputs); nil for a
    /// deterministic one.
    var noise: NoiseChannels? { get }
    /// Channels the model predicts (prognostic).
    var outputChannels: Int { get }
    /// Points of one field on the data grid (nlat · nlon).
    var fieldCount: Int { get }
    /// The tensors of the flat parameter buffer, in buffer order.
    var parameterTensors: [ParameterTensor] { get }
    /// Length of the flat parameter buffer.
    var parameterCount: Int { get }

    /// Gives read/write access to the flat parameter buffer (`parameterCount` reals).
    func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R

    /// Forward pass of `batch` samples for training; returns the tape for `backward`.
    func forwardRecording(_ input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>) -> Tape

    /// Backward pass: given ∂L/∂output, **adds** ∂L/∂parameters into `gradParameters`
    /// (`parameterCount` reals) and, when `gradInput` is non-nil, **writes** ∂L/∂input there.
    func backward(_ tape: Tape, gradOutput: UnsafePointer<Float>,
                  gradInput: UnsafeMutablePointer<Float>?, gradParameters: UnsafeMutablePointer<Float>)
}
