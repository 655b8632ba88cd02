import HensCore

/// Which globals a pickle may name. Nothing named is ever imported or called: an allowed
/// global only becomes a value hens interprets itself (a tensor rebuild, a storage type) or,
/// for opaque classes, a record of class name, arguments and state.
public struct PickleAllowList: Sendable {
    /// `module.name` of classes whose instances are kept as opaque records (`PickleObject`):
    /// things a training checkpoint holds beside the weights that hens never needs.
    public var opaqueClasses: Set<String>

    /// Allows the tensor machinery plus `opaqueClasses`.
    public init(opaqueClasses: Set<String> = []) { self.opaqueClasses = opaqueClasses }

    /// A torch state dict and the makani training checkpoint around it: makani pickles its
    /// hyper-parameter object (`params`, a `ParamsBase`/`YParams`) beside the model state.
    public static let torchCheckpoint = PickleAllowList(opaqueClasses: [
        "makani.utils.YParams.ParamsBase", "makani.utils.YParams.YParams", "utils.YParams.YParams", "utils.YParams.ParamsBase",
    ])

    /// The kind of an allowed global, or nil when it is refused.
    func kind(module: String, name: String) -> PickleGlobal.Kind? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch._tensor", "_rebuild_from_type_v2"): return .rebuildFromTypeV2
        case ("torch", "Tensor"), ("torch.nn.parameter", "Parameter"): return .tensorType
        case ("torch", "Size"): return .torchSize
        case ("torch", "device"): return .torchDevice
        case ("_codecs", "encode"): return .codecsEncode
        case ("builtins", "bytes"), ("__builtin__", "bytes"): return .builtinsBytes
        case ("torch", _):
            if let type = TensorElementType(torchStorageName: name) { return .storageType(type) }
            if Self.torchDTypeNames.contains(name) { return .torchDType }
            return nil
        default:
            return opaqueClasses.contains("\(module).\(name)") ? .opaqueClass : nil
        }
    }

    /// `torch.<dtype>` objects, which pickle as globals.
    static let torchDTypeNames: Set<String> = [
        "float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int64", "int32", "int16", "int8", "uint8", "bool",
        "float", "double", "half", "cfloat", "cdouble", "long", "int", "short",
    ]
}

/// A restricted pickle interpreter for what `torch.save` writes (protocols 2–5): it builds a
/// `PickleDocument` of plain values and never executes or imports anything.
///
/// Why not a general unpickler: a pickle is a program, and `GLOBAL`+`REDUCE` call any
/// importable function — `os.system` included — which is how a downloaded checkpoint runs code
/// under `torch.load(weights_only=False)`. This machine resolves `GLOBAL`/`STACK_GLOBAL`
/// against `PickleAllowList` only, and "calls" just the rebuild functions it implements itself
/// (describing tensors, not building them). Everything a file controls is bounded: stack, memo
/// and container sizes, string lengths by the bytes left, integers to 64 bits; every error is
/// one line naming the file, the byte offset and the opcode.
public struct PickleMachine {
    /// Most values on the stack, memo entries, containers, or items stored in containers.
    /// Millions: a state dict of thousands of tensors needs tens of thousands.
    public static let maximumCount = 4_000_000

    /// Unpickles `bytes`, naming `context` ("file: entry") in errors.
    /// - Throws: `HensError(.badInput)` for a refused global, an unsupported opcode, or a
    ///   malformed or truncated stream.
    public static func load(_ bytes: UnsafeRawBufferPointer, context: String, allowList: PickleAllowList = .torchCheckpoint) throws -> PickleDocument {
        var machine = Interpreter(cursor: ByteCursor(bytes, context: context), allowList: allowList)
        return try machine.run()
    }

    /// Unpickles a byte array (tests, small pickles).
    public static func load(_ bytes: [UInt8], context: String, allowList: PickleAllowList = .torchCheckpoint) throws -> PickleDocument {
        try bytes.withUnsafeBytes { try load($0, context: context, allowList: allowList) }
    }
}

/// The interpreter's state: one pass over the opcodes.
private struct Interpreter {
    var cursor: ByteCursor
    let allowList: PickleAllowList
    var document = PickleDocument()
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [UInt32: PickleValue] = [:]
    var storedItems = 0
    var opcodeOffset = 0
    var opcodeName = ""

    init(cursor: ByteCursor, allowList: PickleAllowList) {
        self.cursor = cursor
        self.allowList = allowList
    }

    func fail(_ message: String) -> HensError {
        inputError("\(cursor.context): byte \(opcodeOffset) (\(opcodeName)): \(message)")
    }

