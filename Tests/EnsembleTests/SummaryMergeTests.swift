import DatasetIO
import Foundation
import HensCore
import XCTest
@testable import Ensemble
import HensTestSupport

/// Summary conversion (StreamingSummary ⇄ SummaryArrays) and shard merging through real files.
final class SummaryMergeTests: XCTestCase {
    private let members = 30, leads = 2, channels = 2, nlat = 3, nlon = 4
    private let thresholds: [[Float]] = [[10, 12], [8]]
    private let blocks = [0..<7, 7..<19, 19..<30]   // three shards of unequal size
    private var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryFolder("hens-merge")
        try FileManager.default.createDirectory(atPath: dir + "/2023-06-01T00", withIntermediateDirectories: true)
    }

    // MARK: Fixtures

    /// `[member][lead][channel][point]` values around 10 with deliberate ties (every 7th rounded).
    private func ensembleFields(nanAt: Int? = nil) -> [Float] {
        var rng = SeededGenerator(seed: 2024)
        let n = members * leads * channels * nlat * nlon
        return (0..<n).map { i in
            if i == nanAt { return .nan }
            let v = Float(rng.nextNormal() * 3 + 10)
            return i % 7 == 0 ? v.rounded() : v
        }
    }

    /// A summary of `range`'s members, fed in batches of 4.
    private func summary(of data: [Float], members range: Range<Int>) throws -> StreamingSummary {
        let points = nlat * nlon
        var s = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds)
        let memberStride = leads * channels * points
        var first = range.lowerBound
        while first < range.upperBound {
            let b = min(4, range.upperBound - first)
            for lead in 0..<leads {
                for c in 0..<channels {
                    data.withUnsafeBufferPointer { d in
                        s.update(lead: lead, channel: c, fields: d.baseAddress! + first * memberStride + (lead * channels + c) * points,
                                 members: Array(first..<(first + b)), fieldStride: memberStride)
                    }
                }
            }
            first += b
        }
        return s
    }

    private var layout: EnsembleOutputLayout {
        EnsembleOutputLayout(channels: [ChannelInfo(name: "t2m", units: "K"), ChannelInfo(name: "z500", units: "m2 s-2")],
                             latitudes: [60, 20, -20], longitudes: [0, 90, 180, 270], leads: [6, 12],
                             initialTime: 0, timeUnits: "hours since 2023-06-01 00:00:00")
    }

    private func contents(_ s: StreamingSummary, members: [Int], shard: String) -> EnsembleSummaryFile.Contents {
        EnsembleSummaryFile.Contents(
            layout: layout, arrays: s.arrays(latitudeCount: nlat, longitudeCount: nlon), memberIndices: members,
            run: EnsembleRunInfo(checkpoints: ["ckpt/seed-1.nc", "ckpt/seed-2.nc"], baseSeed: 0xFFFF_0000_1234_5678,
                                 perturbation: "bred-vector", config: "members: 30\n",
                                 attributes: ["member_count": "30", "member_selection": "0..29", "shard": shard]))
    }

    /// The three shards, written with `EnsembleSummaryFile.write` and read back.
    private func shardParts(_ data: [Float]) throws -> [(path: String, contents: EnsembleSummaryFile.Contents)] {
        let paths = ForecastPaths(root: dir)
        return try blocks.enumerated().map { k, block in
            let path = paths.shardSummary(initLabel: "2023-06-01T00", shard: try ShardSpec(index: k, count: 3))
            try EnsembleSummaryFile.write(path: path, contents: contents(try summary(of: data, members: block),
                                                                         members: Array(block), shard: "\(k)/3"))
            return (path, try EnsembleSummaryFile.read(path: path))
        }
    }

    /// Bitwise equality of two summaries (NaN-aware, unlike `==`).
    private func assertIdentical(_ a: StreamingSummary, _ b: StreamingSummary, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.leads, b.leads, file: file, line: line)
        XCTAssertEqual(a.channels, b.channels, file: file, line: line)
        XCTAssertEqual(a.points, b.points, file: file, line: line)
        XCTAssertEqual(a.thresholds, b.thresholds, file: file, line: line)
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        XCTAssertEqual(a.mean.map(\.bitPattern), b.mean.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(a.m2.map(\.bitPattern), b.m2.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(a.minimum.map(\.bitPattern), b.minimum.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(a.maximum.map(\.bitPattern), b.maximum.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(a.argmin, b.argmin, file: file, line: line)
        XCTAssertEqual(a.argmax, b.argmax, file: file, line: line)
        XCTAssertEqual(a.exceedances, b.exceedances, file: file, line: line)
    }

    // MARK: Conversion

    func testConversionRoundTripIsExactWithNaN() throws {
        let data = ensembleFields(nanAt: 5)   // member 0, lead 0, channel 0, point 5
        let s = try summary(of: data, members: 0..<members)
        XCTAssertTrue(s.mean(lead: 0, channel: 0)[5].isNaN, "NaN propagates into the mean")
        let a = s.arrays(latitudeCount: nlat, longitudeCount: nlon)
        XCTAssertEqual(a.thresholds, [SummaryThreshold(channel: 0, value: 10), SummaryThreshold(channel: 0, value: 12),
                                      SummaryThreshold(channel: 1, value: 8)])
        XCTAssertEqual(Set(a.count), [Int32(members)])
        // Exceedances on file are (threshold, lead, point): threshold 2 is channel 1's first.
        let points = nlat * nlon
        XCTAssertEqual(Array(a.exceedances[(2 * leads + 1) * points..<(2 * leads + 2) * points]),
                       s.exceedances(lead: 1, channel: 1, threshold: 0).map { Int32($0) })
        let back = try StreamingSummary(arrays: a)
        assertIdentical(back, s)
        // And arrays → summary → arrays is the identity too.
        let again = back.arrays(latitudeCount: nlat, longitudeCount: nlon)
        XCTAssertEqual(again.mean.map(\.bitPattern), a.mean.map(\.bitPattern))
        XCTAssertEqual(again.count, a.count)
        XCTAssertEqual(again.exceedances, a.exceedances)
        XCTAssertEqual(again.thresholds, a.thresholds)
    }

    func testConversionOfEmptySummaries() throws {
        for thresholds in [[], [[Float](), [3.5]]] as [[[Float]]] {
            let s = try StreamingSummary(leads: 1, channels: 2, points: 6, thresholds: thresholds)
            let a = s.arrays(latitudeCount: 2, longitudeCount: 3)
            XCTAssertEqual(a, SummaryArrays(leadCount: 1, channelCount: 2, latitudeCount: 2, longitudeCount: 3,
                                            thresholds: a.thresholds), "an empty summary is the empty file arrays")
            XCTAssertEqual(try StreamingSummary(arrays: a), s)
        }
    }

    func testConversionRejectsInconsistentArrays() throws {
        let s = try summary(of: ensembleFields(), members: 0..<5)
        var a = s.arrays(latitudeCount: nlat, longitudeCount: nlon)
        a.count[3] += 1
        XCTAssertTrue(errorMessage { try StreamingSummary(arrays: a) }.contains("count is not constant over lead 0, channel 0"))

        let base = SummaryArrays(leadCount: 1, channelCount: 2, latitudeCount: 1, longitudeCount: 2,
                                 thresholds: [SummaryThreshold(channel: 2, value: 1)])
        XCTAssertTrue(errorMessage { try StreamingSummary(arrays: base) }.contains("refers to channel 2, expected 0..<2"))
        let unordered = SummaryArrays(leadCount: 1, channelCount: 2, latitudeCount: 1, longitudeCount: 2,
                                      thresholds: [SummaryThreshold(channel: 1, value: 1), SummaryThreshold(channel: 0, value: 1)])
        XCTAssertTrue(errorMessage { try StreamingSummary(arrays: unordered) }.contains("ordered by channel"))
        let notFloat = SummaryArrays(leadCount: 1, channelCount: 1, latitudeCount: 1, longitudeCount: 2,
                                     thresholds: [SummaryThreshold(channel: 0, value: 0.1)])
        XCTAssertTrue(errorMessage { try StreamingSummary(arrays: notFloat) }.contains("not a Float32 value"))
    }

    // MARK: Merge

    func testMergedShardsEqualOnePass() throws {
        let data = ensembleFields()
        let single = try summary(of: data, members: 0..<members)
        let parts = try shardParts(data)
        let merged = try SummaryMerge.merge(Array(parts.reversed()))   // shard order, not argument order
        XCTAssertEqual(merged.memberIndices, Array(0..<members))
        XCTAssertEqual(merged.run.attributes["shard"], "merged")
        XCTAssertEqual(merged.run.attributes["member_count"], "30")
        XCTAssertEqual(merged.run.attributes["member_selection"], "0..29")
        XCTAssertEqual(merged.layout, parts[0].contents.layout)

        // Through a file, as `hens merge` does.
        let path = ForecastPaths(root: dir).mergedSummary(initLabel: "2023-06-01T00")
        try EnsembleSummaryFile.write(path: path, contents: merged, deflateLevel: 1)
        let m = try StreamingSummary(arrays: try EnsembleSummaryFile.read(path: path).arrays)
        XCTAssertEqual(m.count, single.count)
        // Order-free statistics are exact under any shard split (determinism contract (A)); the
        // merged mean and M2 combine the shards' moments in another grouping than one pass (a
        // sum in another order), so they agree to double rounding.
        for (a, b) in zip(m.mean, single.mean) { XCTAssertLessThanOrEqual(abs(a - b), 1e-12 * abs(b)) }
        for (a, b) in zip(m.m2, single.m2) { XCTAssertLessThanOrEqual(abs(a - b), 1e-12 * abs(b)) }
        XCTAssertEqual(m.minimum, single.minimum)
        XCTAssertEqual(m.maximum, single.maximum)
        XCTAssertEqual(m.argmin, single.argmin)
        XCTAssertEqual(m.argmax, single.argmax)
        XCTAssertEqual(m.exceedances, single.exceedances)
        XCTAssertGreaterThan(m.exceedances.reduce(0, +), 0)
    }

    func testMergeNamesMissingShard() throws {
        let parts = try shardParts(ensembleFields())
        let text = errorMessage { try SummaryMerge.merge([parts[0], parts[2]]) }
        XCTAssertTrue(text.contains("shard 1/3 missing: \(dir)/2023-06-01T00/summary-shard-1-of-3.nc"), text)
        XCTAssertTrue(errorMessage { try SummaryMerge.merge([parts[0], parts[1], parts[1]]) }.contains("shard 1/3 given twice"))
    }

    func testMergeNamesDuplicatedMember() throws {
        var parts = try shardParts(ensembleFields())
        parts[2].contents.memberIndices[0] = 3
        let text = errorMessage { try SummaryMerge.merge(parts) }
        XCTAssertTrue(text.contains("member 3 is summarised twice: in \(parts[0].path) and in \(parts[2].path)"), text)
    }

    func testMergeNamesMemberMissingFromUnion() throws {
        var parts = try shardParts(ensembleFields())
        parts[1].contents.memberIndices.removeAll { $0 == 11 }
        let text = errorMessage { try SummaryMerge.merge(parts) }
        XCTAssertTrue(text.contains("member 11 of member_selection (0..29) is in no shard summary"), text)
    }

    func testMergeRejectsMismatchedRuns() throws {
        let parts = try shardParts(ensembleFields())
        var leads = parts
        leads[1].contents.layout.leads = [6, 18]
        XCTAssertTrue(errorMessage { try SummaryMerge.merge(leads) }.contains("\(parts[1].path): leads"))
        var grid = parts
        grid[2].contents.layout.latitudes = [61, 20, -20]
        XCTAssertTrue(errorMessage { try SummaryMerge.merge(grid) }.contains("grid"))
        var seed = parts
        seed[1].contents.run.baseSeed = 1
        XCTAssertTrue(errorMessage { try SummaryMerge.merge(seed) }.contains("base seed"))
        var selection = parts
        selection[2].contents.run.attributes["member_selection"] = "0..30"
        XCTAssertTrue(errorMessage { try SummaryMerge.merge(selection) }.contains("attribute 'member_selection'"))
        var count = parts
        count[0].contents.run.attributes["shard"] = "0/4"
        XCTAssertTrue(errorMessage { try SummaryMerge.merge(count) }.contains("its name says shard 0/3"))
        var unfinished = parts
        unfinished[1].contents.arrays.count = unfinished[1].contents.arrays.count.map { $0 - 1 }
        XCTAssertTrue(errorMessage { try SummaryMerge.merge(unfinished) }.contains("is the shard unfinished?"))
    }

    func testSelectionTextRoundTrip() throws {
        XCTAssertEqual(MemberSelection.format(Array(0...4095)), "0..4095")
        XCTAssertEqual(MemberSelection.format([42, 17]), "17,42")
        XCTAssertEqual(MemberSelection.format(Array(0...9) + Array(20...29) + [31]), "0..9,20..29,31")
        XCTAssertEqual(MemberSelection.format([]), "")
        for indices in [[5], [0, 1], [3, 7, 8, 9, 100], Array(0..<64)] {
            XCTAssertEqual(try MemberSelection.parse(MemberSelection.format(indices), memberCount: 128), indices)
        }
        XCTAssertEqual(SummaryMerge.shardInFileName("OUT/x/summary-shard-2-of-4.nc"), try ShardSpec(index: 2, count: 4))
        XCTAssertNil(SummaryMerge.shardInFileName("OUT/x/summary-shard-2-of-4.state.nc"))
        XCTAssertNil(SummaryMerge.shardInFileName("OUT/x/summary.nc"))
    }
}
