import HensCore

/// One file inside a ZIP archive, as its central directory and local header describe it.
public struct ZipEntry: Sendable, Equatable {
    /// The entry's path inside the archive (`archive/data/0`).
    public let name: String
    /// Compression method: 0 stored, 8 deflate.
    public let method: UInt16
    /// CRC-32 of the uncompressed bytes.
    public let crc32: UInt32
    /// Size in the archive.
    public let compressedSize: Int
    /// Size once extracted.
    public let uncompressedSize: Int
    /// Where the local header starts.
    public let localHeaderOffset: Int
    /// Where the entry's bytes start (after the local header, its name and extra field).
    public let dataOffset: Int

    /// Whether the bytes are stored as they are (method 0), so readable in place.
    public var isStored: Bool { method == 0 }
}

/// A read-only view of a ZIP archive (the container of `torch.save` files), mapped into memory:
/// stored entries are read in place, without a copy.
///
/// Why its own reader: nothing in the toolchain reads ZIP on Linux without a library, and a
/// released checkpoint is untrusted input. The reader follows APPNOTE 6.3: the end-of-central-
/// directory record found by a backward search of the last 64 KiB + 22 bytes, the ZIP64 locator
/// and record when present (torch writes them into every file), the central directory with its
/// ZIP64 extra fields, then each local header for where the data starts. Everything is checked
/// before use: offsets inside the file, the central directory before its end record, entries
/// not overlapping one another or the directory, local names matching central names, no
/// duplicate names, stored sizes consistent. Deflated entries are listed but not extracted
/// (torch stores tensors uncompressed); encrypted and multi-disk archives are refused.
public final class ZipArchive: @unchecked Sendable {  // unchecked: immutable after init
    /// The archive's bytes.
    public let file: MappedBytes
    /// The entries in central-directory order.
    public let entries: [ZipEntry]
    private let index: [String: Int]

    /// Entries checked against their CRC-32 when read unless the caller says otherwise: a
    /// checksum pass over a few tens of MiB costs milliseconds, over a 9 GB model seconds.
    public static let checksumLimit = 64 << 20

    /// The most entries an archive may list (a torch checkpoint has one per storage plus four).
    public static let maximumEntryCount = 4_000_000

    /// Opens and checks the archive at `path`.
    /// - Throws: `HensError(.badInput)` naming the file and the record at fault.
    public convenience init(path: String) throws {
        try self.init(try MappedBytes(path: path))
    }

