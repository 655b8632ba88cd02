import Foundation
import HensCore

/// A numpy `.npy` array read whole: element type, shape, and the values in row-major order as
/// Float64 (complex interleaved real, imaginary).
///
/// Why strict: `.npy` headers are Python dict literals, which `numpy.load` reads with
/// `ast.literal_eval`; hens reads exactly the three keys numpy writes (`descr`,
/// `fortran_order`, `shape`), little-endian numeric descrs only, and checks the shape's
/// element count (overflow-checked) against the bytes that follow, so a damaged or foreign
/// file is refused with one line rather than read as garbage. Fortran-ordered arrays are
/// reordered to row-major. Versions 1.0, 2.0 and 3.0 (UTF-8 header) are read; the writer
/// writes 1.0.
public struct NPYArray: Equatable, Sendable {
    /// The stored element type.
    public let elementType: TensorElementType
    /// Sizes per dimension (empty for a 0-d array).
    public let shape: [Int]
    /// The values in row-major order (complex types interleaved).
    public let values: [Double]

    /// The longest header read (numpy's own default limit is 10,000 bytes).
    public static let maximumHeaderLength = 65_536

    /// An array in memory (for writing).
    public init(elementType: TensorElementType, shape: [Int], values: [Double]) {
        self.elementType = elementType
        self.shape = shape
        self.values = values
    }

    /// Reads the `.npy` file at `path`.
    /// - Throws: `HensError(.badInput)` naming the file and the field at fault.
    public init(path: String) throws {
        try self.init(try MappedBytes(path: path))
    }

