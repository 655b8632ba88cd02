import Foundation
import HensCore

/// Whether a NetCDF file is as long as its own header says it must be.
///
/// libnetcdf reads a NetCDF-3 file that was copied or downloaded only partly without complaint:
/// values past the end of the file come back as fill values, so ingest would write a data set of
/// constants and exit 0. The header records where every variable starts and how long it is, so
/// comparing the end of the last variable with the file's size catches this before anything is
/// read. HDF5 (NetCDF-4) records the end of its data in the superblock. Both checks read only the
/// header (a stat and a few kilobytes), so every open of an untrusted file can afford them.
public enum FileIntegrity {
    /// Throws a one-line `.badInput` error naming `path` when the file is shorter than its header
    /// requires, or when the header itself is cut off or cannot be parsed; returns silently for
    /// intact files and for kinds it does not check (anything but NetCDF-3 and HDF5).
    public static func check(path: String) throws {
        if let problem = try problem(path: path) { throw HensError(.badInput, "\(path): \(problem)") }
    }

    /// What is wrong with the file, e.g. `truncated: the header implies at least 2,344,628 bytes,
    /// the file has 1,172,314 (copied or downloaded partly?)`, or nil when nothing is. A path that
    /// is not a readable regular file is nil too: the open that follows names that reason better.
    public static func problem(path: String) throws -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = UInt64(info.st_size)
        let source = HeaderBytes(handle: handle, size: size)
        do {
            let head = try source.bytes(at: 0, count: min(8, size))
            // A file cut inside its magic bytes is not "some other format".
            if size < 8, !head.isEmpty, HDF5Superblock.signature.starts(with: head) || [0x43, 0x44, 0x46].starts(with: head.prefix(3)) && head.count < 4 {
                throw HeaderFailure.cut(needed: size < 4 && head.first == 0x43 ? 4 : 8, size: size)
            }
            switch FileKind.classify(head) {
            case .netcdf3Classic, .netcdf3Offset64, .netcdf3CDF5:
                return compare(required: try ClassicHeader(source).minimumFileSize, size: size, by: "the header")
            default:
                // libnetcdf also finds an HDF5 signature after a user block (512, 1024, … bytes in).
                guard let superblock = try HDF5Superblock.find(in: source) else { return nil }
                return compare(required: try superblock.requiredFileSize(), size: size, by: "the HDF5 superblock")
            }
        } catch let failure as HeaderFailure {
            return failure.message
        } catch {
            throw HensError(.badInput, "\(path): cannot read the file: \(error.localizedDescription)")
        }
    }

    private static func compare(required: UInt64, size: UInt64, by what: String) -> String? {
        guard size < required else { return nil }
        return "truncated: \(what) implies at least \(grouped(required)) bytes, the file has \(grouped(size)) (copied or downloaded partly?)"
    }

    /// 2344628 → "2,344,628": sizes a user compares with `ls -l` by eye.
    static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}

/// A header that ends early or holds impossible values: becomes the problem line as is.
struct HeaderFailure: Error {
    let message: String

    /// The header stops before `needed` bytes although the file holds `size`.
    static func cut(needed: UInt64, size: UInt64) -> HeaderFailure {
        HeaderFailure(message: "truncated: the header runs past the end of the file (it needs at least "
            + "\(FileIntegrity.grouped(needed)) bytes, the file has \(FileIntegrity.grouped(size))): copied or downloaded partly, or damaged?")
    }

    /// A field of a NetCDF-3 header that no writer produces.
    static func malformed(_ what: String) -> HeaderFailure {
        HeaderFailure(message: "malformed NetCDF-3 header: \(what)")
    }
}

/// The first bytes of a file, read in growing blocks as a parser asks for them: a header's size
/// is only known once it has been parsed, and most headers fit in the first block.
final class HeaderBytes {
    let size: UInt64
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(handle: FileHandle, size: UInt64) {
        self.handle = handle
        self.size = size
    }

    /// `count` bytes from `offset`; a range past the end of the file is a cut header.
    func bytes(at offset: UInt64, count: UInt64) throws -> [UInt8] {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= size else { throw HeaderFailure.cut(needed: overflow ? .max : end, size: size) }
        if end > UInt64(buffer.count) {
            // A superblock probe far into the file is read on its own, not by filling the buffer up to it.
            guard offset <= UInt64(max(buffer.count * 2, Self.block)) else { return try read(at: offset, count: Int(count)) }
            // Double the block so a long header costs a logarithmic number of reads.
            let target = min(size, max(end, UInt64(max(buffer.count * 2, Self.block))))
            buffer += try read(at: UInt64(buffer.count), count: Int(target) - buffer.count)
        }
        return Array(buffer[Int(offset)..<Int(end)])
    }

    private static let block = 65_536