    mutating func push(_ value: PickleValue) throws {
        guard stack.count < PickleMachine.maximumCount else { throw fail("more than \(PickleMachine.maximumCount) values on the stack") }
        stack.append(value)
    }

    /// The lowest stack index the current frame may touch: items below the last MARK belong to
    /// an enclosing frame (Python keeps them on its metastack).
    var frameStart: Int { marks.last ?? 0 }

    mutating func pop() throws -> PickleValue {
        guard stack.count > frameStart, let top = stack.popLast() else { throw fail("the stack is empty (above the last MARK)") }
        return top
    }

    /// The items pushed since the last MARK, removing them and the mark.
    mutating func popMark() throws -> ArraySlice<PickleValue> {
        guard let mark = marks.popLast() else { throw fail("no MARK before it") }
        let items = stack[mark...]
        stack.removeSubrange(mark...)
        return items
    }

    /// Accounts for `count` more items stored in containers.
    mutating func store(_ count: Int) throws {
        storedItems += count
        guard storedItems <= PickleMachine.maximumCount else { throw fail("more than \(PickleMachine.maximumCount) items in containers") }
    }

    mutating func newSequence<S: Sequence>(_ items: S, tuple: Bool) throws -> PickleValue where S.Element == PickleValue {
        let items = Array(items)
        try store(items.count + 1)
        document.sequences.append(items)
        let reference = PickleReference(index: document.sequences.count - 1)
        return tuple ? .tuple(reference) : .list(reference)
    }

    mutating func newDictionary() throws -> PickleValue {
        try store(1)
        document.dictionaries.append([])
        return .dict(PickleReference(index: document.dictionaries.count - 1))
    }

    mutating func setItems(_ pairs: ArraySlice<PickleValue>, into target: PickleValue) throws {
        guard case .dict(let r) = target else { throw fail("SETITEM(S) on a \(describe(target)), expected a dict") }
        guard pairs.count % 2 == 0 else { throw fail("odd number of items (\(pairs.count)) for key–value pairs") }
        try store(pairs.count / 2)
        var i = pairs.startIndex
        while i < pairs.endIndex {
            document.dictionaries[r.index].append(PickleDictEntry(key: pairs[i], value: pairs[i + 1]))
            i += 2
        }
    }

    mutating func append<S: Collection>(_ items: S, to target: PickleValue) throws where S.Element == PickleValue {
        guard case .list(let r) = target else { throw fail("APPEND(S) on a \(describe(target)), expected a list") }
        try store(items.count)
        document.sequences[r.index].append(contentsOf: items)
    }

    mutating func memoize(_ index: UInt32) throws {
        guard stack.count > frameStart, let top = stack.last else { throw fail("nothing to memoise") }
        guard memo.count < PickleMachine.maximumCount || memo[index] != nil else { throw fail("more than \(PickleMachine.maximumCount) memo entries") }
        memo[index] = top
    }

    mutating func recall(_ index: UInt32) throws {
        guard let value = memo[index] else { throw fail("memo entry \(index) was never stored") }
        try push(value)
    }

    /// A length read from the stream, checked against the bytes left.
    mutating func length<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> Int {
        let raw = try cursor.littleEndian(type, what)
        guard raw >= 0, UInt64(raw) <= UInt64(cursor.remaining) else {
            throw fail("\(what) of \(raw) bytes, but only \(cursor.remaining) remain")
        }
        return Int(raw)
    }

    mutating func text(_ count: Int) throws -> String {
        let raw = try cursor.take(count, "string")
        guard let text = strictUTF8(raw) else { throw fail("string of \(count) bytes is not valid UTF-8") }
        return text
    }

