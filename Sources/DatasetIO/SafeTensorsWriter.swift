import Foundation
import HensCore

/// Writes a safetensors file one tensor at a time: the caller declares every tensor (name,
/// type, shape) and the metadata up front, the header is written at once, then each tensor's
/// bytes follow in declaration order — in as many pieces as the caller likes — so a model of
/// many GB is never held in memory twice.
///
/// The file is written as `<path>.tmp-<pid>` and renamed over `path` by `finish()`; a writer
/// dropped or `discard()`ed before that leaves `path` untouched and removes the temporary file
/// (the conventions of `AtomicFile`). The header is padded with spaces to a multiple of 8 bytes,
/// as the reference implementation pads it, so every tensor starts 8-byte aligned relative to
/// the data section when sizes allow.
public final class SafeTensorsWriter {
    /// A tensor to be written.
    public struct Declaration: Sendable, Equatable {
        /// Its name (unique, not `__metadata__`).
        public var name: String
        /// Its element type.
        public var elementType: TensorElementType
        /// Sizes per dimension.
        public var shape: [Int]

        /// A declaration.
        public init(name: String, elementType: TensorElementType, shape: [Int]) {
            self.name = name
            self.elementType = elementType
            self.shape = shape
        }
    }

    /// The final path.
    public let path: String
    /// The tensors, in the order their bytes must come.
    public let declarations: [Declaration]
    private let sizes: [Int]
    private var file: AtomicFile?
    private var descriptor: Int32 = -1
    private var current = 0
    private var writtenOfCurrent = 0

    /// Declares the file's contents and writes its header to the temporary file.
    /// - Throws: `HensError(.invalidArgument)` for duplicate or reserved names or impossible
    ///   shapes; `HensError(.io)` when the file cannot be created or written.
    public init(path: String, tensors: [Declaration], metadata: [String: String] = [:]) throws {
        self.path = path
        declarations = tensors
        var seen: Set<String> = []
        var sizes: [Int] = []
        var json = "{"
        if !metadata.isEmpty {
            json += "\"__metadata__\":{" + metadata.sorted { $0.key < $1.key }
                .map { StrictJSON.quoted($0.key) + ":" + StrictJSON.quoted($0.value) }.joined(separator: ",") + "}"
        }
        var offset = 0
        for t in tensors {
            guard !t.name.isEmpty, t.name != "__metadata__", seen.insert(t.name).inserted else {
                throw HensError.invalid("safetensors tensor name '\(t.name)'", "a unique, non-empty name other than __metadata__")
            }
            guard let count = CheckedSize.elementCount(t.shape), let bytes = CheckedSize.product(count, t.elementType.byteCount),
                  let end = CheckedSize.sum(offset, bytes) else {
                throw HensError.invalid("safetensors tensor '\(t.name)'", "a shape with non-negative sizes whose bytes fit in memory, not \(t.shape)")
            }
            if json.count > 1 { json += "," }
            json += StrictJSON.quoted(t.name) + ":{\"dtype\":\"\(t.elementType.safetensorsCode)\",\"shape\":["
                + t.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(end)]}"
            sizes.append(bytes)
            offset = end
        }
        json += "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        self.sizes = sizes

        let file = AtomicFile(path: path)
        self.file = file
        descriptor = open(file.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            file.discard()
            self.file = nil
            throw HensError(.io, "\(path): cannot create the file: \(WriteFailure.systemMessage(code))")
        }
        var length = UInt64(header.count).littleEndian
        try withUnsafeBytes(of: &length) { try writeAll($0) }
        try header.withUnsafeBytes { try writeAll($0) }
        skipEmptyTensors()  // so `nextTensor` names the first tensor that takes bytes
    }

    deinit { discard() }

    /// The tensor whose bytes come next, or nil when all are written.
    public var nextTensor: Declaration? { current < declarations.count ? declarations[current] : nil }

    /// Appends `bytes` to the current tensor (little-endian elements of its declared type); a
    /// tensor may be given in several pieces, and the next begins once it is complete.
    /// - Throws: `HensError(.internal)` for more bytes than the declared tensors hold;
    ///   `HensError(.io)` when writing fails (the temporary file is then removed).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard file != nil else { throw HensError(.internal, "\(path): safetensors writer used after finish or discard") }
        var rest = bytes
        while !rest.isEmpty {
            skipEmptyTensors()
            guard current < declarations.count else {
                throw HensError(.internal, "\(path): \(rest.count) bytes more than the declared tensors hold")
            }
            let take = min(rest.count, sizes[current] - writtenOfCurrent)
            try writeAll(UnsafeRawBufferPointer(rebasing: rest[..<take]))
            writtenOfCurrent += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if writtenOfCurrent == sizes[current] { current += 1; writtenOfCurrent = 0 }
        }
        skipEmptyTensors()
    }

    /// Appends Float32 values to the current tensor (declared `.float32`).
    public func write(_ values: [Float]) throws {
        guard nextTensor?.elementType == .float32 else {
            throw HensError(.internal, "\(path): Float32 values given for tensor '\(nextTensor?.name ?? "(none)")' of type \(nextTensor?.elementType.rawValue ?? "none")")
        }
        try values.withUnsafeBytes { try write($0) }
    }

    /// Closes the file and renames it over `path`.
    /// - Throws: `HensError(.internal)` when tensors are still missing bytes (the temporary
    ///   file is removed); `HensError(.io)` when closing or renaming fails.
    public func finish() throws {
        guard let file else { throw HensError(.internal, "\(path): safetensors writer used after finish or discard") }
        skipEmptyTensors()
        guard current == declarations.count else {
            let missing = declarations[current].name
            discard()
            throw HensError(.internal, "\(path): tensor '\(missing)' and those after it were not written (\(writtenOfCurrent) of \(sizes[current]) bytes)")
        }
        let closed = close(descriptor)
        let code = errno
        descriptor = -1
        guard closed == 0 else { discard(); throw HensError(.io, "\(path): cannot write: \(WriteFailure.systemMessage(code))") }
        self.file = nil
        try file.commit()
    }

    /// Abandons the file: the temporary file is removed, `path` untouched.
    public func discard() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        file?.discard()
        file = nil
    }

    private func skipEmptyTensors() {
        while current < declarations.count, sizes[current] == 0 { current += 1 }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(descriptor, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                discard()
                throw HensError(.io, "\(path): cannot write: \(WriteFailure.cause(errno: code, near: path) ?? WriteFailure.systemMessage(code))")
            }
            done += n
        }
    }
}
