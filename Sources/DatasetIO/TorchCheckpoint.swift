import HensCore

/// One tensor of a torch state dict: where its elements lie in which storage, checked against
/// the archive on open.
public struct TorchTensorInfo: Sendable, Equatable {
    /// The state-dict key (`model.blocks.0.filter.filter.weight`).
    public let name: String
    /// The element type (from the storage class).
    public let elementType: TensorElementType
    /// Sizes per dimension (empty for a scalar).
    public let shape: [Int]
    /// Strides per dimension, in elements (torch's `stride()`).
    public let strides: [Int]
    /// The storage's key: its bytes are the archive entry `<prefix>/data/<key>`.
    public let storageKey: String
    /// The first element, in elements from the start of the storage.
    public let storageOffset: Int
    /// Elements in the whole storage (several tensors may view one storage).
    public let storageElementCount: Int
    /// Whether it was saved as an `nn.Parameter`.
    public let isParameter: Bool
    /// `requires_grad` as saved.
    public let requiresGrad: Bool
    let layout: StridedLayout

    /// The number of elements (the product of `shape`).
    public var elementCount: Int { layout.elementCount }
    /// Whether the elements are row-major without gaps (a `.t()` view is not).
    public var isContiguous: Bool { layout.isRowMajorContiguous }
    /// How many Floats `copyFloat32` writes: `elementCount`, twice that for complex types.
    public var float32Count: Int { layout.elementCount * elementType.componentCount }
}

/// A file written by `torch.save` (PyTorch ≥ 1.6, the ZIP layout), read without torch and
/// without executing its pickle: the tensors of its state dict, each readable on its own
/// straight from the mapped file.
///
/// Layout: a ZIP archive of stored entries `<prefix>/data.pkl` (the pickled object),
/// `<prefix>/data/<key>` (one per storage), `<prefix>/version` and, since torch 1.10,
/// `<prefix>/byteorder` (`little`; hens reads little-endian files only). The prefix is whatever
/// folder name torch chose (the file's base name) and is never relied on: the single
/// `data.pkl` at depth ≤ 1 defines it. The pickle is read by `PickleMachine` under
/// `PickleAllowList.torchCheckpoint`, so a checkpoint that would run code is refused with the
/// global it names.
///
/// Which dict is the state dict: `stateDictKeyPath` when given (e.g. `["model_state"]`);
/// otherwise `model_state` when the top level is a dict holding a dict there (a makani training
/// checkpoint), else the top-level dict itself (a bare `model.state_dict()`).
public final class TorchCheckpoint: @unchecked Sendable {  // unchecked: immutable after init
    /// The file (for messages).
    public let path: String
    /// The archive.
    public let archive: ZipArchive
    /// The folder inside the archive holding `data.pkl` (with its trailing `/`, or empty).
    public let prefix: String
    /// The whole unpickled object (optimizer state, scheduler, epoch… as plain values).
    public let document: PickleDocument
    /// The keys from the root to the state dict (empty: the root is the state dict).
    public let stateDictKeyPath: [String]
    /// The state dict's tensors in its order.
    public let tensors: [TorchTensorInfo]
    /// The same, by name.
    public let tensorsByName: [String: TorchTensorInfo]
    /// State-dict keys whose values are not tensors (`_extra_state` objects, integers).
    public let otherEntries: [String]

    /// The longest tensor name accepted (real ones are well under 200 bytes).
    public static let maximumNameLength = 4096

    /// Opens the checkpoint at `path`.
    /// - Parameters:
    ///   - stateDictKeyPath: keys leading from the top-level dict to the state dict; nil for the default choice.
    ///   - allowList: the globals the pickle may name.
    /// - Throws: `HensError(.badInput)` naming the file and what is wrong.
    public convenience init(path: String, stateDictKeyPath: [String]? = nil, allowList: PickleAllowList = .torchCheckpoint) throws {
        try self.init(try MappedBytes(path: path), stateDictKeyPath: stateDictKeyPath, allowList: allowList)
    }

