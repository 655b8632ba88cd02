/// A value of an unpickled document: scalars inline, containers by reference into the
/// document's tables (`PickleDocument`). Globals, storages and tensors are boxed (`indirect`,
/// not recursive) so a value stays small on a stack of millions.
///
/// Why containers are references and not nested enums: pickle memoises lists and dicts and
/// mutates them after sharing them (a list memoised, then appended to), and a file can build
/// cycles or nestings a million deep. Flat values with table indices keep Python's sharing
/// exact, make cycles harmless, and mean no Swift recursion — neither in building, nor in
/// freeing — depends on the file's nesting depth.
public enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    /// An integer (LONG1/LONG4 values must fit 64 bits).
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// An immutable sequence: `document.items(of:)`.
    case tuple(PickleReference)
    /// A mutable sequence: `document.items(of:)`.
    case list(PickleReference)
    /// A dict or OrderedDict, in insertion order: `document.entries(of:)`.
    case dict(PickleReference)
    /// An allow-listed global (a function or class), never imported or called.
    indirect case global(PickleGlobal)
    /// A torch storage named by a persistent id: its bytes live in the archive's `data/<key>`.
    indirect case storage(TorchStorageReference)
    /// A tensor rebuilt (only described) from a storage.
    indirect case tensor(TorchTensorReference)
    /// An instance of an allow-listed opaque class (`document.object(_:)`): its class name,
    /// constructor arguments and state are recorded, nothing is run.
    case object(PickleReference)

    /// The string, if this is one.
    public var string: String? { if case .string(let s) = self { return s }; return nil }
    /// The integer, if this is one.
    public var int: Int64? { if case .int(let i) = self { return i }; return nil }
}

/// The index of a container in its document's table of tuples and lists, dicts, or objects.
public struct PickleReference: Hashable, Sendable {
    /// The position in the table of its kind.
    public let index: Int
}

/// A `module.name` global that the allow-list admitted, and what hens knows it to be.
public struct PickleGlobal: Hashable, Sendable {
    /// What an allow-listed global stands for.
    public enum Kind: Hashable, Sendable {
        case orderedDict
        case rebuildTensorV2, rebuildParameter, rebuildParameterWithState, rebuildFromTypeV2
        /// `torch.<X>Storage`: the element type of storages of that class.
        case storageType(TensorElementType)
        /// `torch.Tensor` or `torch.nn.parameter.Parameter`, as `_rebuild_from_type_v2`'s type.
        case tensorType
        case torchSize, torchDevice
        /// A dtype object such as `torch.float32` (a value, never called).
        case torchDType
        /// `_codecs.encode`, how protocol 2 pickles `bytes`.
        case codecsEncode
        /// `builtins.bytes` (`__builtin__.bytes`), how protocol 2 pickles `b''`.
        case builtinsBytes
        /// A class the caller allowed as opaque: instances are recorded, never constructed.
        case opaqueClass
    }

    /// The module (`torch._utils`).
    public let module: String
    /// The name inside it (`_rebuild_tensor_v2`).
    public let name: String
    /// What it is.
    public let kind: Kind

    /// `module.name`.
    public var qualifiedName: String { "\(module).\(name)" }
}

/// A storage of a torch checkpoint, from the persistent id
/// `('storage', torch.<X>Storage, key, location, numel)`.
public struct TorchStorageReference: Hashable, Sendable {
    /// The element type the storage class implies.
    public let elementType: TensorElementType
    /// The archive entry holding the bytes is `<prefix>/data/<key>`.
    public let key: String
    /// Where the storage lived when saved (`cpu`, `cuda:0`); informational.
    public let location: String
    /// Elements in the storage.
    public let elementCount: Int
}

/// A tensor as `torch._utils._rebuild_tensor_v2` would rebuild it: a strided view of a storage.
public struct TorchTensorReference: Hashable, Sendable {
    /// The storage viewed.
    public let storage: TorchStorageReference
    /// The first element, in elements from the storage start.
    public let storageOffset: Int
    /// Sizes per dimension.
    public let shape: [Int]
    /// Strides per dimension, in elements.
    public let strides: [Int]
    /// `requires_grad` as saved.
    public let requiresGrad: Bool
    /// Whether it was saved as an `nn.Parameter`.
    public let isParameter: Bool
}

/// One key–value pair of a pickled dict.
public struct PickleDictEntry: Sendable, Equatable {
    /// The key.
    public let key: PickleValue
    /// The value.
    public let value: PickleValue
}

/// An instance of an allow-listed opaque class, recorded without running anything.
public struct PickleObject: Sendable, Equatable {
    /// `module.name` of its class.
    public let className: String
    /// The arguments it would have been constructed with (a tuple, or none).
    public let arguments: PickleValue
    /// The state `BUILD` would have set (usually a dict of attributes), or none.
    public var state: PickleValue
}

/// The result of unpickling: the root value and the tables its containers point into.
public struct PickleDocument: Sendable {
    /// The value the pickle returns.
    public internal(set) var root: PickleValue = .none
    /// Items of tuples and lists.
    var sequences: [[PickleValue]] = []
    /// Entries of dicts, in insertion order (a key set twice appears twice; `value(forKey:in:)`
    /// takes the later, as Python does).
    var dictionaries: [[PickleDictEntry]] = []
    /// Attributes a `BUILD` gave a dict (an `OrderedDict` state dict's `_metadata`).
    var dictionaryAttributes: [Int: PickleValue] = [:]
    /// Opaque objects.
    var objects: [PickleObject] = []

    /// The items of a tuple or list; empty for other values.
    public func items(of value: PickleValue) -> [PickleValue] {
        switch value {
        case .tuple(let r), .list(let r): return sequences[r.index]
        default: return []
        }
    }

    /// The entries of a dict in insertion order; empty for other values.
    public func entries(of value: PickleValue) -> [PickleDictEntry] {
        if case .dict(let r) = value { return dictionaries[r.index] }
        return []
    }

    /// The value of string key `key` in dict `dictionary` (the last one set), or nil.
    public func value(forKey key: String, in dictionary: PickleValue) -> PickleValue? {
        entries(of: dictionary).last(where: { $0.key == .string(key) })?.value
    }

    /// The attributes a `BUILD` set on a dict (its `__dict__`), or nil.
    public func attributes(of dictionary: PickleValue) -> PickleValue? {
        if case .dict(let r) = dictionary { return dictionaryAttributes[r.index] }
        return nil
    }

    /// An opaque object's record, or nil for other values.
    public func object(_ value: PickleValue) -> PickleObject? {
        if case .object(let r) = value { return objects[r.index] }
        return nil
    }
}
