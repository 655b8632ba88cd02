import DatasetIO
import HensCore
import HensTestSupport
import Foundation
import XCTest

/// The fixtures of scripts/torch-format-fixtures.py, beside this file.
enum TorchFormatFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch-formats").path

    /// The path of fixture `name`.
    static func path(_ name: String) -> String { folder + "/" + name }

    /// The bytes of fixture `name`.
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: path(name)), "fixture \(name) is missing"))
    }

    /// Fixture bytes held in memory under `name` (readers take these like a mapped file).
    static func mapped(_ bytes: [UInt8], name: String) -> MappedBytes { MappedBytes(copying: bytes, name: name) }
}

/// Asserts that `parse` refuses every proper prefix of `bytes` with a one-line `HensError`
/// naming the prefix (`<label>-cut-<length>`), and reads the whole.
func assertEveryTruncationRefused(_ bytes: [UInt8], label: String, file: StaticString = #filePath, line: UInt = #line,
                                  _ parse: (MappedBytes) throws -> Void) {
    XCTAssertNoThrow(try parse(MappedBytes(copying: bytes, name: label)), "the whole of \(label)", file: file, line: line)
    for length in 0..<bytes.count {
        let name = "\(label)-cut-\(length)"
        assertThrows(try parse(MappedBytes(copying: bytes.prefix(length), name: name)), kind: .badInput, mentioning: [name], file: file, line: line)
    }
}
