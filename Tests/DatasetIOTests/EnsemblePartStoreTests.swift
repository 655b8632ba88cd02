import Foundation
import HensCore
import XCTest
@testable import DatasetIO

final class EnsemblePartStoreTests: EnsembleOutputTestCase {
    let batches = [0..<2, 2..<4, 4..<6]

    func store(_ shard: String, crop: GridCrop? = nil) -> EnsemblePartStore {
        EnsemblePartStore(shardPath: dir + "/" + shard, layout: layout, crop: crop, run: run,
                          options: EnsembleShardOptions(deflateLevel: 1, significantDigits: 4))
    }

    func commit(_ store: EnsemblePartStore, batch: Int) throws {
        let batchMembers = members(batches[batch])
        try store.commit(batch: batch, members: batchMembers) { c, slot, lead in field(c, batchMembers[slot].index, lead) }
    }

    /// Every decoded field of a shard file, in (member, channel, lead) order.
    func decoded(_ reader: EnsembleShardReader) throws -> [[Float]] {
        try reader.members.indices.flatMap { slot in
            try reader.layout.channels.indices.flatMap { c in
                try reader.layout.leads.indices.map { try reader.read(channel: c, memberSlot: slot, lead: $0) }
            }
        }
    }

    func testResumeAfterKillEqualsUninterruptedRun() throws {
        let crop = try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: -90, north: 90, west: -50, east: 50)
        // Uninterrupted run.
        let straight = store("a-shard-0.nc", crop: crop)
        XCTAssertEqual(try straight.completedBatches(), [])
        for batch in batches.indices { try commit(straight, batch: batch) }
        XCTAssertEqual(try straight.completedBatches(), [0, 1, 2])
        let expected = try decoded(straight.assemble(batchCount: 3))

        // Killed run: batch 0 committed, batch 1 half-written (its temporary file left by a dead
        // process), batch 2 never started.
        let killed = store("b-shard-0.nc", crop: crop)
        XCTAssertFalse(killed.isAssembled)
        try commit(killed, batch: 0)
        let deadPid: Int32 = 2_000_000_000
        let orphan = killed.partPath(batch: 1) + ".tmp-\(deadPid)"
        _ = FileManager.default.createFile(atPath: orphan, contents: Data("half a part".utf8))
        XCTAssertThrowsError(try killed.assemble(batchCount: 3)) { error in
            XCTAssertTrue((error as? HensError)?.message.contains("part missing") ?? false, "\(error)")
        }
        XCTAssertFalse(exists(killed.shardPath), "a failed assembly must not leave the shard file")

        // Restart with the same command: skip completed batches, do the rest, assemble.
        let restarted = store("b-shard-0.nc", crop: crop)
        let done = try restarted.completedBatches()
        XCTAssertEqual(done, [0])
        XCTAssertFalse(exists(orphan), "the dead writer's temporary part must be cleaned up")
        for batch in batches.indices where !done.contains(batch) { try commit(restarted, batch: batch) }
        let resumed = try restarted.assemble(batchCount: 3)

        XCTAssertEqual(resumed.members, members(0..<6))
        XCTAssertEqual(resumed.layout, layout.cropped(by: crop))
        XCTAssertEqual(try resumed.storage(channel: 0).significantDigits, 4)
        XCTAssertEqual(try resumed.storage(channel: 0).deflateLevel, 1)
        XCTAssertEqual(try decoded(resumed), expected)
        XCTAssertEqual(resumed.run.attributes["crop"], try EnsembleShardReader(path: straight.shardPath).run.attributes["crop"])
        XCTAssertEqual(try entries(), ["a-shard-0.nc", "b-shard-0.nc"], "parts must be removed after assembly")
        XCTAssertTrue(restarted.isAssembled)
        XCTAssertEqual(try restarted.completedBatches(), [])
    }

    func testPartsAreLosslessAndComplete() throws {
        let parts = store("c-shard-1.nc")
        try commit(parts, batch: 1)
        let part = try EnsembleShardReader(path: parts.partPath(batch: 1))
        XCTAssertEqual(parts.partPath(batch: 1), dir + "/c-shard-1.part-1.nc")
        XCTAssertNil(try part.storage(channel: 0).significantDigits)
        XCTAssertNil(try part.storage(channel: 0).deflateLevel)
        XCTAssertEqual(try part.storage(channel: 0).chunks, [1, 1, 4, 8])
        XCTAssertEqual(try part.read(channel: 1, memberSlot: 1, lead: 2), field(1, 3, 2))
    }

    func testFailedBatchLeavesNoPart() throws {
        let parts = store("d-shard-0.nc")
        struct ModelBlewUp: Error {}
        XCTAssertThrowsError(try parts.commit(batch: 0, members: members(0..<2)) { c, slot, lead in
            if slot == 1 { throw ModelBlewUp() }
            return field(c, slot, lead)
        })
        XCTAssertEqual(try parts.completedBatches(), [])
        XCTAssertEqual(try entries(), [])
    }

    func testAssemblyRefusesPartsOfAnotherRun() throws {
        let parts = store("e-shard-0.nc")
        try commit(parts, batch: 0)
        var otherRun = run
        otherRun.baseSeed = 1
        let other = EnsemblePartStore(shardPath: parts.shardPath, layout: layout, run: otherRun)
        XCTAssertThrowsError(try other.assemble(batchCount: 1)) { error in
            XCTAssertTrue((error as? HensError)?.message.contains("another layout or run") ?? false, "\(error)")
        }
        XCTAssertFalse(exists(parts.shardPath))
    }
}
