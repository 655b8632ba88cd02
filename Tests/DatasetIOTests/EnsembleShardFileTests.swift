import Foundation
import HensCore
import XCTest
@testable import DatasetIO

/// Shared fixtures of the ensemble output tests: a small grid, two channels, three leads.
class EnsembleOutputTestCase: TemporaryDirectoryTestCase {
    let latitudes = [60.0, 20.0, -20.0, -60.0]
    let longitudes = (0..<8).map { Double($0) * 45 }
    var layout: EnsembleOutputLayout {
        EnsembleOutputLayout(
            channels: [ChannelInfo(name: "z500", units: "m2 s-2", longName: "geopotential at 500 hPa",
                                   standardName: "geopotential"),
                       ChannelInfo(name: "t2m", units: "K", longName: "2 m temperature")],
            latitudes: latitudes, longitudes: longitudes, leads: [0, 6, 12], leadUnits: "hours",
            initialTime: 0, timeUnits: "hours since 2023-06-01 00:00:00")
    }
    let run = EnsembleRunInfo(checkpoints: ["ckpt-a.nc", "ckpt-b.nc"], baseSeed: 0xFEED_FACE_CAFE_BEEF,
                              perturbation: "bred-vector", config: "members: 6\nseed: 7\n")

    func members(_ range: Range<Int>) -> [EnsembleMember] {
        range.map { k in
            EnsembleMember(index: k, checkpoint: k % 2, seed: UInt64.max - UInt64(k), sign: k == 0 ? 0 : (k % 2 == 0 ? 1 : -1))
        }
    }

    /// A distinct, non-round field per (channel, global member, lead).
    func field(_ c: Int, _ member: Int, _ lead: Int) -> [Float] {
        (0..<32).map { i in 1000 * Float(c + 1) + Float(member) * 1.234567 + Float(lead) * 0.1 + Float(i) * 0.0137 }
    }

    /// Writes a whole shard file directly.
    func writeShard(_ path: String, members: [EnsembleMember], crop: GridCrop? = nil,
                    options: EnsembleShardOptions = EnsembleShardOptions()) throws {
        let writer = try EnsembleShardWriter(path: path, layout: layout, crop: crop, members: members, run: run, options: options)
        // Member by member, as the rollout produces them.
        for (slot, member) in members.enumerated() {
            for lead in layout.leads.indices {
                for c in layout.channels.indices {
                    try writer.write(channel: c, memberSlot: slot, lead: lead, field: field(c, member.index, lead))
                }
            }
        }
        try writer.finish()
    }
}

final class EnsembleShardFileTests: EnsembleOutputTestCase {
    func testRoundTrip() throws {
        let path = dir + "/2023-06-01T00-shard-0.nc"
        try writeShard(path, members: members(3..<7))
        XCTAssertEqual(try entries(), ["2023-06-01T00-shard-0.nc"])

        let reader = try EnsembleShardReader(path: path)
        XCTAssertEqual(reader.layout, layout)
        XCTAssertEqual(reader.members, members(3..<7))
        XCTAssertEqual(reader.run.checkpoints, run.checkpoints)
        XCTAssertEqual(reader.run.baseSeed, run.baseSeed)
        XCTAssertEqual(reader.run.perturbation, "bred-vector")
        XCTAssertEqual(reader.run.config, run.config)
        XCTAssertEqual(reader.run.attributes["hens_version"], HensVersion.string)
        for slot in 0..<4 {
            for lead in 0..<3 {
                for c in 0..<2 {
                    XCTAssertEqual(try reader.read(channel: c, memberSlot: slot, lead: lead), field(c, slot + 3, lead))
                }
            }
        }
        let storage = try reader.storage(channel: 0)
        XCTAssertEqual(storage.chunks, [1, 1, 4, 8])
        XCTAssertNil(storage.deflateLevel)
        XCTAssertNil(storage.significantDigits)
    }

