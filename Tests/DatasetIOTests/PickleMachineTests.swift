import DatasetIO
import HensCore
import HensTestSupport
import XCTest

/// The restricted unpickler: the opcodes torch writes, the allow-list, and bounded work on
/// hostile streams.
final class PickleMachineTests: XCTestCase {
    private func load(_ bytes: [UInt8]) throws -> PickleDocument { try PickleMachine.load(bytes, context: "test.pkl") }

    private func utf8(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(b.count).littleEndian, Array.init) + b
    }

    func testScalars() throws {
        // PROTO 2, MARK, BININT -2, BININT1 200, BININT2 40000, LONG1 -1 (1 byte), LONG1 2^40,
        // BINFLOAT 1.5, NONE, NEWTRUE, SHORT_BINBYTES, 'é', TUPLE, STOP
        var p: [UInt8] = [0x80, 2, 0x28, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x4B, 200, 0x4D, 0x40, 0x9C, 0x8A, 1, 0xFF,
                          0x8A, 6, 0, 0, 0, 0, 0, 1, 0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x4E, 0x88, 0x43, 2, 9, 8]
        p += utf8("é") + [0x74, 0x2E]
        let document = try load(p)
        XCTAssertEqual(document.items(of: document.root),
                       [.int(-2), .int(200), .int(40000), .int(-1), .int(1 << 40), .float(1.5), .none, .bool(true), .bytes([9, 8]), .string("é")])
    }

    func testMemoisedListsAreShared() throws {
        // l = []; memo[0] = l; d = {'a': l}; then append 1 to memo[0]; root = (d, l)
        var p: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x7D] + utf8("a") + [0x68, 0, 0x73]  // ] q0 } 'a' h0 s
        p += [0x68, 0, 0x4B, 1, 0x61, 0x30]   // h0 K1 a POP
        p += [0x68, 0, 0x86, 0x2E]            // h0 TUPLE2 STOP
        let document = try load(p)
        let items = document.items(of: document.root)
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(document.items(of: items[1]), [.int(1)])
        XCTAssertEqual(document.items(of: try XCTUnwrap(document.value(forKey: "a", in: items[0]))), [.int(1)])
    }

    func testRefusedGlobalsAreNamed() throws {
        for (module, name) in [("os", "system"), ("builtins", "eval"), ("posix", "system"), ("builtins", "getattr"), ("subprocess", "Popen"),
                               ("torch", "load"), ("collections", "defaultdict")] {
            let p: [UInt8] = [0x80, 2, 0x63] + Array("\(module)\n\(name)\n".utf8) + utf8("id") + [0x85, 0x52, 0x2E]
            assertThrows(try load(p), kind: .badInput, mentioning: ["test.pkl", "global '\(module).\(name)' is not allowed", "tensor rebuild functions"])
            // The same through STACK_GLOBAL (protocol 4).
            let q: [UInt8] = [0x80, 4, 0x8C, UInt8(module.utf8.count)] + Array(module.utf8) + [0x8C, UInt8(name.utf8.count)] + Array(name.utf8)
                + [0x93, 0x2E]
            assertThrows(try load(q), kind: .badInput, mentioning: ["global '\(module).\(name)' is not allowed"])
        }
    }

    func testOpaqueObjectsAreRecordedNotRun() throws {
        // makani.utils.YParams.ParamsBase via NEWOBJ + BUILD.
        let p: [UInt8] = [0x80, 2, 0x63] + Array("makani.utils.YParams\nParamsBase\n".utf8) + [0x29, 0x81, 0x7D] + utf8("lr") + [0x4B, 3, 0x73, 0x62, 0x2E]
        let document = try load(p)
        let object = try XCTUnwrap(document.object(document.root))
        XCTAssertEqual(object.className, "makani.utils.YParams.ParamsBase")
        XCTAssertEqual(document.value(forKey: "lr", in: object.state), .int(3))
        // Without the allow-list entry, the class is refused.
        assertThrows(try PickleMachine.load(p, context: "strict.pkl", allowList: PickleAllowList()), kind: .badInput,
                     mentioning: ["global 'makani.utils.YParams.ParamsBase' is not allowed"])
    }

    func testMalformedStreams() {
        let cases: [([UInt8], String)] = [
            ([0x80, 2], "truncated"),                       // no STOP
            ([0x80, 9, 0x4E, 0x2E], "protocol 9"),
            ([0x80, 2, 0x2E], "stack is empty"),
            ([0x80, 2, 0x68, 5, 0x2E], "memo entry 5"),
            ([0x80, 2, 0x4E, 0x4B, 1, 0x61, 0x2E], "expected a list"),
            ([0x80, 2, 0x8A, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x2E], "up to 64 bits"),
            ([0x80, 2, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E], "remain"),
            ([0x80, 2, 0x58, 1, 0, 0, 0, 0xC3, 0x2E], "UTF-8"),
            ([0x80, 2, 0x49, 0x2E], "unsupported opcode"),  // INT (text protocol 0)
            ([0x80, 2, 0x74, 0x2E], "no MARK"),
            ([0x80, 2, 0x4E, 0x29, 0x52, 0x2E], "only allowed globals"),
        ]
        for (bytes, words) in cases {
            assertThrows(try load(bytes), kind: .badInput, mentioning: ["test.pkl", words])
        }
    }

    func testPersistentIdsMustNameStorages() {
        // ('storage', torch.FloatStorage, '../x', 'cpu', 2): a key that could leave data/.
        var p: [UInt8] = [0x80, 2, 0x28] + utf8("storage") + [0x63] + Array("torch\nFloatStorage\n".utf8)
        p += utf8("../x") + utf8("cpu") + [0x4B, 2, 0x74, 0x51, 0x2E]
        assertThrows(try load(p), kind: .badInput, mentioning: ["storage key", "../x"])
    }

    func testDeepNestingAndCyclesDoNotRecurse() throws {
        // A million nested lists: ] ] ] … then a million APPENDs; a list appended to itself.
        let depth = 1_000_000
        var p: [UInt8] = [0x80, 2]
        p += [UInt8](repeating: 0x5D, count: depth)
        p += [UInt8](repeating: 0x61, count: depth - 1)
        p += [0x71, 0, 0x68, 0, 0x61, 0x2E]  // memo[0] = outer; append it to itself
        let document = try load(p)
        guard case .list = document.root else { return XCTFail("root should be a list") }
        XCTAssertEqual(document.items(of: document.root).count, 2)
    }

    func testEveryTruncationIsAnError() throws {
        let archive = try ZipArchive(path: TorchFormatFixtures.path("makani_checkpoint.tar"))
        let pickle = try archive.contents(of: try XCTUnwrap(archive.entry(named: "best_ckpt_mp0/data.pkl")))
        assertEveryTruncationRefused(pickle, label: "data.pkl") { _ = try PickleMachine.load($0.bytes, context: $0.name) }
    }

    func testStackLimit() throws {
        let p: [UInt8] = [0x80, 2] + [UInt8](repeating: 0x4E, count: PickleMachine.maximumCount + 1) + [0x2E]
        assertThrows(try load(p), kind: .badInput, mentioning: ["on the stack"])
    }
}
