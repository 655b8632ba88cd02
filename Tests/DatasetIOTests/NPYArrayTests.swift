import DatasetIO
import HensCore
import HensTestSupport
import XCTest

/// `.npy` files: the fixtures of every supported descr and version, strict headers, and the
/// writer's round trip.
final class NPYArrayTests: XCTestCase {
    func testFixtures() throws {
        let f64 = try NPYArray(path: TorchFormatFixtures.path("float64_2x3.npy"))
        XCTAssertEqual(f64.elementType, .float64)
        XCTAssertEqual(f64.shape, [2, 3])
        XCTAssertEqual(f64.values, [-0.5, -0.25, 0, 0.25, 0.5, 0.75])
        let f32 = try NPYArray(path: TorchFormatFixtures.path("float32_vector.npy"))  // version 2.0
        XCTAssertEqual(f32.shape, [4])
        XCTAssertEqual(f32.floatValues, [1, -2.5, 3.25, 1e-3])
        let scalar = try NPYArray(path: TorchFormatFixtures.path("int64_scalar.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.values, [-7])
        let bytes = try NPYArray(path: TorchFormatFixtures.path("uint8_2x2.npy"))  // version 3.0
        XCTAssertEqual(bytes.elementType, .uint8)
        XCTAssertEqual(bytes.values, [0, 1, 254, 255])
        XCTAssertEqual(try NPYArray(path: TorchFormatFixtures.path("bool_3.npy")).values, [1, 0, 1])
        // Fortran order: stored column by column, read back row-major.
        let fortran = try NPYArray(path: TorchFormatFixtures.path("fortran_2x3.npy"))
        XCTAssertEqual(fortran.shape, [2, 3])
        XCTAssertEqual(fortran.values, [0, 1, 2, 3, 4, 5])
    }

    func testWriterRoundTrip() throws {
        let folder = try temporaryFolder("hens-npy")
        for type in [TensorElementType.float64, .float32, .int64, .uint8] {
            let values: [Double] = type == .uint8 ? [0, 7, 255, 1, 2, 3] : type == .int64 ? [-2, 0, 9_007_199_254_740_992, 1e6, -3, 1] : [-1.5, 0, 2.25, 1e6, -3, 0.125]
            let array = NPYArray(elementType: type, shape: [3, 2], values: values)
            let path = folder + "/\(type.rawValue).npy"
            try array.write(to: path)
            let read = try NPYArray(path: path)
            XCTAssertEqual(read, array, type.rawValue)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }, [])
        }
        let encoded = try NPYArray(elementType: .float64, shape: [5], values: [1, 2, 3, 4, 5]).encoded()
        XCTAssertEqual((encoded.count - 40) % 64, 0, "the data start on a 64-byte boundary")
        XCTAssertThrowsError(try NPYArray(elementType: .float64, shape: [2, 2], values: [1]).encoded())
    }

    /// A version 1.0 file with `header` (padded) and `data`.
    private func npy(_ header: String, _ data: [UInt8], magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]) -> MappedBytes {
        var text = header
        text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
        let length = UInt16(text.utf8.count)
        return MappedBytes(copying: magic + [UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8) + data, name: "bad.npy")
    }

    func testStrictHeaders() throws {
        let eight = [UInt8](repeating: 0, count: 8)
        XCTAssertNoThrow(try NPYArray(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight)))
        let cases: [(MappedBytes, String)] = [
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight, magic: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x58, 1, 0]), "magic"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight, magic: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 4, 0]), "version 4.0"),
            (npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", eight), "descr '>f8' is not supported"),
            (npy("{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }", eight), "descr '<U4'"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", eight), "needs 16 data bytes, the file has 8"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight + [0]), "needs 8 data bytes, the file has 9"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", eight), "'shape'"),
            (npy("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", eight), "'fortran_order'"),
            (npy("{'descr': '<f8', 'shape': (1,), }", eight), "'fortran_order' is missing"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", eight), "unexpected key 'extra'"),
            (npy("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight), "appears twice"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", eight), "more elements than fit"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", eight), "'shape'"),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } x", eight), "after '}'"),
        ]
        for (file, words) in cases {
            assertThrows(try NPYArray(file), kind: .badInput, mentioning: ["bad.npy", words])
        }
    }

    func testEveryTruncationIsAnError() throws {
        for name in ["float64_2x3.npy", "float32_vector.npy", "int64_scalar.npy"] {
            assertEveryTruncationRefused(try TorchFormatFixtures.bytes(name), label: name) { _ = try NPYArray($0) }
        }
    }
}
