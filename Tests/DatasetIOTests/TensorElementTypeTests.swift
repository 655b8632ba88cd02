import HensTestSupport
import XCTest
@testable import DatasetIO

/// Element types: the names each format gives them, half and bfloat16 bits, strided copies.
final class TensorElementTypeTests: XCTestCase {
    func testFormatNamesRoundTrip() {
        for type in TensorElementType.allCases {
            XCTAssertEqual(TensorElementType(torchStorageName: type.torchStorageName), type)
            XCTAssertEqual(TensorElementType(safetensorsCode: type.safetensorsCode), type)
            if let descr = type.npyDescr { XCTAssertEqual(TensorElementType(npyDescr: descr), type) }
        }
        XCTAssertNil(TensorElementType(npyDescr: ">f8"))
        XCTAssertNil(TensorElementType(safetensorsCode: "F8_E4M3"))
        XCTAssertNil(TensorElementType(torchStorageName: "QInt8Storage"))
        XCTAssertEqual(TensorElementType.complex64.byteCount, 8)
        XCTAssertEqual(TensorElementType.complex64.componentCount, 2)
    }

    func testHalfAndBFloat16Bits() {
        let half: [(UInt16, Float)] = [(0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24),
                                       (0x0400, 0x1p-14), (0x8000, -0.0), (0x7C00, .infinity), (0xFC00, -.infinity), (0x3555, 0.333251953125)]
        for (bits, value) in half {
            XCTAssertEqual(floatFromHalfBits(bits), value, "0x\(String(bits, radix: 16))")
            XCTAssertEqual(floatFromHalfBits(bits).sign, value.sign)
        }
        XCTAssertTrue(floatFromHalfBits(0x7E00).isNaN)
        XCTAssertEqual(floatFromBFloat16Bits(0x3F80), 1)
        XCTAssertEqual(floatFromBFloat16Bits(0xC060), -3.5)
        XCTAssertEqual(floatFromBFloat16Bits(0x7F80), .infinity)
        XCTAssertTrue(floatFromBFloat16Bits(0x7FC0).isNaN)
    }

    /// A permuted 3-D view with an offset, against index arithmetic written out.
    func testStridedCopyMatchesIndexArithmetic() throws {
        let storage = (0..<200).map { Float($0) }
        let shape = [3, 4, 5], strides = [1, 15, 3], offset = 7
        let layout = try StridedLayout.validated(shape: shape, strides: strides, offset: offset, storageElements: 200).get()
        var out = [Float](repeating: -1, count: 60)
        storage.withUnsafeBytes { raw in out.withUnsafeMutableBufferPointer { layout.copyFloat32(from: raw, type: .float32, into: $0) } }
        var expected: [Float] = []
        for i in 0..<3 { for j in 0..<4 { for k in 0..<5 { expected.append(storage[offset + i * 1 + j * 15 + k * 3]) } } }
        XCTAssertEqual(out, expected)
        XCTAssertFalse(layout.isRowMajorContiguous)
        // A contiguous layout with size-1 dimensions of any stride is still contiguous.
        XCTAssertTrue(try StridedLayout.validated(shape: [1, 4], strides: [99, 1], offset: 0, storageElements: 4).get().isRowMajorContiguous)
    }
}
