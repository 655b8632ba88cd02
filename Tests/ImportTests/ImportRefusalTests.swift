import DatasetIO
import Foundation
import HensCore
import HensTestSupport
import ModelImport
import XCTest

/// Bad packages: each is one line naming the file and what was expected, and nothing is written.
final class ImportRefusalTests: XCTestCase {
    /// A writable copy of the HENS-fork fixture package.
    func packageCopy() throws -> String {
        let folder = try temporaryFolder("import-refusal") + "/package"
        try FileManager.default.copyItem(atPath: try MakaniParityTests.fixture("hens-fork"), toPath: folder)
        return folder
    }

    /// Edits the copy's config.json.
    func editConfig(_ folder: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = folder + "/config.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// The import's error for `folder` (or for `input` when given); asserts it is one line
    /// and that no output appeared.
    func importError(_ folder: String, input: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        let out = (folder as NSString).deletingLastPathComponent + "/out.nc"
        do {
            _ = try CheckpointImport.run(try ModelPackage(input: input ?? folder), output: out)
            XCTFail("imported", file: file, line: line)
            return ""
        } catch {
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "output written for: \(message)", file: file, line: line)
            return message
        }
    }

    func testTruncatedCheckpointIsRefused() throws {
        let folder = try packageCopy()
        let weights = folder + "/training_checkpoints/best_ckpt_mp0.tar"
        let data = try Data(contentsOf: URL(fileURLWithPath: weights))
        for length in [data.count - 1, data.count / 2, 100, 0] {
            try data.prefix(length).write(to: URL(fileURLWithPath: weights))
            let message = importError(folder)
            XCTAssertTrue(message.hasPrefix(weights), "length \(length): \(message)")
        }
    }

    func testWrongShapesAreRefused() throws {
        let folder = try packageCopy()
        try editConfig(folder) { $0["embed_dim"] = 16 }
        let message = importError(folder)
        XCTAssertTrue(message.contains("best_ckpt_mp0.tar: tensor 'module.model.encoder.fwd.0.weight' is [32, 44, 1, 1]"), message)
        XCTAssertTrue(message.contains("another architecture or grid"), message)
    }

    func testMissingStatisticsAreRefused() throws {
        let folder = try packageCopy()
        try FileManager.default.removeItem(atPath: folder + "/global_stds.npy")
        XCTAssertEqual(importError(folder), "\(folder)/global_stds.npy: missing channel standard deviations (give --stds)")
        let other = try packageCopy()
        try NPYArray(elementType: .float32, shape: [1, 3, 1, 1], values: [1, 2, 3]).write(to: other + "/global_stds.npy")
        XCTAssertTrue(importError(other).contains("global_stds.npy: shape [1, 3, 1, 1] does not hold one value per channel"))
    }

    func testUnknownArchitectureValuesAreRefused() throws {
        for (key, value, expected) in [("filter_type", "non-linear" as Any, "filter_type is 'non-linear'; hens imports filter_type 'linear'"),
                                       ("operator_type", "diagonal", "operator_type is 'diagonal'"),
                                       ("add_cos_to_grid", true, "add_cos_to_grid is true; hens imports add_cos_to_grid false"),
                                       ("encoder_layers", 2, "encoder_layers is 2")] {
            let folder = try packageCopy()
            try editConfig(folder) { $0[key] = value }
            let message = importError(folder)
            XCTAssertTrue(message.hasPrefix(folder + "/config.json: ") && message.contains(expected), message)
        }
    }

    func testPackageForAnotherGridIsRefused() throws {
        let folder = try packageCopy()
        try editConfig(folder) {
            $0["img_shape_x"] = 65
            $0["img_shape_y"] = 128
            $0["img_crop_shape_x"] = 65
            $0["img_crop_shape_y"] = 128
        }
        XCTAssertTrue(importError(folder).contains("lat is 33 values; hens imports 65 (img_shape_x)"))
        try editConfig(folder) {
            $0.removeValue(forKey: "lat")
            $0.removeValue(forKey: "lon")
        }
        let message = importError(folder)
        XCTAssertTrue(message.contains("filter.filter.weight") || message.contains("orography.nc"), message)
    }

    func testMaliciousPickleIsRefusedNamingTheGlobal() throws {
        let folder = try packageCopy()
        // DatasetIO's format fixtures (Tests/DatasetIOTests/Fixtures/torch-formats, made by
        // scripts/torch-format-fixtures.py): a torch-layout ZIP whose pickle calls os.system.
        let evil = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
            + "/DatasetIOTests/Fixtures/torch-formats/evil_os_system.pt"
        guard FileManager.default.fileExists(atPath: evil) else { throw XCTSkip("\(evil) is not in this checkout") }
        let name = evil
        try FileManager.default.removeItem(atPath: folder + "/training_checkpoints/best_ckpt_mp0.tar")
        try FileManager.default.copyItem(atPath: name, toPath: folder + "/training_checkpoints/best_ckpt_mp0.tar")
        let message = importError(folder)
        XCTAssertTrue(message.contains("'os.system'"), message)
    }
}
