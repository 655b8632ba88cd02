import DatasetIO
import Foundation
import HensCore

/// One tensor of a released model as the importer sees it: its shape with complex values
/// counted as one element, and whether it is complex.
public struct ReleasedTensor: Equatable, Sendable {
    /// The key as stored in the file.
    public let key: String
    /// Sizes per dimension (a complex tensor's shape, without a trailing [re, im] axis).
    public let shape: [Int]
    /// Whether the values are complex (copied as interleaved real, imaginary).
    public let isComplex: Bool
}

/// The named tensors of a released model, whatever file holds them — a `torch.save`
/// checkpoint or a safetensors file — keyed by their makani names with any `module.`
/// (distributed training) and `model.` (makani's step wrapper) prefixes removed.
public final class ReleasedWeights {
    /// The weights file (for messages).
    public let path: String
    /// Tensors by canonical key (prefixes removed).
    public let tensors: [String: ReleasedTensor]
    /// The file's metadata (safetensors `__metadata__`; empty for torch files).
    public let metadata: [String: String]
    private let copy: (String, UnsafeMutableBufferPointer<Float>) throws -> Void

    /// The canonical form of a state-dict key: without leading `module.` and `model.`.
    public static func canonicalKey(_ key: String) -> String {
        var k = Substring(key)
        for prefix in ["module.", "model."] where k.hasPrefix(prefix) { k = k.dropFirst(prefix.count) }
        return String(k)
    }

    /// The canonical key of `name`, which no tensor in `tensors` may have already.
    private static func uniqueKey(_ name: String, in tensors: [String: ReleasedTensor], path: String) throws -> String {
        let key = canonicalKey(name)
        if let other = tensors[key] {
            throw HensError(.badInput, "\(path): tensors '\(name)' and '\(other.key)' are the same after removing 'module.'/'model.'")
        }
        return key
    }

    /// Opens a `torch.save` file (makani training checkpoint or bare state dict) without torch.
    public convenience init(torchCheckpoint path: String) throws {
        let checkpoint = try TorchCheckpoint(path: path)
        var tensors: [String: ReleasedTensor] = [:]
        var stored: [String: TorchTensorInfo] = [:]
        for info in checkpoint.tensors {
            let key = try Self.uniqueKey(info.name, in: tensors, path: path)
            tensors[key] = ReleasedTensor(key: info.name, shape: info.shape, isComplex: info.elementType.isComplex)
            stored[key] = info
        }
        self.init(path: path, tensors: tensors, metadata: [:]) { key, destination in
            try checkpoint.copyFloat32(stored[key]!, into: destination)
        }
    }

    /// Opens a safetensors file. Complex tensors are stored there as Float32 with a trailing
    /// [re, im] axis; which tensors are complex comes from the JSON sidecar's
    /// `complex_tensors` when given, else every spectral filter weight (`*.filter.filter.weight`)
    /// whose last axis is 2.
    public convenience init(safetensors path: String, complexKeys: Set<String>?) throws {
        let file = try SafeTensorsFile(path: path)
        var tensors: [String: ReleasedTensor] = [:]
        var stored: [String: SafeTensorInfo] = [:]
        for info in file.tensors {
            let key = try Self.uniqueKey(info.name, in: tensors, path: path)
            let declaredComplex = complexKeys.map { $0.contains(info.name) || $0.contains(key) }
                ?? (key.hasSuffix(".filter.filter.weight") && info.shape.last == 2)
            let isComplex = declaredComplex || info.elementType.isComplex
            if declaredComplex && !info.elementType.isComplex {
                guard info.shape.last == 2, info.elementType == .float32 else {
                    throw HensError(.badInput, "\(path): tensor '\(info.name)' is declared complex but is \(info.elementType.rawValue) \(info.shape), "
                        + "not Float32 with a trailing [re, im] axis of 2")
                }
            }
            let shape = declaredComplex && !info.elementType.isComplex ? Array(info.shape.dropLast()) : info.shape
            tensors[key] = ReleasedTensor(key: info.name, shape: shape, isComplex: isComplex)
            stored[key] = info
        }
        self.init(path: path, tensors: tensors, metadata: file.metadata) { key, destination in
            try file.copyFloat32(stored[key]!, into: destination)
        }
    }

    private init(path: String, tensors: [String: ReleasedTensor], metadata: [String: String],
                 copy: @escaping (String, UnsafeMutableBufferPointer<Float>) throws -> Void) {
        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.copy = copy
    }

    /// Copies the tensor `key` (canonical) as row-major Float32 (complex interleaved) into
    /// `destination`, which holds exactly its values.
    public func copyFloat32(_ key: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try copy(key, destination)
    }
}