    /// Exactly `count` bytes at `offset`; fewer (the file shrank meanwhile) is a cut header.
    private func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: offset)
        var out: [UInt8] = []
        while out.count < count {
            guard let data = try handle.read(upToCount: count - out.count), !data.isEmpty else {
                throw HeaderFailure.cut(needed: offset + UInt64(count), size: offset + UInt64(out.count))
            }
            out += data
        }
        return out
    }
}

/// A NetCDF-3 header (classic, 64-bit offset, CDF-5), parsed only as far as the sizes and
/// offsets of the variables (the layout of the NetCDF classic format specification).
struct ClassicHeader {
    /// Each variable's start, its length in bytes (one record's worth for record variables) and
    /// whether it lies in the record section.
    private struct Variable {
        let begin: UInt64
        let length: UInt64
        let isRecord: Bool
    }

    private let source: HeaderBytes
    private var position: UInt64 = 4
    /// Size of counts and lengths: 4 bytes, 8 in CDF-5.
    private let wideCounts: Bool
    /// Size of variable offsets: 4 bytes in classic files, 8 otherwise.
    private let wideOffsets: Bool
    private var numberOfRecords: UInt64?
    private var dimensionLengths: [UInt64] = []
    private var recordDimension: Int?
    private var variables: [Variable] = []

    init(_ source: HeaderBytes) throws {
        self.source = source
        let version = try source.bytes(at: 3, count: 1)[0]
        wideCounts = version == 5
        wideOffsets = version != 1
        let records = try count()
        // 0xFFFFFFFF (streaming) means the writer never went back to fill the count in.
        numberOfRecords = (!wideCounts && records == 0xFFFF_FFFF) || (wideCounts && records == .max) ? nil : records
        try readDimensions()
        try skipAttributes()
        try readVariables()
    }

    /// The smallest size the file can have and still hold every variable: the end of the last
    /// non-record variable and, with records, the end of the last record's last variable.
    var minimumFileSize: UInt64 {
        get throws {
            var required = position
            let recordVariables = variables.filter(\.isRecord)
            // One record holds each record variable padded to 4 bytes, except that a lone record
            // variable is not padded (the classic format's special case).
            let recordSize = recordVariables.count == 1
                ? recordVariables[0].length
                : try recordVariables.reduce(UInt64(0)) { try add($0, padded($1.length)) }
            for v in variables {
                var end = try add(v.begin, v.length)
                if v.isRecord {
                    // Without a record count (a streaming writer's file) only the start is known.
                    let records = numberOfRecords ?? 0
                    end = records == 0 ? v.begin : try add(end, multiply(records - 1, recordSize))
                }
                required = max(required, end)
            }
            return required
        }
    }

    // MARK: Fields

    private mutating func word(_ size: UInt64) throws -> UInt64 {
        let bytes = try source.bytes(at: position, count: size)
        position += size
        return bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// A NON_NEG count or length: 4 bytes (8 in CDF-5).
    private mutating func count() throws -> UInt64 {
        let value = try word(wideCounts ? 8 : 4)
        guard wideCounts || value <= UInt64(UInt32.max) else { throw HeaderFailure.malformed("count \(value)") }
        return value
    }

    /// A list tag and its number of elements; ABSENT (two zeros) is an empty list.
    private mutating func list(_ tag: UInt64, _ what: String) throws -> UInt64 {
        let found = try word(4)
        let n = try count()
        if found == 0 {
            guard n == 0 else { throw HeaderFailure.malformed("absent \(what) list with \(n) elements at byte \(position)") }
            return 0
        }
        guard found == tag else { throw HeaderFailure.malformed("expected the \(what) list at byte \(position - 4), found tag \(found)") }
        // Every element takes at least 4 bytes: a larger count cannot be real.
        guard n <= source.size / 4 else { throw HeaderFailure.malformed("\(n) \(what)s in a \(source.size)-byte file") }
        return n
    }

    /// Skips a name (length, then the bytes padded to 4).
    private mutating func skipName() throws {
        let length = try count()
        guard length <= 4 * 256 else { throw HeaderFailure.malformed("a name of \(length) bytes at byte \(position)") }
        try skip(padded(length))
    }

    private mutating func skip(_ n: UInt64) throws {
        // Reading the last skipped byte makes a header cut inside the skipped range fail here.
        if n > 0 { _ = try source.bytes(at: try add(position, n) - 1, count: 1) }
        position += n
    }

    private mutating func readDimensions() throws {
        let n = try list(0x0A, "dimension")
        for index in 0..<n {
            try skipName()
            let length = try count()
            if length == 0 {
                guard recordDimension == nil else { throw HeaderFailure.malformed("two record (unlimited) dimensions") }
                recordDimension = Int(index)
            }
            dimensionLengths.append(length)
        }
    }

    private mutating func skipAttributes() throws {
        let n = try list(0x0C, "attribute")
        for _ in 0..<n {
            try skipName()
            let size = try Self.typeSize(try word(4))
            let values = try count()
            try skip(padded(try multiply(values, size)))
        }
    }

    private mutating func readVariables() throws {
        let n = try list(0x0B, "variable")
        for _ in 0..<n {
            try skipName()
            let rank = try count()
            guard rank <= 1024 else { throw HeaderFailure.malformed("a variable of rank \(rank)") }
            var dimensions: [Int] = []
            for _ in 0..<rank {
                let id = try count()
                guard id < UInt64(dimensionLengths.count) else {
                    throw HeaderFailure.malformed("dimension id \(id) of \(dimensionLengths.count) dimensions")
                }
                dimensions.append(Int(id))
            }
            try skipAttributes()
            let size = try Self.typeSize(try word(4))
            _ = try count()  // vsize: clamped for variables over 4 GiB, so the length is computed below
            let begin = try word(wideOffsets ? 8 : 4)
            let isRecord = dimensions.first.map { $0 == recordDimension } ?? false
            guard !dimensions.dropFirst().contains(where: { $0 == recordDimension }) else {
                throw HeaderFailure.malformed("the record dimension is not a variable's first")
            }
            var length = size
            for d in dimensions.dropFirst(isRecord ? 1 : 0) { length = try multiply(length, dimensionLengths[d]) }
            variables.append(Variable(begin: begin, length: length, isRecord: isRecord))
        }
    }

    // MARK: Arithmetic on untrusted numbers

    private static func typeSize(_ type: UInt64) throws -> UInt64 {
        switch type {
        case 1, 2, 7: return 1     // byte, char, ubyte
        case 3, 8: return 2        // short, ushort
        case 4, 5, 9: return 4     // int, float, uint
        case 6, 10, 11: return 8   // double, int64, uint64
        default: throw HeaderFailure.malformed("unknown type \(type)")
        }
    }

    private func padded(_ n: UInt64) throws -> UInt64 { try add(n, 3) & ~3 }

    private func add(_ a: UInt64, _ b: UInt64) throws -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw HeaderFailure.malformed("sizes overflow 64 bits") }
        return sum
    }

    private func multiply(_ a: UInt64, _ b: UInt64) throws -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw HeaderFailure.malformed("sizes overflow 64 bits") }
        return product
    }
}

