/// One named tensor inside a model's flat parameter buffer.
///
/// Models keep every trainable weight in one contiguous buffer so that the optimiser,
/// gradient clipping and checkpoints work on a single span; this table says which part of
/// the span is which tensor.
public struct ParameterTensor: Equatable, Sendable, Codable {
    /// Stable name, e.g. `blocks.0.spectral.weight` (checkpoints store weights by name).
    public var name: String
    /// Logical shape (a complex weight counts its real/imaginary pair as a last axis of 2).
    public var shape: [Int]
    /// First element in the flat buffer.
    public var offset: Int
    /// Whether AdamW's decoupled weight decay applies (not to biases and norm scales/shifts).
    public var decays: Bool

    public init(name: String, shape: [Int], offset: Int, decays: Bool) {
        self.name = name
        self.shape = shape
        self.offset = offset
        self.decays = decays
    }

    /// Number of reals: the product of `shape`.
    public var count: Int { shape.reduce(1, *) }
    /// The elements of the flat buffer this tensor owns.
    public var range: Range<Int> { offset..<(offset + count) }
}