    /// A GLOBAL operand: `module\nname\n`, each line at most 1 KiB.
    mutating func line() throws -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try cursor.uint8("GLOBAL name")
            if byte == 0x0A { break }
            bytes.append(byte)
            guard bytes.count <= 1024 else { throw fail("GLOBAL name longer than 1024 bytes") }
        }
        guard let text = strictUTF8(bytes) else { throw fail("GLOBAL name is not valid UTF-8") }
        return text
    }

    func resolve(module: String, name: String) throws -> PickleValue {
        guard let kind = allowList.kind(module: module, name: name) else {
            throw inputError("\(cursor.context): global '\(module).\(name)' is not allowed "
                + "(a torch state dict needs only tensor rebuild functions, storage types and OrderedDict)")
        }
        return .global(PickleGlobal(module: module, name: name, kind: kind))
    }

    mutating func run() throws -> PickleDocument {
        while true {
            opcodeOffset = cursor.offset
            let opcode = try cursor.uint8("opcode")
            opcodeName = Self.names[opcode] ?? "opcode 0x\(String(opcode, radix: 16))"
            switch opcode {
            case 0x80:  // PROTO
                let version = try cursor.uint8("protocol")
                guard version >= 2, version <= 5 else { throw fail("protocol \(version); torch.save writes protocols 2 to 5") }
            case 0x95:  // FRAME: a buffering hint; its contents are ordinary opcodes.
                _ = try length(UInt64.self, "frame")
            case 0x2E:  // STOP
                document.root = try pop()
                return document
            case 0x28:  // MARK
                guard marks.count < PickleMachine.maximumCount else { throw fail("too many marks") }
                marks.append(stack.count)
            case 0x30:  // POP
                if let mark = marks.last, stack.count == mark { marks.removeLast() } else { _ = try pop() }
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32:  // DUP
                try push(try top())
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int64(Int32(bitPattern: try cursor.uint32("BININT")))))
            case 0x4B: try push(.int(Int64(try cursor.uint8("BININT1"))))
            case 0x4D: try push(.int(Int64(try cursor.uint16("BININT2"))))
            case 0x8A, 0x8B:  // LONG1, LONG4: little-endian two's complement, at most 8 bytes here.
                let count = opcode == 0x8A ? Int(try cursor.uint8("LONG1 length")) : try length(Int32.self, "LONG4")
                guard count <= 8 else { throw fail("integer of \(count) bytes; hens reads integers up to 64 bits") }
                let raw = try cursor.take(count, "integer")
                var value: UInt64 = 0
                for (i, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
                if count > 0, count < 8, raw[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }  // sign-extend
                try push(.int(Int64(bitPattern: value)))
            case 0x47:  // BINFLOAT: big-endian
                try push(.float(Double(bitPattern: UInt64(bigEndian: try cursor.take(8, "BINFLOAT").loadUnaligned(as: UInt64.self)))))
            case 0x58: try push(.string(try text(try length(UInt32.self, "BINUNICODE"))))
            case 0x8C: try push(.string(try text(try length(UInt8.self, "SHORT_BINUNICODE"))))
            case 0x8D: try push(.string(try text(try length(UInt64.self, "BINUNICODE8"))))
            case 0x42: try push(.bytes([UInt8](try cursor.take(try length(UInt32.self, "BINBYTES"), "bytes"))))
            case 0x43: try push(.bytes([UInt8](try cursor.take(try length(UInt8.self, "SHORT_BINBYTES"), "bytes"))))
            case 0x8E: try push(.bytes([UInt8](try cursor.take(try length(UInt64.self, "BINBYTES8"), "bytes"))))
            case 0x54, 0x55:  // BINSTRING, SHORT_BINSTRING: Python 2 str, read as Latin-1.
                let count = opcode == 0x54 ? try length(Int32.self, "BINSTRING") : try length(UInt8.self, "SHORT_BINSTRING")
                try push(.string(String(try cursor.take(count, "string").map { Character(Unicode.Scalar($0)) })))
            case 0x7D: try push(try newDictionary())
            case 0x5D: try push(try newSequence([], tuple: false))
            case 0x29: try push(try newSequence([], tuple: true))
            case 0x74: try push(try newSequence(try popMark(), tuple: true))
            case 0x85: let a = try pop(); try push(try newSequence([a], tuple: true))
            case 0x86: let b = try pop(), a = try pop(); try push(try newSequence([a, b], tuple: true))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); try push(try newSequence([a, b, c], tuple: true))
            case 0x6C: try push(try newSequence(try popMark(), tuple: false))
            case 0x64:  // DICT
                let items = try popMark()
                let dict = try newDictionary()
                try setItems(items, into: dict)
                try push(dict)
            case 0x61: let item = try pop(); try append([item], to: try top())
            case 0x65: let items = try popMark(); try append(items, to: try top())
            case 0x73: let value = try pop(), key = try pop(); try setItems([key, value], into: try top())
            case 0x75: let items = try popMark(); try setItems(items, into: try top())
            case 0x71: try memoize(UInt32(try cursor.uint8("BINPUT index")))
            case 0x72: try memoize(try cursor.uint32("LONG_BINPUT index"))
            case 0x94: try memoize(UInt32(truncatingIfNeeded: memo.count))
            case 0x68: try recall(UInt32(try cursor.uint8("BINGET index")))
            case 0x6A: try recall(try cursor.uint32("LONG_BINGET index"))
            case 0x63:  // GLOBAL
                let module = try line(), name = try line()
                try push(try resolve(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let n = name.string, let m = module.string else { throw fail("module and name must be strings") }
                try push(try resolve(module: m, name: n))
            case 0x52:  // REDUCE
                let arguments = try pop(), callable = try pop()
                try push(try call(callable, arguments))
            case 0x81, 0x92:  // NEWOBJ, NEWOBJ_EX: only opaque classes are "instantiated".
                if opcode == 0x92 { _ = try pop() }  // keyword arguments
                let arguments = try pop(), type = try pop()
                try push(try newObject(type, arguments))
            case 0x62:  // BUILD
                let state = try pop()
                let target = try top()
                switch target {
                case .object(let r): document.objects[r.index].state = state
                case .dict(let r): document.dictionaryAttributes[r.index] = state
                default: throw fail("BUILD on a \(describe(target)); only dicts and allowed objects take a state")
                }
            case 0x51:  // BINPERSID
                try push(try storage(from: try pop()))
            default:
                throw fail("unsupported opcode (torch.save writes protocol 2 binary opcodes only)")
            }
        }
    }

    func top() throws -> PickleValue {
        guard stack.count > frameStart, let top = stack.last else { throw fail("the stack is empty (above the last MARK)") }
        return top
    }

    func describe(_ value: PickleValue) -> String {
        switch value {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return "global '\(shown(g.qualifiedName))'"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .object(let r): return "'\(document.objects[r.index].className)' object"
        }
    }

    /// The items of a tuple argument list.
    func arguments(_ value: PickleValue, _ function: String) throws -> [PickleValue] {
        guard case .tuple(let r) = value else { throw fail("\(function) takes a tuple of arguments, got a \(describe(value))") }
        return document.sequences[r.index]
    }

    func integer(_ value: PickleValue, _ what: String) throws -> Int {
        guard case .int(let i) = value, let int = Int(exactly: i) else { throw fail("\(what) must be an integer, got a \(describe(value))") }
        return int
    }

    func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard case .tuple = value else { throw fail("\(what) must be a tuple of integers, got a \(describe(value))") }
        let items = document.items(of: value)
        guard items.count <= 64 else { throw fail("\(what) has \(items.count) dimensions; at most 64 are read") }
        return try items.map { try integer($0, what) }
    }

    /// What REDUCE of an allowed global gives: hens' own reading of that function, never a call.
    mutating func call(_ callable: PickleValue, _ argumentTuple: PickleValue) throws -> PickleValue {
        guard case .global(let function) = callable else { throw fail("REDUCE calls a \(describe(callable)); only allowed globals can be reduced") }
        let name = function.qualifiedName
        let args = try arguments(argumentTuple, name)
        switch function.kind {
        case .orderedDict:
            guard args.isEmpty else { throw fail("\(name) with arguments; torch pickles it empty and fills it with SETITEMS") }
            return try newDictionary()
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard args.count == 6 || args.count == 7 else { throw fail("\(name) takes 6 or 7 arguments, got \(args.count)") }
            guard case .storage(let storage) = args[0] else { throw fail("\(name): first argument must be a storage, got a \(describe(args[0]))") }
            let offset = try integer(args[1], "storage offset")
            let shape = try integers(args[2], "size"), strides = try integers(args[3], "stride")
            guard case .bool(let requiresGrad) = args[4] else { throw fail("\(name): requires_grad must be a bool, got a \(describe(args[4]))") }
            return .tensor(TorchTensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides,
                                                requiresGrad: requiresGrad, isParameter: false))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state])
            let expected = function.kind == .rebuildParameter ? 3 : 4
            guard args.count == expected else { throw fail("\(name) takes \(expected) arguments, got \(args.count)") }
            guard case .tensor(let t) = args[0] else { throw fail("\(name): first argument must be a tensor, got a \(describe(args[0]))") }
            guard case .bool(let requiresGrad) = args[1] else { throw fail("\(name): requires_grad must be a bool, got a \(describe(args[1]))") }
            return .tensor(TorchTensorReference(storage: t.storage, storageOffset: t.storageOffset, shape: t.shape, strides: t.strides,
                                                requiresGrad: requiresGrad, isParameter: true))
        case .rebuildFromTypeV2:
            // (func, new_type, args, state): a tensor subclass or a tensor with Python attributes.
            guard args.count == 4 else { throw fail("\(name) takes 4 arguments, got \(args.count)") }
            guard case .global(let inner) = args[0], inner.kind == .rebuildTensorV2 || inner.kind == .rebuildParameter else {
                throw fail("\(name): first argument must be torch._utils._rebuild_tensor_v2, got a \(describe(args[0]))")
            }
            guard case .global(let type) = args[1], type.kind == .tensorType else {
                throw fail("\(name): the type must be torch.Tensor or torch.nn.parameter.Parameter, got a \(describe(args[1]))")
            }
            let rebuilt = try call(args[0], args[2])
            guard case .tensor(let t) = rebuilt, type.name == "Parameter" else { return rebuilt }
            return .tensor(TorchTensorReference(storage: t.storage, storageOffset: t.storageOffset, shape: t.shape, strides: t.strides,
                                                requiresGrad: t.requiresGrad, isParameter: true))
        case .torchSize:
            guard args.count == 1, case .tuple = args[0] else { throw fail("\(name) takes one tuple") }
            return args[0]
        case .torchDevice:
            guard let first = args.first?.string, args.count <= 2 else { throw fail("\(name) takes a device name") }
            if args.count == 2, let index = args[1].int { return .string("\(first):\(index)") }
            return .string(first)
        case .codecsEncode:
            guard args.count == 2, let text = args[0].string, let encoding = args[1].string else { throw fail("\(name) takes a string and an encoding") }
            guard encoding == "latin1" || encoding == "latin-1" else { throw fail("\(name) with encoding '\(shown(encoding))'; pickled bytes use latin1") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else { throw fail("\(name): character U+\(String(scalar.value, radix: 16)) is not latin1") }
                bytes.append(UInt8(scalar.value))
            }
            return .bytes(bytes)
        case .builtinsBytes:
            guard args.isEmpty else { throw fail("\(name) with arguments; only bytes() is read") }
            return .bytes([])
        case .opaqueClass:
            return try newObject(callable, argumentTuple)
        case .storageType, .tensorType, .torchDType:
            throw fail("global '\(shown(name))' cannot be called")
        }
    }

    mutating func newObject(_ type: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let g) = type, g.kind == .opaqueClass else {
            throw fail("creates an instance of a \(describe(type)); only allowed opaque classes can be instantiated")
        }
        try store(1)
        document.objects.append(PickleObject(className: g.qualifiedName, arguments: arguments, state: .none))
        return .object(PickleReference(index: document.objects.count - 1))
    }

    /// A torch persistent id: `('storage', torch.<X>Storage, key, location, numel)`.
    func storage(from id: PickleValue) throws -> PickleValue {
        let items = document.items(of: id)
        guard case .tuple = id, items.count == 5, items[0] == .string("storage") else {
            throw fail("persistent id must be ('storage', type, key, location, numel), got a \(describe(id)) of \(items.count) items")
        }
        guard case .global(let type) = items[1], case .storageType(let elementType) = type.kind else {
            throw fail("persistent id names a \(describe(items[1])), expected a torch storage type such as torch.FloatStorage")
        }
        // The key names the archive entry data/<key>: torch writes decimal numbers; nothing that
        // could climb out of data/ is accepted.
        guard let key = items[2].string, !key.isEmpty, key.count <= 64,
              key.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
            throw fail("storage key \(describe(items[2])) \(items[2].string.map { "'\($0)'" } ?? ""): expected a short name of digits, letters and _")
        }
        guard let location = items[3].string else { throw fail("storage location must be a string, got a \(describe(items[3]))") }
        let count = try integer(items[4], "storage element count")
        guard count >= 0 else { throw fail("storage element count \(count) is negative") }
        return .storage(TorchStorageReference(elementType: elementType, key: key, location: location, elementCount: count))
    }

    /// Opcode names for error messages.
    static let names: [UInt8: String] = [
        0x80: "PROTO", 0x95: "FRAME", 0x2E: "STOP", 0x28: "MARK", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x4E: "NONE",
        0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x4A: "BININT", 0x4B: "BININT1", 0x4D: "BININT2", 0x8A: "LONG1", 0x8B: "LONG4",
        0x47: "BINFLOAT", 0x58: "BINUNICODE", 0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8", 0x42: "BINBYTES",
        0x43: "SHORT_BINBYTES", 0x8E: "BINBYTES8", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING", 0x7D: "EMPTY_DICT",
        0x5D: "EMPTY_LIST", 0x29: "EMPTY_TUPLE", 0x74: "TUPLE", 0x85: "TUPLE1", 0x86: "TUPLE2", 0x87: "TUPLE3", 0x6C: "LIST",
        0x64: "DICT", 0x61: "APPEND", 0x65: "APPENDS", 0x73: "SETITEM", 0x75: "SETITEMS", 0x71: "BINPUT", 0x72: "LONG_BINPUT",
        0x94: "MEMOIZE", 0x68: "BINGET", 0x6A: "LONG_BINGET", 0x63: "GLOBAL", 0x93: "STACK_GLOBAL", 0x52: "REDUCE",
        0x62: "BUILD", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x51: "BINPERSID",
    ]
}