    /// Reads `.npy` bytes held in `file`.
    public init(_ file: MappedBytes) throws {
        let name = file.name
        func fail(_ message: String) -> HensError { inputError("\(name): \(message)") }
        var cursor = ByteCursor(file.bytes, context: name)
        let magic = try cursor.take(6, "the .npy magic")
        guard magic.elementsEqual([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else { throw fail("not a .npy file (the magic \\x93NUMPY is missing)") }
        let major = try cursor.uint8("major version"), minor = try cursor.uint8("minor version")
        guard (1...3).contains(major), minor == 0 else { throw fail(".npy format version \(major).\(minor); hens reads 1.0, 2.0 and 3.0") }
        let headerLength = major == 1 ? Int(try cursor.uint16("header length")) : Int(try cursor.uint32("header length"))
        guard headerLength <= Self.maximumHeaderLength else { throw fail("header of \(headerLength) bytes; at most \(Self.maximumHeaderLength) are read") }
        let header = try cursor.take(headerLength, "header")
        let fields = try NPYHeader.parse(header, utf8: major == 3).mapError { fail("header: \($0.reason)") }.get()

        guard let type = TensorElementType(npyDescr: fields.descr) else {
            throw fail("descr '\(shown(fields.descr))' is not supported (little-endian <f8, <f4, <f2, <c8, <c16, <i8, <i4, <i2, |i1, |u1, |b1)")
        }
        guard let count = CheckedSize.elementCount(fields.shape), let bytes = CheckedSize.product(count, type.byteCount) else {
            throw fail("shape \(fields.shape) has more elements than fit in memory")
        }
        guard bytes == cursor.remaining else {
            throw fail("shape \(fields.shape) of \(fields.descr) needs \(bytes) data bytes, the file has \(cursor.remaining) after the header")
        }
        let data = try cursor.take(bytes, "data")
        // Fortran order is column-major: the same elements read with reversed-order strides.
        let strides: [Int]
        if fields.fortranOrder {
            var s = [Int](repeating: 1, count: fields.shape.count), running = 1
            for i in fields.shape.indices { s[i] = running; running = running &* max(fields.shape[i], 1) }
            strides = s
        } else {
            strides = StridedLayout.rowMajorStrides(fields.shape)
        }
        let layout = try StridedLayout.validated(shape: fields.shape, strides: strides, offset: 0, storageElements: count)
            .mapError { fail($0.reason) }.get()
        var values = [Double](repeating: 0, count: count * type.componentCount)
        values.withUnsafeMutableBufferPointer { layout.copyFloat64(from: data, type: type, into: $0) }
        elementType = type
        shape = fields.shape
        self.values = values
    }

    /// The number of elements.
    public var elementCount: Int { CheckedSize.elementCount(shape) ?? 0 }

    /// The values as Float32 (rounded).
    public var floatValues: [Float] { values.map { Float($0) } }

    /// The file's bytes: a version 1.0 header padded to 64 bytes, then the values as
    /// `elementType` (float64, float32, int64, int32, uint8 or bool).
    /// - Throws: `HensError(.internal)` when the value count does not match the shape or the
    ///   type is not writable.
    public func encoded() throws -> [UInt8] {
        guard let descr = elementType.npyDescr, !elementType.isComplex, elementType != .float16, elementType != .int16, elementType != .int8 else {
            throw HensError(.internal, "NPYArray: writing \(elementType.rawValue) is not supported")
        }
        guard CheckedSize.elementCount(shape) == values.count else {
            throw HensError(.internal, "NPYArray: \(values.count) values for shape \(shape)")
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // numpy pads with spaces so the data start at a multiple of 64, then a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * elementType.byteCount)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        for v in values {
            switch elementType {
            case .float64: append(v.bitPattern)
            case .float32: append(Float(v).bitPattern)
            case .int64: append(Int64(exactly: v.rounded()) ?? 0)
            case .int32: append(Int32(exactly: v.rounded()) ?? 0)
            case .uint8: append(UInt8(exactly: v.rounded()) ?? 0)
            default: append(UInt8(v != 0 ? 1 : 0))
            }
        }
        return bytes
    }

    /// Writes the array to `path` atomically (see `encoded()`).
    public func write(to path: String) throws {
        try writeAtomically(Data(try encoded()), to: path)
    }
}

/// The three fields of a `.npy` header dict literal.
private struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    enum Literal { case string(String), bool(Bool), tuple([Int]) }

    /// Parses `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` followed by
    /// spaces and one newline: exactly these keys, once each, in any order.
    static func parse(_ raw: UnsafeRawBufferPointer, utf8: Bool) -> Result<NPYHeader, LayoutProblem> {
        let bytes = [UInt8](raw)
        var i = 0
        func skipSpaces() { while i < bytes.count, bytes[i] == 0x20 { i += 1 } }
        func expect(_ c: UInt8) -> Bool { skipSpaces(); if i < bytes.count, bytes[i] == c { i += 1; return true }; return false }
        func peek(_ c: UInt8) -> Bool { skipSpaces(); return i < bytes.count && bytes[i] == c }
        func string() -> String? {
            skipSpaces()
            guard i < bytes.count, bytes[i] == 0x27 || bytes[i] == 0x22 else { return nil }
            let quote = bytes[i]; i += 1
            let start = i
            while i < bytes.count, bytes[i] != quote { if bytes[i] == 0x5C { return nil }; i += 1 }
            guard i < bytes.count else { return nil }
            let slice = bytes[start..<i]; i += 1
            return utf8 ? strictUTF8(slice) : String(slice.map { Character(Unicode.Scalar($0)) })
        }
        func integer() -> Int? {
            skipSpaces()
            var value = 0, digits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                // Checked: a 19-digit size can exceed Int.max.
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = times.addingReportingOverflow(Int(bytes[i] - 0x30))
                guard !o1, !o2 else { return nil }
                value = next; i += 1; digits += 1
            }
            return digits > 0 ? value : nil
        }
        func literal() -> Literal? {
            skipSpaces()
            if let s = string() { return .string(s) }
            if bytes[i...].starts(with: Array("True".utf8)) { i += 4; return .bool(true) }
            if bytes[i...].starts(with: Array("False".utf8)) { i += 5; return .bool(false) }
            guard expect(0x28) else { return nil }  // (
            var items: [Int] = []
            var trailingComma = false
            while !peek(0x29) {
                guard items.count < 64, let n = integer() else { return nil }
                items.append(n)
                trailingComma = expect(0x2C)  // ,
                if !trailingComma { break }
            }
            guard expect(0x29) else { return nil }
            // A one-item tuple needs its comma in Python: "(3)" is the integer 3, not a shape.
            if items.count == 1, !trailingComma { return nil }
            return .tuple(items)
        }

        guard expect(0x7B) else { return .failure(.init("does not start with '{'")) }
        var fields: [String: Literal] = [:]
        while !peek(0x7D) {
            guard let key = string() else { return .failure(.init("expected a quoted key at byte \(i)")) }
            guard ["descr", "fortran_order", "shape"].contains(key) else { return .failure(.init("unexpected key '\(shown(key))' (expected descr, fortran_order, shape)")) }
            guard fields[key] == nil else { return .failure(.init("key '\(shown(key))' appears twice")) }
            guard expect(0x3A) else { return .failure(.init("expected ':' after '\(shown(key))'")) }
            guard let value = literal() else { return .failure(.init("cannot read the value of '\(shown(key))' at byte \(i)")) }
            fields[key] = value
            if !expect(0x2C) { break }
        }
        guard expect(0x7D) else { return .failure(.init("expected '}' at byte \(i)")) }
        skipSpaces()
        guard i == bytes.count - 1, bytes[i] == 0x0A else { return .failure(.init("expected spaces and one newline after '}'")) }
        guard case .string(let descr)? = fields["descr"] else { return .failure(.init("'descr' is missing or not a string")) }
        guard case .bool(let fortran)? = fields["fortran_order"] else { return .failure(.init("'fortran_order' is missing or not True/False")) }
        guard case .tuple(let shape)? = fields["shape"] else { return .failure(.init("'shape' is missing or not a tuple of integers")) }
        return .success(NPYHeader(descr: descr, fortranOrder: fortran, shape: shape))
    }
}
