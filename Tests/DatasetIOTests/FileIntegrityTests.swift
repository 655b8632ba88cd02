import CNetCDF
import Foundation
import HensCore
import HensTestSupport
import XCTest
@testable import DatasetIO

/// Files shorter than their header says (a partial copy or download) are refused on open with
/// one line naming the file, for every NetCDF-3 flavour and for NetCDF-4/HDF5; intact files pass.
final class FileIntegrityTests: TemporaryDirectoryTestCase {
    /// The repository's data-samples folder: real NetCDF-3 and NetCDF-4 files.
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data-samples").path

    static let sampleNames = ["era5-eda-newcds.nc", "era5-eda-oldcds.nc", "gfs-2p5deg.nc", "missing-values.nc",
                              "ncep-air-small.nc", "ncep-uwnd-global.nc"]

    /// A copy of `source` keeping its first `length` bytes.
    private func truncatedCopy(_ source: String, to length: Int, name: String) throws -> String {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: source))
        let path = dir + "/" + name
        try data.prefix(length).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testIntactSamplesPass() throws {
        for name in Self.sampleNames {
            let path = Self.samples + "/" + name
            XCTAssertNil(try FileIntegrity.problem(path: path), name)
            XCTAssertNoThrow(try NetCDFReader(path: path), name)
        }
    }

    /// The NetCDF-3 sample's data end exactly where the file ends: the header's sizes are read right.
    func testTheClassicHeaderAccountsForEveryByte() throws {
        let path = Self.samples + "/era5-eda-oldcds.nc"
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let cut = try truncatedCopy(path, to: size - 1, name: "cut.nc")
        XCTAssertEqual(try FileIntegrity.problem(path: cut),
                       "truncated: the header implies at least 2,344,628 bytes, the file has 2,344,627 (copied or downloaded partly?)")
    }

    func testTruncatedSamplesAreRefusedAtEveryCut() throws {
        for name in Self.sampleNames {
            let source = Self.samples + "/" + name
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: source)[.size] as? Int)
            // Inside the magic, inside the fixed header fields, past the header, half, nearly all.
            for length in [6, 20, 44, 300, size / 10, size / 2, size - 4096, size - 1] {
                let path = try truncatedCopy(source, to: length, name: "\(length)-\(name)")
                let problem = try FileIntegrity.problem(path: path)
                XCTAssertTrue(problem?.hasPrefix("truncated: ") ?? false, "\(name) cut to \(length): \(problem ?? "nil")")
                assertThrows(try NetCDFReader(path: path), kind: .badInput, mentioning: [path, "truncated"])
                assertThrows(try NetCDFFile.open(path: path), kind: .badInput, mentioning: [path, "truncated"])
            }
        }
    }

    func testHalfAClassicFileNamesBothSizes() throws {
        let path = try truncatedCopy(Self.samples + "/era5-eda-oldcds.nc", to: 1_172_314, name: "data.nc")
        assertThrows(try FileIntegrity.check(path: path), kind: .badInput, mentioning: [
            "\(path): truncated: the header implies at least 2,344,628 bytes, the file has 1,172,314 (copied or downloaded partly?)"])
    }

    /// Files of each NetCDF-3 flavour written here, with fixed and record variables: intact they
    /// pass, one byte of data short they fail.
    func testEveryClassicFlavourWithRecords() throws {
        let formats: [(String, Int32)] = [("classic", 0), ("64-bit offset", NC_64BIT_OFFSET), ("CDF5", NC_64BIT_DATA)]
        for (label, format) in formats {
            for recordVariables in [1, 3] {
                let path = dir + "/\(label)-\(recordVariables).nc"
                let nc = try NetCDFFile.create(path: path, displayName: path, format: format)
                let time = try nc.defineDimension("time", length: Int(NC_UNLIMITED))
                let x = try nc.defineDimension("x", length: 5)
                let fixed = try nc.defineVariable("fixed", type: nc_type(NC_FLOAT), dimensions: [x])
                let records = try (0..<recordVariables).map {
                    try nc.defineVariable("r\($0)", type: nc_type(NC_FLOAT), dimensions: [time, x])
                }
                try nc.putAttribute("title", text: "integrity test")
                try nc.endDefinitions()
                let values: [Float] = [1, 2, 3, 4, 5]
                try values.withUnsafeBufferPointer { try nc.putFloats(variable: fixed, start: [0], count: [5], $0) }
                for step in 0..<3 {
                    for r in records {
                        try values.withUnsafeBufferPointer { try nc.putFloats(variable: r, start: [step, 0], count: [1, 5], $0) }
                    }
                }
                try nc.close()
                XCTAssertNil(try FileIntegrity.problem(path: path), "\(label), \(recordVariables) record variables")
                let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
                let cut = try truncatedCopy(path, to: size - 1, name: "cut-\(label)-\(recordVariables).nc")
                XCTAssertTrue(try FileIntegrity.problem(path: cut)?.hasPrefix("truncated: the header implies at least \(FileIntegrity.grouped(UInt64(size))) bytes") ?? false,
                              "\(label), \(recordVariables) record variables")
            }
        }
    }

    /// A lone record variable of bytes is not padded per record: an odd-sized record still
    /// accounts exactly for the file.
    func testALoneByteRecordVariableIsNotPadded() throws {
        let path = dir + "/bytes.nc"
        let nc = try NetCDFFile.create(path: path, displayName: path, format: 0)
        let time = try nc.defineDimension("time", length: Int(NC_UNLIMITED))
        let x = try nc.defineDimension("x", length: 3)
        let v = try nc.defineVariable("flag", type: nc_type(NC_BYTE), dimensions: [time, x])
        try nc.endDefinitions()
        for step in 0..<5 {
            try nc.call("write") { nc_put_vara_schar(nc.id, v, [step, 0], [1, 3], [1, 2, 3]) }
        }
        try nc.close()
        XCTAssertNil(try FileIntegrity.problem(path: path))
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let cut = try truncatedCopy(path, to: size - 1, name: "bytes-cut.nc")
        XCTAssertNotNil(try FileIntegrity.problem(path: cut))
    }

    func testADamagedClassicHeaderIsMalformed() throws {
        var data = try XCTUnwrap(FileManager.default.contents(atPath: Self.samples + "/missing-values.nc"))
        data[11] = 0x7F  // the dimension list's tag (bytes 8–11) becomes an unknown tag
        let path = dir + "/damaged.nc"
        try data.write(to: URL(fileURLWithPath: path))
        let problem = try XCTUnwrap(try FileIntegrity.problem(path: path))
        XCTAssertTrue(problem.hasPrefix("malformed NetCDF-3 header: expected the dimension list"), problem)
    }

    /// An HDF5 superblock found after a 512-byte user block is read there (libnetcdf opens such files).
    func testAnHDF5UserBlockIsSkipped() throws {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: Self.samples + "/ncep-air-small.nc"))
        // The stored addresses are relative to the base address, which a user block moves: rewrite
        // it (version 2 superblock: base address at byte 12) so the file stays consistent.
        var shifted = Data(count: 512) + data
        for i in 0..<8 { shifted[512 + 12 + i] = UInt8((512 >> (8 * i)) & 0xFF) }
        let path = dir + "/user-block.nc"
        try shifted.write(to: URL(fileURLWithPath: path))
        XCTAssertNil(try FileIntegrity.problem(path: path))
        let cut = try truncatedCopy(path, to: shifted.count - 100, name: "user-block-cut.nc")
        XCTAssertTrue(try FileIntegrity.problem(path: cut)?.hasPrefix("truncated: the HDF5 superblock implies") ?? false)
    }

    func testOtherKindsAreLeftToTheOpen() throws {
        let path = dir + "/text.nc"
        try "not a NetCDF file\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertNil(try FileIntegrity.problem(path: path))
        XCTAssertNil(try FileIntegrity.problem(path: dir + "/absent.nc"))
        XCTAssertNil(try FileIntegrity.problem(path: dir))
    }
}
