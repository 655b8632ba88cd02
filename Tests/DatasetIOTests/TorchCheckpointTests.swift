@testable import DatasetIO
import HensCore
import HensTestSupport
import XCTest

/// `torch.save` files read without torch: the stdlib-made fixtures (exact layout and values),
/// one file written by torch itself, a makani training checkpoint, and malicious pickles.
final class TorchCheckpointTests: XCTestCase {
    /// The state dict of scripts/torch-format-fixtures.py, checked value by value.
    private func assertFixtureStateDict(_ checkpoint: TorchCheckpoint, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(checkpoint.tensors.map(\.name), ["a", "c", "t", "s", "h", "bf", "d", "attr", "num_batches_tracked"], file: file, line: line)
        XCTAssertEqual(try checkpoint.float32Values("a"), [0, 0.5, 1, 1.5, 2, 2.5], file: file, line: line)
        let a = try checkpoint.tensor(named: "a")
        XCTAssertEqual(a.elementType, .float32)
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.strides, [3, 1])
        XCTAssertTrue(a.isContiguous)

        let c = try checkpoint.tensor(named: "c")
        XCTAssertEqual(c.elementType, .complex64)
        XCTAssertTrue(c.isParameter)
        XCTAssertEqual(c.float32Count, 8)
        XCTAssertEqual(try checkpoint.float32Values("c"), [0, 0, 1, -1, 2, -2, 3, -3], file: file, line: line)

