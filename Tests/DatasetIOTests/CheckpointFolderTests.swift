import Foundation
import HensCore
import HensTestSupport
import XCTest
@testable import DatasetIO

/// Finding the checkpoints of a `hens train` folder (`--checkpoints DIR`).
final class CheckpointFolderTests: XCTestCase {
    func testSeedsInNumericOrderAndFilesPassThrough() throws {
        let root = try temporaryFolder("hens-checkpoints")
        for seed in [10, 2, 1] {
            let folder = CheckpointFolder.seedFolder(root, seed: UInt64(seed))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: folder + "checkpoint.nc"))
        }
        // A seed folder whose training never wrote a checkpoint, and unrelated entries, are skipped.
        try FileManager.default.createDirectory(atPath: root + "/seed-3", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/seed-x", withIntermediateDirectories: true)
        let expected = [1, 2, 10].map { "\(root)/seed-\($0)/checkpoint.nc" }
        XCTAssertEqual(try CheckpointFolder.checkpoints(in: root), expected)
        XCTAssertEqual(try CheckpointFolder.expand(["/elsewhere/x.nc", root]), ["/elsewhere/x.nc"] + expected)
        XCTAssertEqual(CheckpointFolder.seedFolder(root + "/", seed: 4), root + "/seed-4/")
    }

    func testAFolderWithoutCheckpointsIsNamed() throws {
        let root = try temporaryFolder("hens-checkpoints")
        assertThrows(try CheckpointFolder.expand([root]), kind: .badInput, mentioning: [root, "seed-N/checkpoint.nc"])
    }
}
