import HensCore

/// One tensor of a safetensors file: its type, shape and byte range, checked on open.
public struct SafeTensorInfo: Sendable, Equatable {
    /// The tensor's name.
    public let name: String
    /// The element type.
    public let elementType: TensorElementType
    /// Sizes per dimension (empty for a scalar).
    public let shape: [Int]
    /// Where its bytes start in the file (the header's `data_offsets[0]` plus the data start).
    public let fileOffset: Int
    /// Its size in bytes (`elementCount × elementType.byteCount`).
    public let byteCount: Int

    /// The number of elements.
    public var elementCount: Int { elementType.byteCount == 0 ? 0 : byteCount / elementType.byteCount }
    /// How many Floats `copyFloat32` writes: `elementCount`, twice that for complex types.
    public var float32Count: Int { elementCount * elementType.componentCount }
}

/// A safetensors file (Hugging Face's format: an 8-byte little-endian header length, a JSON
/// header, then the tensors' bytes, row-major little-endian), mapped and read in place.
///
/// Checked on open, as the reference implementation checks: header length ≤ 100 MB and inside
/// the file, a JSON object whose entries each have a known `dtype`, a `shape` and
/// `data_offsets` `[begin, end)` relative to the data section, `end − begin` = element count ×
/// item size (overflow-checked), and the ranges, sorted, tiling the data section exactly —
/// no gaps, no overlaps, nothing after the last. `__metadata__` is a string-to-string map.
public final class SafeTensorsFile: @unchecked Sendable {  // unchecked: immutable after init
    /// The file (for messages).
    public let path: String
    /// Its bytes.
    public let file: MappedBytes
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// The tensors in the order of their bytes in the file.
    public let tensors: [SafeTensorInfo]
    /// The same, by name.
    public let tensorsByName: [String: SafeTensorInfo]

    /// The largest header read (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// Opens the file at `path`.
    /// - Throws: `HensError(.badInput)` naming the file and the entry at fault.
    public convenience init(path: String) throws {
        try self.init(try MappedBytes(path: path))
    }

    /// Reads a safetensors file held in `file`.
    public init(_ file: MappedBytes) throws {
        self.file = file
        path = file.name
        let path = file.name
        func fail(_ message: String) -> HensError { inputError("\(path): \(message)") }
        var cursor = ByteCursor(file.bytes, context: path)
        let declared = try cursor.uint64("the header length")
        guard declared <= UInt64(Self.maximumHeaderLength) else {
            throw fail("header length \(declared) exceeds \(Self.maximumHeaderLength) bytes (not a safetensors file?)")
        }
        let headerLength = Int(declared)
        guard headerLength <= cursor.remaining else {
            throw fail("header of \(headerLength) bytes, but only \(cursor.remaining) follow the length (truncated?)")
        }
        let header = try cursor.take(headerLength, "header")
        guard header.first == 0x7B else { throw fail("the header does not start with '{' (not a safetensors file?)") }
        guard case .object(let members) = try StrictJSON.parse(header).mapError({ fail("header: \($0.reason)") }).get() else {
            throw fail("the header is not a JSON object")
        }
        let dataStart = cursor.offset
        let dataLength = cursor.remaining

        var metadata: [String: String] = [:]
        var tensors: [SafeTensorInfo] = []
        var byName: [String: SafeTensorInfo] = [:]
        var ranges: [(begin: Int, end: Int, name: String)] = []
        var keys: Set<String> = []
        for (name, value) in members {
            guard keys.insert(name).inserted else { throw fail("header: '\(shown(name))' appears twice") }
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw fail("header: __metadata__ is not an object") }
                for (key, text) in pairs {
                    guard case .string(let s) = text else { throw fail("header: __metadata__ '\(shown(key))' is not a string") }
                    metadata[key] = s
                }
                continue
            }
            func entryFail(_ message: String) -> HensError { fail("tensor '\(shown(name))': \(message)") }
            guard case .object(let fields) = value else { throw entryFail("its header entry is not an object") }
            func field(_ key: String) -> JSONValue? { fields.last(where: { $0.key == key })?.value }
            guard case .string(let code)? = field("dtype") else { throw entryFail("'dtype' is missing or not a string") }
            guard let type = TensorElementType(safetensorsCode: code) else {
                throw entryFail("dtype '\(shown(code))' is not supported (F64, F32, F16, BF16, C64, C128, I64, I32, I16, I8, U8, BOOL)")
            }
            guard case .array(let dims)? = field("shape"), dims.count <= 64 else { throw entryFail("'shape' is missing or not a list of at most 64 sizes") }
            let shape = try dims.map { d -> Int in
                guard let n = d.nonNegativeInt else { throw entryFail("'shape' holds something other than a non-negative integer") }
                return n
            }
            guard case .array(let offsets)? = field("data_offsets"), offsets.count == 2,
                  let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt, begin <= end else {
                throw entryFail("'data_offsets' is missing or not [begin, end] with 0 ≤ begin ≤ end")
            }
            guard end <= dataLength else { throw entryFail("data_offsets [\(begin), \(end)] run past the \(dataLength)-byte data section (truncated?)") }
            guard let count = CheckedSize.elementCount(shape), let bytes = CheckedSize.product(count, type.byteCount) else {
                throw entryFail("shape \(shape) has more elements than fit in memory")
            }
            guard bytes == end - begin else {
                throw entryFail("shape \(shape) of \(code) needs \(bytes) bytes, but data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            let info = SafeTensorInfo(name: name, elementType: type, shape: shape, fileOffset: dataStart + begin, byteCount: bytes)
            byName[name] = info
            tensors.append(info)
            ranges.append((begin, end, name))
        }
        // The ranges must tile the data section: sorted, each beginning where the last ended.
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for range in ranges {
            guard range.begin == expected else {
                throw fail(range.begin < expected ? "tensor '\(shown(range.name))': data_offsets start at \(range.begin), inside the previous tensor (ending at \(expected))"
                           : "tensor '\(shown(range.name))': data_offsets start at \(range.begin), leaving a gap after byte \(expected)")
            }
            expected = range.end
        }
        guard expected == dataLength else {
            throw fail("the tensors end at data byte \(expected), but the data section has \(dataLength) bytes")
        }
        self.metadata = metadata
        self.tensors = tensors.sorted { $0.fileOffset < $1.fileOffset }
        tensorsByName = byName
    }

