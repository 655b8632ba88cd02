import Foundation
import HensCore

/// The read-only bytes of an input file, mapped into memory (or, for tests and fuzzing, held in
/// an owned buffer), with bounds-checked little-endian reads.
///
/// Why a map rather than `Data(contentsOf:)`: released checkpoints are several GB, and an
/// importer copies one tensor at a time out of them; the kernel pages in only what is touched
/// and no tensor is ever held twice. The map is private and read-only, so nothing a reader does
/// can change the file. A file shortened by another process while mapped would raise SIGBUS on
/// access — the one hazard a map adds, and the reason readers check every size against the
/// file's length on open.
public final class MappedBytes: @unchecked Sendable {  // unchecked: immutable after init; the memory is read-only
    /// The name used in error messages: the file's path, or a caller's label for owned bytes.
    public let name: String
    /// The bytes (empty for an empty file).
    public let bytes: UnsafeRawBufferPointer
    private let unmapLength: Int  // > 0: munmap on deinit; 0: owned allocation (or empty)
    private let owned: Bool

    /// Maps the file at `path` read-only.
    /// - Throws: `HensError(.badInput)` naming the path when it cannot be opened, is not a
    ///   regular file, or cannot be mapped.
    public init(path: String) throws {
        name = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw inputError("\(path): cannot open: \(WriteFailure.systemMessage(errno))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw inputError("\(path): cannot read its size: \(WriteFailure.systemMessage(errno))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw inputError("\(path): not a regular file")
        }
        let size = Int(status.st_size)
        owned = false
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            unmapLength = 0
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw inputError("\(path): cannot map \(size) bytes into memory: \(WriteFailure.systemMessage(errno))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        unmapLength = size
    }

    /// A copy of `contents` held in memory, named `name` in error messages (for tests, fuzzing,
    /// and entries read out of another container).
    public init<C: Collection>(copying contents: C, name: String) where C.Element == UInt8 {
        self.name = name
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 64)
        _ = buffer.initializeMemory(as: UInt8.self, from: contents)
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: contents.count)
        unmapLength = 0
        owned = true
    }

    deinit {
        if owned { bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() } }
        else if unmapLength > 0, let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), unmapLength) }
    }

    /// The number of bytes.
    public var count: Int { bytes.count }

    /// Tells the kernel the pages wholly inside `range` (a part of `bytes`) are not needed for
    /// now. Why: pages of a mapped file count in the process's resident size until reclaimed,
    /// so an import streaming a 9 GB checkpoint would look 9 GB large; dropped pages are read
    /// again from the file if touched. A no-op for bytes held in memory (there it would erase).
    public func dropPages(_ range: UnsafeRawBufferPointer) {
        guard !owned, unmapLength > 0, let base = bytes.baseAddress, let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, start >= base, start + range.count <= base + bytes.count else { return }
        let offset = start - base
        let first = (offset + page - 1) / page * page, end = (offset + range.count) / page * page
        guard end > first else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + first), end - first, MADV_DONTNEED)
    }
}

/// A read position inside untrusted bytes: every read is checked against the end first and
/// throws a one-line `HensError(.badInput)` naming `context`, the offset and what was being
/// read, so no field of a damaged file can read past its buffer.
struct ByteCursor {
    /// The bytes being read.
    let bytes: UnsafeRawBufferPointer
    /// The offset of the next read.
    var offset: Int
    /// "file: entry" prefix of every error.
    let context: String

    init(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0, context: String) {
        self.bytes = bytes
        self.offset = offset
        self.context = context
    }

    /// Bytes left after `offset`.
    var remaining: Int { bytes.count - offset }

    /// The error for a read of `count` bytes of `what` that does not fit.
    func truncated(_ what: String, needing count: Int) -> HensError {
        inputError("\(context): truncated: \(what) at byte \(offset) needs \(count) bytes, \(max(remaining, 0)) remain")
    }

    /// The next `count` bytes, advancing past them.
    mutating func take(_ count: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, offset >= 0, count <= remaining else { throw truncated(what, needing: count) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Moves past `count` bytes.
    mutating func skip(_ count: Int, _ what: String) throws { _ = try take(count, what) }

    /// A little-endian unsigned integer of `T`'s width.
    mutating func littleEndian<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let raw = try take(MemoryLayout<T>.size, what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func uint8(_ what: String) throws -> UInt8 { try littleEndian(UInt8.self, what) }
    mutating func uint16(_ what: String) throws -> UInt16 { try littleEndian(UInt16.self, what) }
    mutating func uint32(_ what: String) throws -> UInt32 { try littleEndian(UInt32.self, what) }
    mutating func uint64(_ what: String) throws -> UInt64 { try littleEndian(UInt64.self, what) }
}

/// Checked size arithmetic for sizes read from files: overflow is an input error, never a trap.
enum CheckedSize {
    /// `a × b`, or nil on overflow or a negative factor.
    static func product(_ a: Int, _ b: Int) -> Int? {
        guard a >= 0, b >= 0 else { return nil }
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    /// `a + b`, or nil on overflow.
    static func sum(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }

    /// The product of `dimensions` (1 for none), or nil on overflow or a negative dimension.
    static func elementCount(_ dimensions: [Int]) -> Int? {
        var total = 1
        for d in dimensions { guard let next = product(total, d) else { return nil }; total = next }
        return total
    }

    /// An unsigned 64-bit size as an `Int`, or nil when it does not fit.
    static func int(_ value: UInt64) -> Int? { value <= UInt64(Int.max) ? Int(value) : nil }
}

/// `bytes` as a String when they are valid UTF-8, nil otherwise (a name read from a file must
/// not change when decoded: replacement characters could make two names equal).
func strictUTF8<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.utf8.elementsEqual(bytes) ? text : nil
}

/// An input error, `HensError(.badInput)`, kept to one line whatever a file put into the names
/// it quotes (control characters are escaped).
func inputError(_ message: String) -> HensError { HensError(.badInput, oneLine(message)) }

/// `text` with line breaks and other control characters written as escapes.
func oneLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        if isControl(scalar) { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
    }
    return out
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
}

/// A name read from a file, as an error message quotes it: at most 120 characters (a hostile
/// file's names can be megabytes long).
func shown(_ name: String) -> String {
    name.count <= 120 ? name : String(name.prefix(100)) + "…(\(name.utf8.count) bytes)"
}