    func testCFMetadataAndCompressionVisibleInNcdump() throws {
        let path = dir + "/shard.nc"
        try writeShard(path, members: members(0..<2), options: EnsembleShardOptions(deflateLevel: 4, shuffle: true))
        let storage = try EnsembleShardReader(path: path).storage(channel: 1)
        XCTAssertEqual(storage.chunks, [1, 1, 4, 8])
        XCTAssertEqual(storage.deflateLevel, 4)
        XCTAssertTrue(storage.shuffle)
        guard let header = try ncdump(["-hs", path]) else { throw XCTSkip("ncdump not installed") }
        for expected in ["float z500(member, lead, lat, lon)", "z500:_ChunkSizes = 1, 1, 4, 8", "z500:_DeflateLevel = 4",
                         "z500:_Shuffle = \"true\"", "z500:standard_name = \"geopotential\"", "z500:units = \"m2 s-2\"",
                         "lead:units = \"hours\"", "time:units = \"hours since 2023-06-01 00:00:00\"",
                         "uint64 seed(member)", "byte sign(member)", "sign:flag_values = -1b, 0b, 1b",
                         "member:standard_name = \"realization\"", "int checkpoint(member)", "int member(member)",
                         ":base_seed = 18369614221190020847ULL", ":perturbation = \"bred-vector\"",
                         ":Conventions = \"CF-1.8\""] {
            XCTAssertTrue(header.contains(expected), "ncdump -hs lacks '\(expected)':\n\(header)")
        }
    }

    func testQuantisationKeepsRequestedDigits() throws {
        for quantization in [EnsembleShardOptions.Quantization.bitGroom, .granularBitRound] {
            let path = dir + "/q-\(quantization.rawValue).nc"
            let options = EnsembleShardOptions(deflateLevel: 1, significantDigits: 3, quantization: quantization)
            try writeShard(path, members: members(0..<2), options: options)
            let reader = try EnsembleShardReader(path: path)
            XCTAssertEqual(try reader.storage(channel: 0).significantDigits, 3)
            var changed = 0, total = 0
            for slot in 0..<2 {
                let original = field(0, slot, 2), stored = try reader.read(channel: 0, memberSlot: slot, lead: 2)
                for (x, q) in zip(original, stored) {
                    // 3 significant digits: off by at most half a unit in the 3rd digit.
                    let unit = Float(pow(10, (log10(Double(abs(x)))).rounded(.down) - 2))
                    XCTAssertLessThanOrEqual(abs(q - x), 0.5 * unit, "\(quantization): \(x) → \(q)")
                    if q != x { changed += 1 }
                    total += 1
                }
            }
            XCTAssertGreaterThan(changed, total / 2, "\(quantization): quantisation left most values exact")
        }
    }

    func testBadOptionsFailWithOneLine() throws {
        let path = dir + "/bad.nc"
        XCTAssertThrowsError(try writeShard(path, members: members(0..<1), options: EnsembleShardOptions(significantDigits: 9))) {
            XCTAssertTrue(($0 as? HensError)?.message.contains("significant digits must be 1…7") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try writeShard(path, members: members(0..<1), options: EnsembleShardOptions(deflateLevel: 0)))
        XCTAssertEqual(try entries(), [])
    }

    func testCropAcrossGreenwich() throws {
        // Box 50°W…50°E, 30°S…70°N on a 0…315° grid: columns 315°, 0°, 45°.
        let crop = try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: -30, north: 70, west: -50, east: 50)
        XCTAssertEqual(crop.rows, 0..<3)
        XCTAssertEqual(crop.columns, [7, 0, 1])
        XCTAssertEqual(crop.longitudes(of: longitudes), [-45, 0, 45])

        let path = dir + "/crop.nc"
        try writeShard(path, members: members(0..<2), crop: crop)
        let reader = try EnsembleShardReader(path: path)
        XCTAssertEqual(reader.layout.latitudes, [60, 20, -20])
        XCTAssertEqual(reader.layout.longitudes, [-45, 0, 45])
        XCTAssertNotNil(reader.run.attributes["crop"])
        XCTAssertEqual(try reader.storage(channel: 0).chunks, [1, 1, 3, 3])
        let full = field(1, 1, 2), stored = try reader.read(channel: 1, memberSlot: 1, lead: 2)
        let expected = (0..<3).flatMap { row in [7, 0, 1].map { full[row * 8 + $0] } }
        XCTAssertEqual(stored, expected)
    }

