import DatasetIO
import Foundation
import HensCore
import HensTestSupport
import XCTest

/// The ZIP reader: central directory, ZIP64 records, in-place reads, CRC-32, and refusals of
/// damaged archives with one line naming the file.
final class ZipArchiveTests: XCTestCase {
    func testCRC32KnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)  // the standard check value
        XCTAssertEqual(CRC32.checksum([]), 0)
        let long = (0..<1000).map { UInt8($0 % 251) }
        let split = long.withUnsafeBytes { b in CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[300...]), continuing: CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[..<300]))) }
        XCTAssertEqual(split, CRC32.checksum(long))
    }

    func testEntriesOfATorchLayoutArchive() throws {
        let archive = try ZipArchive(path: TorchFormatFixtures.path("state_dict.pt"))
        XCTAssertEqual(archive.entries.first?.name, "state_dict/data.pkl")
        XCTAssertEqual(archive.entries.last?.name, "state_dict/version")
        let version = try XCTUnwrap(archive.entry(named: "state_dict/version"))
        XCTAssertEqual(try archive.contents(of: version), Array("3\n".utf8))
        // Data are 64-byte aligned by the padding extra field, as torch aligns them.
        for entry in archive.entries { XCTAssertEqual(entry.dataOffset % 64, 0, entry.name) }
        let storage = try XCTUnwrap(archive.entry(named: "state_dict/data/0"))
        let values = try archive.withContents(of: storage) { raw in (0..<6).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        XCTAssertEqual(values, [0, 0.5, 1, 1.5, 2, 2.5])
    }

    func testZip64ArchiveReadsLikeTheClassicOne() throws {
        let classic = try ZipArchive(path: TorchFormatFixtures.path("state_dict.pt"))
        let zip64 = try ZipArchive(path: TorchFormatFixtures.path("zip64.pt"))
        XCTAssertEqual(zip64.entries.count, classic.entries.count)
        for (a, b) in zip(classic.entries, zip64.entries) {
            XCTAssertEqual(a.name.split(separator: "/").last, b.name.split(separator: "/").last)
            XCTAssertEqual(a.crc32, b.crc32)
            XCTAssertEqual(try classic.contents(of: a), try zip64.contents(of: b))
        }
    }

    func testTorchWrittenArchiveWithZip64EndRecord() throws {
        // torch 2.x writes a ZIP64 end record and locator into every file.
        let bytes = try TorchFormatFixtures.bytes("real_torch.pt")
        XCTAssertTrue(bytes.indices.dropLast(3).contains { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 6 && bytes[$0 + 3] == 6 })
        let archive = try ZipArchive(path: TorchFormatFixtures.path("real_torch.pt"))
        XCTAssertNotNil(archive.entry(named: "real_torch/data.pkl"))
        for entry in archive.entries { XCTAssertNoThrow(try archive.verifyChecksum(of: entry), entry.name) }
    }

    func testDamagedDataFailTheChecksum() throws {
        var bytes = try TorchFormatFixtures.bytes("state_dict.pt")
        let archive = try ZipArchive(TorchFormatFixtures.mapped(bytes, name: "x.pt"))
        let entry = try XCTUnwrap(archive.entry(named: "state_dict/data/0"))
        bytes[entry.dataOffset + 5] ^= 0x10
        let damaged = try ZipArchive(TorchFormatFixtures.mapped(bytes, name: "damaged.pt"))
        let same = try XCTUnwrap(damaged.entry(named: "state_dict/data/0"))
        assertThrows(try damaged.contents(of: same), kind: .badInput, mentioning: ["damaged.pt", "state_dict/data/0", "CRC-32"])
        // Unverified reads are the caller's choice (large storages).
        XCTAssertNoThrow(try damaged.withContents(of: same, verifyChecksum: false) { _ in () })
    }

    func testDeflatedEntriesAreRefusedByName() throws {
        var bytes = try TorchFormatFixtures.bytes("state_dict.pt")
        let archive = try ZipArchive(TorchFormatFixtures.mapped(bytes, name: "x.pt"))
        let entry = try XCTUnwrap(archive.entry(named: "state_dict/version"))
        // Mark the entry deflated in both headers (method at +8 local, +10 central).
        bytes[entry.localHeaderOffset + 8] = 8
        let central = try XCTUnwrap(centralHeaderOffset(of: "state_dict/version", in: bytes))
        bytes[central + 10] = 8
        let deflated = try ZipArchive(TorchFormatFixtures.mapped(bytes, name: "deflated.pt"))
        let marked = try XCTUnwrap(deflated.entry(named: "state_dict/version"))
        assertThrows(try deflated.contents(of: marked), kind: .badInput, mentioning: ["deflated.pt", "state_dict/version", "deflate", "stored"])
    }

    func testOverlappingEntriesAreRefused() throws {
        var bytes = try TorchFormatFixtures.bytes("state_dict.pt")
        let archive = try ZipArchive(TorchFormatFixtures.mapped(bytes, name: "x.pt"))
        // Point the central entry of data/1 at data/0's local header: the names disagree.
        let zero = try XCTUnwrap(archive.entry(named: "state_dict/data/0"))
        let central = try XCTUnwrap(centralHeaderOffset(of: "state_dict/data/1", in: bytes))
        withUnsafeBytes(of: UInt32(zero.localHeaderOffset).littleEndian) { for i in 0..<4 { bytes[central + 42 + i] = $0[i] } }
        assertThrows(try ZipArchive(TorchFormatFixtures.mapped(bytes, name: "overlap.pt")), kind: .badInput,
                     mentioning: ["overlap.pt", "state_dict/data/1"])
    }

    func testEveryTruncationIsAnError() throws {
        for name in ["state_dict.pt", "zip64.pt"] {
            assertEveryTruncationRefused(try TorchFormatFixtures.bytes(name), label: name) { _ = try ZipArchive($0) }
        }
    }

    /// Dropping the pages of a mapped range frees memory, not data: the bytes read back the same.
    func testDroppedPagesReadBackFromTheFile() throws {
        let path = try temporaryFolder("hens-zip") + "/pages.bin"
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let mapped = try MappedBytes(path: path)
        mapped.dropPages(UnsafeRawBufferPointer(rebasing: mapped.bytes[12345..<(3 << 20) - 777]))
        XCTAssertTrue(mapped.bytes.elementsEqual(bytes))
        let owned = MappedBytes(copying: bytes, name: "owned")
        owned.dropPages(owned.bytes)  // a no-op for bytes in memory
        XCTAssertTrue(owned.bytes.elementsEqual(bytes))
    }

    func testNotAZipFile() {
        assertThrows(try ZipArchive(MappedBytes(copying: [UInt8](repeating: 7, count: 100), name: "noise.bin")), kind: .badInput,
                     mentioning: ["noise.bin", "end-of-central-directory"])
        assertThrows(try ZipArchive(path: "/nonexistent/hens.pt"), kind: .badInput, mentioning: ["/nonexistent/hens.pt", "cannot open"])
    }

    /// Where the central header naming `name` starts.
    private func centralHeaderOffset(of name: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(name.utf8)
        for i in 0..<(bytes.count - 46 - needle.count) where bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 1 && bytes[i + 3] == 2 {
            let length = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
            if length == needle.count, Array(bytes[(i + 46)..<(i + 46 + length)]) == needle { return i }
        }
        return nil
    }
}