    /// Checks the archive held in `file`.
    public init(_ file: MappedBytes) throws {
        self.file = file
        let name = file.name
        func fail(_ message: String) -> HensError { inputError("\(name): \(message)") }
        let bytes = file.bytes
        let size = bytes.count
        guard size >= 22 else {
            throw fail("not a ZIP archive: \(size) bytes, shorter than the 22-byte end-of-central-directory record (truncated?)")
        }

        // 1. The end-of-central-directory record: the last signature whose comment fits the file.
        let lowest = max(0, size - 22 - 0xFFFF)
        var endRecord = -1
        var position = size - 22
        while position >= lowest {
            if bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self) == UInt32(0x0605_4B50).littleEndian {
                let commentLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: position + 20, as: UInt16.self)))
                if position + 22 + commentLength <= size { endRecord = position; break }
            }
            position -= 1
        }
        guard endRecord >= 0 else {
            throw fail("not a ZIP archive or truncated: no end-of-central-directory record in the last \(size - lowest) bytes")
        }
        var eocd = ByteCursor(bytes, at: endRecord + 4, context: "\(name): end-of-central-directory record")
        let diskNumber = try eocd.uint16("disk number"), directoryDisk = try eocd.uint16("central-directory disk")
        let entriesOnDisk16 = try eocd.uint16("entries on this disk"), entries16 = try eocd.uint16("entry count")
        let directorySize32 = try eocd.uint32("central-directory size"), directoryOffset32 = try eocd.uint32("central-directory offset")
        var entryCount = UInt64(entries16), directorySize = UInt64(directorySize32), directoryOffset = UInt64(directoryOffset32)
        var directoryLimit = endRecord  // the central directory must end before this

        // 2. ZIP64: a locator just before the end record points at the ZIP64 end record, whose
        //    64-bit counts replace the 16/32-bit ones.
        let locator = endRecord - 20
        if locator >= 0, bytes.loadUnaligned(fromByteOffset: locator, as: UInt32.self) == UInt32(0x0706_4B50).littleEndian {
            var cursor = ByteCursor(bytes, at: locator + 4, context: "\(name): ZIP64 end-of-central-directory locator")
            let recordDisk = try cursor.uint32("disk of the ZIP64 record")
            let recordOffset64 = try cursor.uint64("ZIP64 record offset")
            let diskCount = try cursor.uint32("disk count")
            guard recordDisk == 0, diskCount <= 1 else { throw fail("a multi-disk (split) ZIP archive; hens reads single-file archives only") }
            guard let recordOffset = CheckedSize.int(recordOffset64), recordOffset <= locator - 56 else {
                throw fail("ZIP64 end-of-central-directory locator points at byte \(recordOffset64), expected before byte \(max(locator - 56, 0))")
            }
            var record = ByteCursor(bytes, at: recordOffset, context: "\(name): ZIP64 end-of-central-directory record")
            guard try record.uint32("signature") == 0x0606_4B50 else {
                throw fail("no ZIP64 end-of-central-directory record at byte \(recordOffset), where the locator points")
            }
            try record.skip(8 + 2 + 2, "record size and versions")
            let disk = try record.uint32("disk number"), cdDisk = try record.uint32("central-directory disk")
            guard disk == 0, cdDisk == 0 else { throw fail("a multi-disk (split) ZIP archive; hens reads single-file archives only") }
            _ = try record.uint64("entries on this disk")
            entryCount = try record.uint64("entry count")
            directorySize = try record.uint64("central-directory size")
            directoryOffset = try record.uint64("central-directory offset")
            directoryLimit = recordOffset
        } else {
            guard diskNumber == 0, directoryDisk == 0, entriesOnDisk16 == entries16 else {
                throw fail("a multi-disk (split) ZIP archive; hens reads single-file archives only")
            }
            if entries16 == 0xFFFF || directorySize32 == 0xFFFF_FFFF || directoryOffset32 == 0xFFFF_FFFF {
                throw fail("the end record defers to a ZIP64 record, but there is no ZIP64 locator before it (truncated or damaged)")
            }
        }
        guard let cdOffset = CheckedSize.int(directoryOffset), let cdSize = CheckedSize.int(directorySize),
              let cdEnd = CheckedSize.sum(cdOffset, cdSize), cdEnd <= directoryLimit else {
            throw fail("central directory (\(directorySize) bytes at byte \(directoryOffset)) does not end before the end record at byte \(directoryLimit)")
        }
        // Every central entry takes at least 46 bytes: a count beyond that is a lie, refused
        // before it sizes any allocation.
        guard entryCount <= UInt64(cdSize / 46), entryCount <= UInt64(Self.maximumEntryCount) else {
            throw fail("end record lists \(entryCount) entries, but the \(cdSize)-byte central directory holds at most \(cdSize / 46)")
        }

        // 3. The central directory.
        let directory = UnsafeRawBufferPointer(rebasing: bytes[cdOffset..<cdEnd])
        var cursor = ByteCursor(directory, context: "\(name): central directory")
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(entryCount))
        var index: [String: Int] = [:]
        for number in 0..<Int(entryCount) {
            guard try cursor.uint32("entry \(number) signature") == 0x0201_4B50 else {
                throw fail("central directory entry \(number) at byte \(cdOffset + cursor.offset - 4) has no central-header signature")
            }
            try cursor.skip(4, "versions")
            let flags = try cursor.uint16("flags"), method = try cursor.uint16("method")
            try cursor.skip(4, "time and date")
            let crc = try cursor.uint32("CRC-32")
            var compressed = UInt64(try cursor.uint32("compressed size")), uncompressed = UInt64(try cursor.uint32("uncompressed size"))
            let nameLength = Int(try cursor.uint16("name length")), extraLength = Int(try cursor.uint16("extra length"))
            let commentLength = Int(try cursor.uint16("comment length"))
            let startDisk = try cursor.uint16("start disk")
            try cursor.skip(6, "attributes")
            var headerOffset = UInt64(try cursor.uint32("local header offset"))
            let nameBytes = try cursor.take(nameLength, "entry \(number) name")
            guard let entryName = strictUTF8(nameBytes), !entryName.isEmpty else {
                throw fail("central directory entry \(number): name is empty or not UTF-8")
            }
            let extra = try cursor.take(extraLength, "entry '\(shown(entryName))' extra field")
            try cursor.skip(commentLength, "entry '\(shown(entryName))' comment")
            func entryFail(_ message: String) -> HensError { fail("entry '\(shown(entryName))': \(message)") }

            // The ZIP64 extended information holds, in this order, exactly the fields whose
            // 32-bit value is 0xFFFFFFFF.
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || headerOffset == 0xFFFF_FFFF {
                var fields = ByteCursor(extra, context: "\(name): entry '\(shown(entryName))' extra field")
                var found = false
                while fields.remaining >= 4 {
                    let id = try fields.uint16("extra block id"), length = Int(try fields.uint16("extra block length"))
                    let block = try fields.take(length, "extra block 0x\(String(id, radix: 16))")
                    guard id == 0x0001 else { continue }
                    var zip64 = ByteCursor(block, context: "\(name): entry '\(shown(entryName))' ZIP64 extra field")
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try zip64.uint64("uncompressed size") }
                    if compressed == 0xFFFF_FFFF { compressed = try zip64.uint64("compressed size") }
                    if headerOffset == 0xFFFF_FFFF { headerOffset = try zip64.uint64("local header offset") }
                    found = true
                    break
                }
                guard found else { throw entryFail("sizes or offset are 0xFFFFFFFF but there is no ZIP64 extra field") }
            }
            guard startDisk == 0 || startDisk == 0xFFFF else { throw entryFail("starts on disk \(startDisk); hens reads single-file archives only") }
            guard flags & 0x41 == 0 else { throw entryFail("is encrypted; hens reads unencrypted archives only") }
            guard let compressedSize = CheckedSize.int(compressed), let uncompressedSize = CheckedSize.int(uncompressed),
                  let localOffset = CheckedSize.int(headerOffset), localOffset < cdOffset else {
                throw entryFail("local header at byte \(headerOffset) (size \(compressed)) is not before the central directory at byte \(cdOffset)")
            }
            if method == 0, compressedSize != uncompressedSize {
                throw entryFail("stored (uncompressed) but its sizes differ: \(compressedSize) in the archive, \(uncompressedSize) extracted")
            }

            // 4. The local header: its own name and extra lengths decide where the data start.
            var local = ByteCursor(bytes, at: localOffset, context: "\(name): entry '\(shown(entryName))' local header")
            guard try local.uint32("signature") == 0x0403_4B50 else { throw entryFail("no local header at byte \(localOffset)") }
            try local.skip(4, "version and flags")
            guard try local.uint16("method") == method else { throw entryFail("local header and central directory disagree on the compression method") }
            try local.skip(16, "time, date, CRC-32 and sizes")
            let localNameLength = Int(try local.uint16("name length")), localExtraLength = Int(try local.uint16("extra length"))
            guard try local.take(localNameLength, "name").elementsEqual(nameBytes) else {
                throw entryFail("local header at byte \(localOffset) names another file")
            }
            try local.skip(localExtraLength, "extra field")
            let dataOffset = local.offset
            guard let dataEnd = CheckedSize.sum(dataOffset, compressedSize), dataEnd <= cdOffset else {
                throw entryFail("\(compressedSize) bytes at byte \(dataOffset) run past the central directory at byte \(cdOffset) (truncated?)")
            }
            guard index[entryName] == nil else { throw fail("entry '\(shown(entryName))' appears twice in the central directory") }
            index[entryName] = entries.count
            entries.append(ZipEntry(name: entryName, method: method, crc32: crc, compressedSize: compressedSize,
                                    uncompressedSize: uncompressedSize, localHeaderOffset: localOffset, dataOffset: dataOffset))
        }

        // 5. No entry's header or data may overlap the next entry's: overlapping entries are how
        //    ZIP files smuggle one content under two names (and how "zip bombs" multiply).
        let byOffset = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.dataOffset + a.compressedSize > b.localHeaderOffset {
            throw fail("entries '\(shown(a.name))' and '\(shown(b.name))' overlap (bytes \(a.localHeaderOffset)–\(a.dataOffset + a.compressedSize) and from \(b.localHeaderOffset))")
        }
        self.entries = entries
        self.index = index
    }

    /// The entry called `name`, or nil.
    public func entry(named name: String) -> ZipEntry? { index[name].map { entries[$0] } }

    /// Calls `body` with the bytes of a stored entry, in place in the map (valid only inside
    /// `body`). Entries up to `checksumLimit` are checked against their CRC-32 unless
    /// `verifyChecksum` is false; larger ones only when it is true. The pages of entries of
    /// 1 MiB or more are dropped from memory afterwards (`MappedBytes.dropPages`).
    /// - Throws: `HensError(.badInput)` for a compressed entry or a checksum mismatch.
    public func withContents<R>(of entry: ZipEntry, verifyChecksum: Bool? = nil, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let contents = try storedBytes(of: entry)
        // Large entries are read once by an importer: their pages are let go afterwards.
        defer { if contents.count >= 1 << 20 { file.dropPages(contents) } }
        if verifyChecksum ?? (entry.uncompressedSize <= Self.checksumLimit) { try checkCRC(of: entry, contents) }
        return try body(contents)
    }

    /// A copy of a stored entry's bytes (checked against its CRC-32), for small entries
    /// (`data.pkl`, `version`).
    public func contents(of entry: ZipEntry) throws -> [UInt8] {
        try withContents(of: entry, verifyChecksum: true) { [UInt8]($0) }
    }

    /// Checks a stored entry against its CRC-32, whatever its size.
    public func verifyChecksum(of entry: ZipEntry) throws {
        try checkCRC(of: entry, try storedBytes(of: entry))
    }

    /// The in-place bytes of a stored entry (ranges were checked on open).
    func storedBytes(of entry: ZipEntry) throws -> UnsafeRawBufferPointer {
        guard entry.isStored else {
            let how = entry.method == 8 ? "deflate-compressed (method 8)" : "compressed with method \(entry.method)"
            throw inputError("\(file.name): entry '\(shown(entry.name))' is \(how); hens reads only stored entries, as torch.save writes them (save again without compression)")
        }
        return UnsafeRawBufferPointer(rebasing: file.bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
    }

    private func checkCRC(of entry: ZipEntry, _ contents: UnsafeRawBufferPointer) throws {
        let actual = CRC32.checksum(contents)
        guard actual == entry.crc32 else {
            throw inputError("\(file.name): entry '\(shown(entry.name))' is damaged: CRC-32 \(hex(actual)), the archive records \(hex(entry.crc32))")
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