        // t = base.t() of base = arange(12).reshape(3, 4): strides (1, 4), not contiguous.
        let t = try checkpoint.tensor(named: "t")
        XCTAssertEqual(t.shape, [4, 3])
        XCTAssertEqual(t.strides, [1, 4])
        XCTAssertFalse(t.isContiguous)
        XCTAssertEqual(try checkpoint.float32Values("t"), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], file: file, line: line)
        // s = base[1:]: the same storage from element 4.
        let s = try checkpoint.tensor(named: "s")
        XCTAssertEqual(s.storageOffset, 4)
        XCTAssertEqual(s.storageKey, t.storageKey)
        XCTAssertEqual(s.storageElementCount, 12)
        XCTAssertEqual(try checkpoint.float32Values("s"), [4, 5, 6, 7, 8, 9, 10, 11], file: file, line: line)

        XCTAssertEqual(try checkpoint.tensor(named: "h").elementType, .float16)
        XCTAssertEqual(try checkpoint.float32Values("h"), [1.5, -2, 65504, 0x1p-24], file: file, line: line)  // subnormal exact
        XCTAssertEqual(try checkpoint.float32Values("bf"), [1, -3.5, 256], file: file, line: line)
        XCTAssertEqual(try checkpoint.float64Values("d"), [0.1, -1e300], file: file, line: line)
        XCTAssertEqual(try checkpoint.float32Values("d")[0], Float(0.1), file: file, line: line)
        XCTAssertEqual(try checkpoint.float32Values("d")[1], -.infinity, file: file, line: line)  // rounds out of Float's range
        XCTAssertEqual(try checkpoint.float32Values("attr"), [7, 8], file: file, line: line)
        let counter = try checkpoint.tensor(named: "num_batches_tracked")
        XCTAssertEqual(counter.shape, [])
        XCTAssertEqual(counter.elementCount, 1)
        XCTAssertEqual(try checkpoint.float64Values("num_batches_tracked"), [42], file: file, line: line)
        assertThrows(try checkpoint.float32Values("num_batches_tracked"), kind: .badInput, mentioning: ["num_batches_tracked", "int64", "Float32"])
    }

    func testStateDictFixture() throws {
        let checkpoint = try TorchCheckpoint(path: TorchFormatFixtures.path("state_dict.pt"))
        XCTAssertEqual(checkpoint.prefix, "state_dict/")
        XCTAssertEqual(checkpoint.stateDictKeyPath, [])
        try assertFixtureStateDict(checkpoint)
        // The OrderedDict's _metadata attribute (a BUILD) is kept, not applied.
        XCTAssertNotNil(checkpoint.document.attributes(of: checkpoint.document.root))
    }

    func testZip64Fixture() throws {
        try assertFixtureStateDict(try TorchCheckpoint(path: TorchFormatFixtures.path("zip64.pt")))
    }

    func testMakaniTrainingCheckpoint() throws {
        let checkpoint = try TorchCheckpoint(path: TorchFormatFixtures.path("makani_checkpoint.tar"))
        XCTAssertEqual(checkpoint.stateDictKeyPath, ["model_state"])
        try assertFixtureStateDict(checkpoint)
        let document = checkpoint.document
        XCTAssertEqual(document.value(forKey: "iters", in: document.root), .int(1200))
        XCTAssertEqual(document.value(forKey: "epoch", in: document.root), .int(3))
        let params = try XCTUnwrap(document.object(try XCTUnwrap(document.value(forKey: "params", in: document.root))))
        XCTAssertEqual(params.className, "makani.utils.YParams.ParamsBase")
        XCTAssertEqual(document.value(forKey: "lr", in: params.state), .float(1e-3))
        let scheduler = try XCTUnwrap(document.value(forKey: "scheduler_state_dict", in: document.root))
        XCTAssertEqual(document.value(forKey: "name", in: scheduler), .bytes(Array("cosine".utf8)))  // _codecs.encode

        // The optimiser's state dict, chosen by key path: no string keys there (ints), refused clearly.
        assertThrows(try TorchCheckpoint(path: TorchFormatFixtures.path("makani_checkpoint.tar"), stateDictKeyPath: ["optimizer_state_dict", "state"]),
                     kind: .badInput, mentioning: ["makani_checkpoint.tar", "not a string"])
        assertThrows(try TorchCheckpoint(path: TorchFormatFixtures.path("makani_checkpoint.tar"), stateDictKeyPath: ["model"]),
                     kind: .badInput, mentioning: ["no key 'model'", "model_state"])
        // Without the makani class in the allow-list, the params object is refused by name.
        assertThrows(try TorchCheckpoint(path: TorchFormatFixtures.path("makani_checkpoint.tar"), allowList: PickleAllowList()),
                     kind: .badInput, mentioning: ["best_ckpt_mp0/data.pkl", "global 'makani.utils.YParams.ParamsBase' is not allowed"])
    }

    func testFileWrittenByTorch() throws {
        // torch 2.x (see the fixtures' README): Parameter, views, _rebuild_from_type_v2.
        let checkpoint = try TorchCheckpoint(path: TorchFormatFixtures.path("real_torch.pt"))
        XCTAssertEqual(checkpoint.prefix, "real_torch/")
        XCTAssertEqual(checkpoint.tensors.map(\.name), ["a", "c", "h", "t", "s", "bf", "attr"])
        XCTAssertEqual(try checkpoint.float32Values("a"), [0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertTrue(try checkpoint.tensor(named: "c").isParameter)
        XCTAssertEqual(try checkpoint.float32Values("c"), [0, -0.0, 1, -1, 2, -2, 3, -3])
        XCTAssertEqual(try checkpoint.float32Values("h"), [1.5, -2, 65504, 0x1p-24])
        XCTAssertEqual(try checkpoint.tensor(named: "t").strides, [1, 4])
        XCTAssertEqual(try checkpoint.float32Values("t"), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        XCTAssertEqual(try checkpoint.tensor(named: "s").storageOffset, 4)
        XCTAssertEqual(try checkpoint.float32Values("s"), [4, 5, 6, 7, 8, 9, 10, 11])
        XCTAssertEqual(try checkpoint.float32Values("bf"), [1, -3.5, 256])
        XCTAssertEqual(try checkpoint.float32Values("attr"), [7, 8])
    }

    func testCopyIntoCallerBufferChecksItsSize() throws {
        let checkpoint = try TorchCheckpoint(path: TorchFormatFixtures.path("state_dict.pt"))
        var buffer = [Float](repeating: -1, count: 12)
        try buffer.withUnsafeMutableBufferPointer { try checkpoint.copyFloat32("t", into: $0) }
        XCTAssertEqual(buffer, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        var short = [Float](repeating: 0, count: 11)
        XCTAssertThrowsError(try short.withUnsafeMutableBufferPointer { try checkpoint.copyFloat32("t", into: $0) })
        assertThrows(try checkpoint.tensor(named: "missing"), kind: .badInput, mentioning: ["state_dict.pt", "no tensor 'missing'"])
    }

    func testMaliciousPicklesAreRefusedNamingTheGlobal() {
        for (file, global) in [("evil_os_system.pt", "os.system"), ("evil_builtins_eval.pt", "builtins.eval"),
                               ("evil_posix_system.pt", "posix.system"), ("evil_subprocess_popen.pt", "subprocess.Popen")] {
            assertThrows(try TorchCheckpoint(path: TorchFormatFixtures.path(file)), kind: .badInput,
                         mentioning: [file, "archive/data.pkl", "global '\(global)' is not allowed",
                                      "a torch state dict needs only tensor rebuild functions, storage types and OrderedDict"])
        }
    }

    func testLegacyAndForeignFilesAreRefused() throws {
        let legacy = MappedBytes(copying: [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8], name: "old.pth")
        assertThrows(try TorchCheckpoint(legacy), kind: .badInput, mentioning: ["old.pth", "legacy", "1.6"])
        let npy = try TorchFormatFixtures.bytes("float64_2x3.npy")
        assertThrows(try TorchCheckpoint(MappedBytes(copying: npy, name: "x.npy")), kind: .badInput, mentioning: ["x.npy", "not a torch.save file"])
    }

    func testStorageSmallerThanTheViewIsRefused() throws {
        // Shrink storage '2' (the 3×4 base of t and s) in its persistent id from 12 elements to
        // 11, in place, and give the edited pickle a matching CRC-32.
        var bytes = try TorchFormatFixtures.bytes("state_dict.pt")
        let archive = try ZipArchive(MappedBytes(copying: bytes, name: "x"))
        let entry = try XCTUnwrap(archive.entry(named: "state_dict/data.pkl"))
        let key: [UInt8] = [0x58, 1, 0, 0, 0, 0x32]  // BINUNICODE '2'
        let start = entry.dataOffset, end = entry.dataOffset + entry.compressedSize
        let at = try XCTUnwrap((start..<(end - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key })
        let count = try XCTUnwrap((at..<end).first { bytes[$0] == 0x4B && bytes[$0 + 1] == 12 })  // BININT1 12
        bytes[count + 1] = 11
        let crc = CRC32.checksum(Array(bytes[start..<end]))
        let central = try XCTUnwrap((0..<(bytes.count - 4)).first { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 1 && bytes[$0 + 3] == 2 })
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[central + 16 + i] = $0[i] } }  // data.pkl is the first entry
        assertThrows(try TorchCheckpoint(MappedBytes(copying: bytes, name: "shrunk.pt")), kind: .badInput,
                     mentioning: ["shrunk.pt", "tensor 't'", "state_dict/data/2"])
    }

    func testEveryTruncationIsAnError() throws {
        for name in ["makani_checkpoint.tar", "real_torch.pt"] {
            assertEveryTruncationRefused(try TorchFormatFixtures.bytes(name), label: name) { _ = try TorchCheckpoint($0) }
        }
    }

    func testLayoutsOutsideTheirStorageAreRefused() {
        func problem(_ shape: [Int], _ strides: [Int], _ offset: Int, _ storage: Int) -> String? {
            if case .failure(let p) = StridedLayout.validated(shape: shape, strides: strides, offset: offset, storageElements: storage) { return p.reason }
            return nil
        }
        XCTAssertNil(problem([4, 3], [1, 4], 0, 12))
        XCTAssertNotNil(problem([4, 3], [1, 4], 1, 12))      // reaches element 12
        XCTAssertNotNil(problem([2], [Int.max / 2], 0, 12))  // overflow-checked
        XCTAssertNotNil(problem([-1], [1], 0, 12))
        XCTAssertNotNil(problem([2, 2], [1], 0, 12))
        XCTAssertNil(problem([0, 5], [5, 1], 100, 0))        // empty tensors touch nothing
    }
}