/// The fields of an HDF5 superblock that say how long the file must be.
struct HDF5Superblock {
    /// Where the signature was found: 0, or 512, 1024, 2048… after a user block.
    let offset: UInt64
    let version: UInt8
    let baseAddress: UInt64
    let endOfFileAddress: UInt64
    /// Whether the end-of-file address is the undefined address (all ones): nothing to compare.
    let isUndefined: Bool

    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The superblock at the first signature position, or nil when no position holds one.
    static func find(in source: HeaderBytes) throws -> HDF5Superblock? {
        var offset: UInt64 = 0
        while offset + 8 <= source.size {
            if try source.bytes(at: offset, count: 8) == signature { return try read(source, at: offset) }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    private static func read(_ source: HeaderBytes, at offset: UInt64) throws -> HDF5Superblock {
        let version = try source.bytes(at: offset + 8, count: 1)[0]
        // Versions 0 and 1 keep the sizes at byte 13; 2 and 3 right after the version. The
        // addresses follow the fixed fields (24 bytes in version 0, 28 in 1, 12 in 2 and 3):
        // base address, then free-space (or extension) address, then the end-of-file address.
        let sizeField: UInt64, addresses: UInt64
        switch version {
        case 0: (sizeField, addresses) = (13, 24)
        case 1: (sizeField, addresses) = (13, 28)
        case 2, 3: (sizeField, addresses) = (9, 12)
        default:
            throw HeaderFailure(message: "malformed HDF5 file: superblock version \(version) (this HDF5 library reads 0 to 3)")
        }
        let width = UInt64(try source.bytes(at: offset + sizeField, count: 1)[0])
        guard [2, 4, 8].contains(width) else {
            throw HeaderFailure(message: "malformed HDF5 file: superblock says addresses take \(width) bytes (2, 4 or 8)")
        }
        func address(_ index: UInt64) throws -> UInt64 {
            // HDF5 addresses are little-endian.
            try source.bytes(at: offset + addresses + index * width, count: width).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        let undefined = width == 8 ? UInt64.max : (UInt64(1) << (width * 8)) - 1
        let base = try address(0), end = try address(2)
        return HDF5Superblock(offset: offset, version: version, baseAddress: base, endOfFileAddress: end,
                              isUndefined: end == undefined || base == undefined)
    }

    /// The base address plus the end-of-file address (addresses are relative to the base).
    func requiredFileSize() throws -> UInt64 {
        guard !isUndefined else { return 0 }
        let (sum, overflow) = baseAddress.addingReportingOverflow(endOfFileAddress)
        guard !overflow else { throw HeaderFailure(message: "malformed HDF5 file: its end-of-file address overflows 64 bits") }
        return sum
    }
}
