import Foundation
import HensCore
import XCTest
@testable import DatasetIO

final class EnsembleSummaryFileTests: EnsembleOutputTestCase {
    /// Statistics with a distinct value at every point.
    func sampleArrays() -> SummaryArrays {
        var arrays = SummaryArrays(leadCount: 3, channelCount: 2, latitudeCount: 4, longitudeCount: 8,
                                   thresholds: [SummaryThreshold(channel: 0, value: 5500 * 9.81),
                                                SummaryThreshold(channel: 1, value: 303.15)])
        for i in 0..<arrays.pointCount {
            arrays.count[i] = Int32(6 + i % 3)
            arrays.mean[i] = Double(i) * 1.000_000_000_1 + 0.1
            arrays.m2[i] = Double(i) / 3
            arrays.minimum[i] = Float(i) - 0.5
            arrays.maximum[i] = Float(i) + 0.25
            arrays.argmin[i] = Int32(i % 6)
            arrays.argmax[i] = Int32(5 - i % 6)
        }
        for i in arrays.exceedances.indices { arrays.exceedances[i] = Int32(i % 7) }
        return arrays
    }

    func testRoundTrip() throws {
        let path = dir + "/summary-0.nc"
        let contents = EnsembleSummaryFile.Contents(layout: layout, arrays: sampleArrays(), memberIndices: Array(0..<6), run: run)
        try EnsembleSummaryFile.write(path: path, contents: contents, deflateLevel: 2)
        XCTAssertEqual(try entries(), ["summary-0.nc"])
        let back = try EnsembleSummaryFile.read(path: path)
        XCTAssertEqual(back.layout, contents.layout)
        XCTAssertEqual(back.arrays, contents.arrays)
        XCTAssertEqual(back.memberIndices, Array(0..<6))
        XCTAssertEqual(back.run.baseSeed, run.baseSeed)
        XCTAssertEqual(back.run.checkpoints, run.checkpoints)

        guard let header = try ncdump(["-hs", path]) else { throw XCTSkip("ncdump not installed") }
        for expected in ["int count(lead, channel, lat, lon)", "double m2(lead, channel, lat, lon)",
                         "float min(lead, channel, lat, lon)", "int argmax(lead, channel, lat, lon)",
                         "int exceedance(threshold, lead, lat, lon)", "string threshold_channel(threshold)",
                         "mean:_ChunkSizes = 1, 1, 4, 8", "mean:_DeflateLevel = 2"] {
            XCTAssertTrue(header.contains(expected), "ncdump -hs lacks '\(expected)':\n\(header)")
        }
    }

    func testEmptyStatisticsAndNoThresholds() throws {
        let path = dir + "/summary-1.nc"
        let arrays = SummaryArrays(leadCount: 3, channelCount: 2, latitudeCount: 4, longitudeCount: 8)
        try EnsembleSummaryFile.write(path: path, contents: .init(layout: layout, arrays: arrays, memberIndices: [], run: run))
        let back = try EnsembleSummaryFile.read(path: path)
        XCTAssertEqual(back.arrays, arrays)
        XCTAssertEqual(back.arrays.minimum.first, .infinity)
        XCTAssertEqual(back.memberIndices, [])
    }

    func testMismatchedArraysLeaveNoFile() throws {
        let path = dir + "/summary-2.nc"
        var arrays = sampleArrays()
        arrays.mean.removeLast()
        XCTAssertThrowsError(try EnsembleSummaryFile.write(
            path: path, contents: .init(layout: layout, arrays: arrays, memberIndices: [], run: run))) { error in
            XCTAssertTrue((error as? HensError)?.message.contains("array 'mean' has 191 values") ?? false, "\(error)")
        }
        let wrongShape = SummaryArrays(leadCount: 2, channelCount: 2, latitudeCount: 4, longitudeCount: 8)
        XCTAssertThrowsError(try EnsembleSummaryFile.write(
            path: path, contents: .init(layout: layout, arrays: wrongShape, memberIndices: [], run: run)))
        XCTAssertEqual(try entries(), [])
    }

    func testRewriteReplacesAtomically() throws {
        let path = dir + "/summary-3.nc"
        let first = EnsembleSummaryFile.Contents(layout: layout, arrays: sampleArrays(), memberIndices: [0, 1], run: run)
        try EnsembleSummaryFile.write(path: path, contents: first)
        var second = first
        second.memberIndices = [0, 1, 2, 3]
        second.arrays.count = second.arrays.count.map { $0 + 2 }
        try EnsembleSummaryFile.write(path: path, contents: second)
        let back = try EnsembleSummaryFile.read(path: path)
        XCTAssertEqual(back.arrays, second.arrays)
        XCTAssertEqual(back.memberIndices, second.memberIndices)
        XCTAssertEqual(try entries(), ["summary-3.nc"])
    }
}