    func testCropBoxVariants() throws {
        // Same box written as 310…50 east; a box inside the grid; the whole circle.
        let wrapped = try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: -90, north: 90, west: 310, east: 50)
        XCTAssertEqual(wrapped.columns, [7, 0, 1])
        XCTAssertEqual(wrapped.rows, 0..<4)
        let inner = try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: 0, north: 90, west: 90, east: 180)
        XCTAssertEqual(inner.columns, [2, 3, 4])
        XCTAssertEqual(inner.rows, 0..<2)
        XCTAssertEqual(inner.longitudes(of: longitudes), [90, 135, 180])
        let all = try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: -90, north: 90, west: -180, east: 180)
        XCTAssertEqual(all.columns, [4, 5, 6, 7, 0, 1, 2, 3])
        XCTAssertEqual(all.longitudes(of: longitudes), [-180, -135, -90, -45, 0, 45, 90, 135])
        XCTAssertThrowsError(try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: 70, north: 80, west: 0, east: 10))
        XCTAssertThrowsError(try GridCrop.box(latitudes: latitudes, longitudes: longitudes, south: 10, north: -10, west: 0, east: 10))
    }

    func testIncompleteShardIsNotPublished() throws {
        let path = dir + "/shard.nc"
        let writer = try EnsembleShardWriter(path: path, layout: layout, members: members(0..<2), run: run)
        try writer.write(channel: 0, memberSlot: 0, lead: 0, field: field(0, 0, 0))
        XCTAssertThrowsError(try writer.finish()) { error in
            let message = (error as? HensError)?.message ?? ""
            XCTAssertTrue(message.contains("member slot"), message)
            XCTAssertFalse(message.contains("\n"))
        }
        XCTAssertEqual(try entries(), [], "nothing may be left under the final or a temporary name")
    }

    func testAbortedWriterLeavesExistingFileUntouched() throws {
        let path = dir + "/shard.nc"
        try writeShard(path, members: members(0..<1))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let writer = try EnsembleShardWriter(path: path, layout: layout, members: members(0..<2), run: run)
            try writer.write(channel: 0, memberSlot: 0, lead: 0, field: field(0, 0, 0))
            writer.abort()
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try entries(), ["shard.nc"])
    }

    func testUnwritableOutputGivesOneLineError() throws {
        // The parent is a regular file: fails even as root.
        let blocker = dir + "/not-a-directory"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
        let path = blocker + "/shard.nc"
        XCTAssertThrowsError(try EnsembleShardWriter(path: path, layout: layout, members: members(0..<1), run: run)) { error in
            guard let error = error as? HensError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .io)
            XCTAssertTrue(error.message.hasPrefix(path + ": cannot create the file"), error.message)
            XCTAssertFalse(error.message.contains("\n"))
        }
        let summaryPath = blocker + "/summary-0.nc"
        let arrays = SummaryArrays(leadCount: 3, channelCount: 2, latitudeCount: 4, longitudeCount: 8)
        XCTAssertThrowsError(try EnsembleSummaryFile.write(
            path: summaryPath, contents: .init(layout: layout, arrays: arrays, memberIndices: [], run: run))) { error in
            XCTAssertTrue((error as? HensError)?.message.hasPrefix(summaryPath + ": cannot create the file") ?? false, "\(error)")
        }
    }

    func testForeignFileIsRejected() throws {
        let path = dir + "/train.nc"
        let writer = try DatasetSplitWriter(path: path, channels: [ChannelInfo(name: "h", units: "m")],
                                            latitudes: latitudes, longitudes: longitudes, times: [0],
                                            timeUnits: "hours since 2000-01-01 00:00:00", trajectories: 1)
        try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: [Float](repeating: 1, count: 32))
        try writer.finish()
        XCTAssertThrowsError(try EnsembleShardReader(path: path)) { error in
            XCTAssertEqual((error as? HensError)?.kind, .badInput)
            XCTAssertTrue((error as? HensError)?.message.hasPrefix(path + ": missing dimension") ?? false, "\(error)")
        }
    }
}