    /// Reads a checkpoint held in `file`.
    public init(_ file: MappedBytes, stateDictKeyPath: [String]? = nil, allowList: PickleAllowList = .torchCheckpoint) throws {
        path = file.name
        let path = file.name
        func fail(_ message: String) -> HensError { inputError("\(path): \(message)") }
        let head = [UInt8](file.bytes.prefix(4))
        if head.first == 0x80 {
            throw fail("a legacy (before PyTorch 1.6) torch file; hens reads the ZIP format: load and save it again with a current torch")
        }
        guard head == [0x50, 0x4B, 0x03, 0x04] else {
            throw fail("not a torch.save file: it does not start with a ZIP local header (PK\\3\\4)")
        }
        archive = try ZipArchive(file)

        // The pickle: the one data.pkl at the top or one folder down.
        let pickles = archive.entries.filter { entry in
            entry.name == "data.pkl" || (entry.name.hasSuffix("/data.pkl") && entry.name.split(separator: "/", omittingEmptySubsequences: false).count == 2)
        }
        guard pickles.count == 1, let pickleEntry = pickles.first else {
            throw fail(pickles.isEmpty ? "no data.pkl in the archive (not a torch.save file)"
                       : "\(pickles.count) data.pkl entries (\(pickles.map(\.name).joined(separator: ", "))); expected one")
        }
        prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let byteOrder = archive.entry(named: prefix + "byteorder") {
            let text = try archive.contents(of: byteOrder)
            guard text == Array("little".utf8) else {
                throw fail("\(byteOrder.name) is '\(String(decoding: text.prefix(16), as: UTF8.self))'; hens reads little-endian checkpoints only")
            }
        }
        let pickle = try archive.contents(of: pickleEntry)
        document = try PickleMachine.load(pickle, context: "\(path): \(pickleEntry.name)", allowList: allowList)

        // The state dict.
        var dict = document.root
        var keyPath: [String] = []
        if let requested = stateDictKeyPath {
            for key in requested {
                guard case .dict = dict else { throw fail("'\(keyPath.joined(separator: "."))' is not a dict, so it has no key '\(shown(key))'") }
                guard let next = document.value(forKey: key, in: dict) else {
                    let keys = document.entries(of: dict).compactMap(\.key.string).prefix(20)
                    throw fail("no key '\(shown(key))' in \(keyPath.isEmpty ? "the top-level dict" : "'\(keyPath.joined(separator: "."))'") (keys: \(keys.joined(separator: ", ")))")
                }
                dict = next
                keyPath.append(key)
            }
        } else if let modelState = document.value(forKey: "model_state", in: dict), case .dict = modelState {
            dict = modelState
            keyPath = ["model_state"]
        }
        guard case .dict = dict else {
            throw fail(keyPath.isEmpty ? "the pickled object is not a dict (expected a state dict or a training checkpoint holding 'model_state')"
                       : "'\(keyPath.joined(separator: "."))' is not a dict")
        }
        self.stateDictKeyPath = keyPath

        // Its tensors, each checked against its storage entry.
        var tensors: [TorchTensorInfo] = []
        var byName: [String: TorchTensorInfo] = [:]
        var others: [String] = []
        var names: Set<String> = []
        var storages: [String: TorchStorageReference] = [:]
        for entry in document.entries(of: dict) {
            guard let name = entry.key.string else { throw fail("the state dict has a key that is not a string") }
            guard name.utf8.count <= Self.maximumNameLength else {
                throw fail("state dict key of \(name.utf8.count) bytes; at most \(Self.maximumNameLength) are accepted")
            }
            guard names.insert(name).inserted else { throw fail("key '\(shown(name))' appears twice in the state dict") }
            guard case .tensor(let t) = entry.value else { others.append(name); continue }
            let storage = t.storage
            if let seen = storages[storage.key], seen != storage {
                throw fail("tensor '\(shown(name))': storage '\(shown(storage.key))' is described twice differently (\(seen.elementType.rawValue)×\(seen.elementCount), \(storage.elementType.rawValue)×\(storage.elementCount))")
            }
            storages[storage.key] = storage
            let entryName = prefix + "data/" + storage.key
            guard let data = archive.entry(named: entryName) else { throw fail("tensor '\(shown(name))': its storage entry '\(shown(entryName))' is missing") }
            guard let bytes = CheckedSize.product(storage.elementCount, storage.elementType.byteCount), bytes == data.uncompressedSize else {
                throw fail("tensor '\(shown(name))': storage '\(shown(entryName))' holds \(data.uncompressedSize) bytes, but \(storage.elementCount) \(storage.elementType.rawValue) elements need \(storage.elementCount)×\(storage.elementType.byteCount)")
            }
            let layout: StridedLayout
            switch StridedLayout.validated(shape: t.shape, strides: t.strides, offset: t.storageOffset, storageElements: storage.elementCount) {
            case .success(let valid): layout = valid
            case .failure(let problem): throw fail("tensor '\(shown(name))': \(problem.reason)")
            }
            // Views whose elements overlap (stride 0: an expanded tensor) could describe far
            // more elements than the file holds; a state dict has none, and refusing them bounds
            // every copy by the file's size.
            guard layout.elementCount <= storage.elementCount else {
                throw fail("tensor '\(shown(name))': shape \(t.shape) with strides \(t.strides) has \(layout.elementCount) elements over a storage of \(storage.elementCount) (an expanded view; save it with .contiguous())")
            }
            let info = TorchTensorInfo(name: name, elementType: storage.elementType, shape: t.shape, strides: t.strides, storageKey: storage.key,
                                       storageOffset: t.storageOffset, storageElementCount: storage.elementCount, isParameter: t.isParameter,
                                       requiresGrad: t.requiresGrad, layout: layout)
            tensors.append(info)
            byName[name] = info
        }
        self.tensors = tensors
        tensorsByName = byName
        otherEntries = others
    }

