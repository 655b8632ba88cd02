import DatasetIO
import HensCore
import HensTestSupport
import XCTest

/// safetensors: the fixture, the streaming writer's round trip and atomicity, and the header
/// checks.
final class SafeTensorsTests: XCTestCase {
    func testFixture() throws {
        let file = try SafeTensorsFile(path: TorchFormatFixtures.path("small.safetensors"))
        XCTAssertEqual(file.metadata, ["format": "pt", "source": "hens fixtures"])
        XCTAssertEqual(file.tensors.map(\.name), ["weight", "bias", "half", "brain", "steps"])
        XCTAssertEqual(try file.tensor(named: "weight").shape, [2, 3])
        XCTAssertEqual(try file.float32Values("weight"), [0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(try file.float32Values("bias"), [Float(0.1), Float(-0.2)])
        XCTAssertEqual(try file.float32Values("half"), [1.5, -2, 0.5])
        XCTAssertEqual(try file.float32Values("brain"), [1, -3.5])
        let steps = try file.tensor(named: "steps")
        XCTAssertEqual(steps.elementType, .int64)
        XCTAssertEqual(steps.shape, [])
        XCTAssertEqual(file.withBytes(of: steps) { $0.loadUnaligned(as: Int64.self) }, 99)
        assertThrows(try file.float32Values("steps"), kind: .badInput, mentioning: ["small.safetensors", "steps", "int64"])
    }

    func testStreamingWriterRoundTrip() throws {
        let folder = try temporaryFolder("hens-safetensors")
        let path = folder + "/model.safetensors"
        let weights = (0..<1000).map { Float($0) * 0.25 - 7 }
        let declarations = [
            SafeTensorsWriter.Declaration(name: "encoder.fwd.0.weight", elementType: .float32, shape: [10, 100]),
            SafeTensorsWriter.Declaration(name: "empty", elementType: .float32, shape: [0, 3]),
            SafeTensorsWriter.Declaration(name: "model.blocks.0.filter.filter.weight", elementType: .complex64, shape: [3]),
            SafeTensorsWriter.Declaration(name: "scale \"quoted\"", elementType: .float64, shape: []),
        ]
        let writer = try SafeTensorsWriter(path: path, tensors: declarations, metadata: ["hens_version": "0.2.0", "note": "line\nbreak"])
        XCTAssertEqual(writer.nextTensor?.name, "encoder.fwd.0.weight")
        try writer.write(Array(weights[..<333]))  // in pieces
        try writer.write(Array(weights[333...]))
        XCTAssertEqual(writer.nextTensor?.name, "model.blocks.0.filter.filter.weight")  // the empty one needs no bytes
        try [Float](arrayLiteral: 1, -1, 2, -2, 3, -3).withUnsafeBytes { try writer.write($0) }
        try withUnsafeBytes(of: 2.5) { try writer.write($0) }
        XCTAssertNil(writer.nextTensor)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing under the final name before finish")
        try writer.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.safetensors"])

        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.metadata, ["hens_version": "0.2.0", "note": "line\nbreak"])
        XCTAssertEqual(file.tensors.map(\.name), ["encoder.fwd.0.weight", "empty", "model.blocks.0.filter.filter.weight", "scale \"quoted\""])
        XCTAssertEqual(try file.float32Values("encoder.fwd.0.weight"), weights)
        XCTAssertEqual(try file.float32Values("empty"), [])
        XCTAssertEqual(try file.float32Values("model.blocks.0.filter.filter.weight"), [1, -1, 2, -2, 3, -3])
        XCTAssertEqual(try file.float32Values("scale \"quoted\""), [2.5])
        // The header is padded to 8 bytes.
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8, 0)
    }

    func testWriterRefusesMisuseAndLeavesNothing() throws {
        let folder = try temporaryFolder("hens-safetensors")
        let path = folder + "/x.safetensors"
        let one = [SafeTensorsWriter.Declaration(name: "w", elementType: .float32, shape: [2])]
        assertThrows(try SafeTensorsWriter(path: path, tensors: one + one), kind: .invalidArgument, mentioning: ["'w'", "unique"])
        assertThrows(try SafeTensorsWriter(path: path, tensors: [.init(name: "__metadata__", elementType: .float32, shape: [1])]),
                     kind: .invalidArgument, mentioning: ["__metadata__"])
        let writer = try SafeTensorsWriter(path: path, tensors: one)
        try writer.write([1])
        assertThrows(try writer.finish(), kind: .internal, mentioning: ["'w'", "4 of 8 bytes"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
        let overfull = try SafeTensorsWriter(path: path, tensors: one)
        assertThrows(try overfull.write([1, 2, 3]), kind: .internal, mentioning: ["bytes more than the declared tensors hold"])
        overfull.discard()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    /// A file of `header` (JSON) and `data`.
    private func file(_ header: String, _ data: [UInt8]) -> MappedBytes {
        let h = Array(header.utf8)
        return MappedBytes(copying: withUnsafeBytes(of: UInt64(h.count).littleEndian, Array.init) + h + data, name: "bad.safetensors")
    }

    func testHeaderChecks() {
        let eight = [UInt8](repeating: 0, count: 8)
        XCTAssertNoThrow(try SafeTensorsFile(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, eight)))
        let cases: [(MappedBytes, String)] = [
            (file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight), "needs 12 bytes"),
            (file(#"{"a":{"dtype":"Q8","shape":[2],"data_offsets":[0,8]}}"#, eight), "dtype 'Q8'"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, eight + [1]), "data section has 9 bytes"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0]), "run past"),
            (file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, eight), "inside the previous"),
            (file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight), "gap"),
            (file(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, eight), "non-negative"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, eight), "data_offsets"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, eight), "appears twice"),
            (file(#"{"__metadata__":{"k":1}}"#, []), "__metadata__ 'k'"),
            (file(#"{"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}"#, []), "nested deeper"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, eight), "JSON"),
            (file(#"[1]"#, []), "does not start with '{'"),
            (MappedBytes(copying: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], name: "bad.safetensors"), "exceeds"),
        ]
        for (bytes, words) in cases {
            assertThrows(try SafeTensorsFile(bytes), kind: .badInput, mentioning: ["bad.safetensors", words])
        }
    }

    func testEveryTruncationIsAnError() throws {
        assertEveryTruncationRefused(try TorchFormatFixtures.bytes("small.safetensors"), label: "small.safetensors") { _ = try SafeTensorsFile($0) }
    }
}