    /// The tensor called `name`.
    /// - Throws: `HensError(.badInput)` naming the file when there is none.
    public func tensor(named name: String) throws -> SafeTensorInfo {
        guard let info = tensorsByName[name] else { throw inputError("\(path): no tensor '\(shown(name))' (\(tensors.count) tensors)") }
        return info
    }

    /// Calls `body` with the tensor's bytes in place in the mapped file (valid only inside `body`).
    public func withBytes<R>(of tensor: SafeTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)]))
    }

    /// Copies a floating-point or complex tensor into `destination` as row-major Float32
    /// (`destination.count` must equal `tensor.float32Count`).
    /// - Throws: `HensError(.badInput)` for an integer tensor; `.internal` for a destination of another size.
    public func copyFloat32(_ tensor: SafeTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard tensor.elementType.isFloatingPoint else {
            throw inputError("\(path): tensor '\(shown(tensor.name))' holds \(tensor.elementType.rawValue); only floating-point and complex tensors convert to Float32")
        }
        guard destination.count == tensor.float32Count else {
            throw HensError(.internal, "\(path): tensor '\(shown(tensor.name))' has \(tensor.float32Count) Float32 values, the destination \(destination.count)")
        }
        let layout = StridedLayout(shape: tensor.shape, strides: StridedLayout.rowMajorStrides(tensor.shape), offset: 0, elementCount: tensor.elementCount)
        withBytes(of: tensor) { bytes in
            layout.copyFloat32(from: bytes, type: tensor.elementType, into: destination)
            // A converted tensor is not read again: its mapped pages leave the process's
            // memory, so importing a 9 GB file holds one tensor, not the whole file.
            if bytes.count >= 1 << 20 { file.dropPages(bytes) }
        }
    }

    /// The tensor called `name` as row-major Float32 values (a new array).
    public func float32Values(_ name: String) throws -> [Float] {
        let info = try tensor(named: name)
        var values = [Float](repeating: 0, count: info.float32Count)
        try values.withUnsafeMutableBufferPointer { try copyFloat32(info, into: $0) }
        return values
    }
}
