import DatasetIO
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