    /// The tensor called `name`.
    /// - Throws: `HensError(.badInput)` naming the file when there is none.
    public func tensor(named name: String) throws -> TorchTensorInfo {
        guard let info = tensorsByName[name] else {
            throw inputError("\(path): no tensor '\(shown(name))' in the state dict (\(tensors.count) tensors)")
        }
        return info
    }

    /// Calls `body` with the bytes of `tensor`'s whole storage, in place in the mapped file
    /// (valid only inside `body`); the tensor's elements are at `storageOffset`, `strides`.
    /// Storages up to `ZipArchive.checksumLimit` are checked against their CRC-32 unless
    /// `verifyChecksum` is false; larger ones only when it is true.
    public func withStorageBytes<R>(of tensor: TorchTensorInfo, verifyChecksum: Bool? = nil, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let entry = archive.entry(named: prefix + "data/" + tensor.storageKey) else {
            throw inputError("\(path): tensor '\(shown(tensor.name))': its storage entry is missing")
        }
        return try archive.withContents(of: entry, verifyChecksum: verifyChecksum, body)
    }

    /// Copies a floating-point or complex tensor into `destination` as row-major Float32
    /// (float64 rounded, float16/bfloat16 exact, complex as interleaved real, imaginary),
    /// whatever its strides. `destination.count` must equal `tensor.float32Count`.
    /// - Throws: `HensError(.badInput)` for an integer tensor, a damaged storage, or a
    ///   destination of another size (`.internal`).
    public func copyFloat32(_ tensor: TorchTensorInfo, into destination: UnsafeMutableBufferPointer<Float>, verifyChecksum: Bool? = nil) throws {
        guard tensor.elementType.isFloatingPoint else {
            throw inputError("\(path): tensor '\(shown(tensor.name))' holds \(tensor.elementType.rawValue); only floating-point and complex tensors convert to Float32")
        }
        guard destination.count == tensor.float32Count else {
            throw HensError(.internal, "\(path): tensor '\(shown(tensor.name))' has \(tensor.float32Count) Float32 values, the destination \(destination.count)")
        }
        try withStorageBytes(of: tensor, verifyChecksum: verifyChecksum) { storage in
            tensor.layout.copyFloat32(from: storage, type: tensor.elementType, into: destination)
        }
    }

    /// Copies the tensor called `name` into `destination` (see `copyFloat32(_:into:verifyChecksum:)`).
    public func copyFloat32(_ name: String, into destination: UnsafeMutableBufferPointer<Float>, verifyChecksum: Bool? = nil) throws {
        try copyFloat32(try tensor(named: name), into: destination, verifyChecksum: verifyChecksum)
    }

    /// The tensor called `name` as row-major Float32 values (a new array: for small tensors and tests).
    public func float32Values(_ name: String) throws -> [Float] {
        let info = try tensor(named: name)
        var values = [Float](repeating: 0, count: info.float32Count)
        try values.withUnsafeMutableBufferPointer { try copyFloat32(info, into: $0) }
        return values
    }

    /// The tensor called `name` as row-major Float64 values, any element type (integers
    /// exact up to 2⁵³; complex interleaved).
    public func float64Values(_ name: String) throws -> [Double] {
        let info = try tensor(named: name)
        var values = [Double](repeating: 0, count: info.float32Count)
        try values.withUnsafeMutableBufferPointer { out in
            try withStorageBytes(of: info) { info.layout.copyFloat64(from: $0, type: info.elementType, into: out) }
        }
        return values
    }
}
