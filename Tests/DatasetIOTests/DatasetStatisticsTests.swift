import Foundation
import HensCore
import XCTest
@testable import DatasetIO

final class DatasetStatisticsTests: TemporaryDirectoryTestCase {
    func testRoundTrip() throws {
        let stats = DatasetStatistics(channels: ["vorticity", "h", "z500"], mean: [1.5e-7, 8_000.25, -0.0],
                                      std: [3.3e-5, 512.125, 1e300], tendencyStd: [1e-6, 10, .leastNonzeroMagnitude])
        let path = DatasetLayout.statsPath(dir)
        try stats.write(to: path, attributes: ["source": "unit test"])
        XCTAssertEqual(try entries(), ["stats.nc"])
        let back = try DatasetStatistics.read(from: path)
        XCTAssertEqual(back, stats)
        XCTAssertEqual(back.mean.map(\.bitPattern), stats.mean.map(\.bitPattern))

        if let header = try ncdump(["-h", path]) {
            XCTAssertTrue(header.contains("string channel(channel)"), header)
            XCTAssertTrue(header.contains("double tendency_std(channel)"), header)
            XCTAssertTrue(header.contains(":Conventions = \"CF-1.8\""), header)
            XCTAssertTrue(header.contains(":source = \"unit test\""), header)
        }
    }

    func testInconsistentLengthsAreRejectedAndWriteNothing() {
        let stats = DatasetStatistics(channels: ["a", "b"], mean: [0], std: [1, 1], tendencyStd: [1, 1])
        XCTAssertThrowsError(try stats.write(to: DatasetLayout.statsPath(dir)))
        XCTAssertEqual(try entries(), [])
    }

    func testReadingASplitAsStatisticsFails() throws {
        let path = DatasetLayout.splitPath(dir, "train")
        let writer = try DatasetSplitWriter(path: path, channels: [ChannelInfo(name: "h", units: "m")], latitudes: [0],
                                            longitudes: [0], times: [0], timeUnits: "hours since 2000-01-01",
                                            trajectories: 1)
        try writer.write(channel: 0, trajectory: 0, timeIndex: 0, field: [1])
        try writer.finish()
        XCTAssertThrowsError(try DatasetStatistics.read(from: path)) { error in
            XCTAssertEqual((error as? HensError)?.message, "\(path): missing dimension 'channel'")
        }
        XCTAssertThrowsError(try DatasetStatistics.read(from: dir + "/none.nc")) { error in
            XCTAssertTrue((error as? HensError)?.message.contains("none.nc") ?? false, "\(error)")
        }
    }
}

final class RunningMomentsTests: XCTestCase {
    /// Deterministic values with a large offset, where a naive sum of squares loses digits.
    func sample(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return 5_000 + Float(Double(state >> 11) / Double(1 << 53) * 20 - 10)
        }
    }

    /// Direct two-pass weighted mean and population variance.
    func twoPass(_ values: [Float], rowWeights: [Double]?) -> (count: Double, mean: Double, variance: Double) {
        let columns = rowWeights.map { values.count / $0.count } ?? values.count
        let w = values.indices.map { rowWeights?[$0 / columns] ?? 1 }
        let total = w.reduce(0, +)
        let mean = zip(values, w).map { Double($0) * $1 }.reduce(0, +) / total
        let variance = zip(values, w).map { (Double($0) - mean) * (Double($0) - mean) * $1 }.reduce(0, +) / total
        return (total, mean, variance)
    }

    func testUnweightedMatchesTwoPass() {
        let values = sample(1000, seed: 1)
        var m = RunningMoments()
        m.add(values: values)
        let ref = twoPass(values, rowWeights: nil)
        XCTAssertEqual(m.count, 1000)
        XCTAssertEqual(m.mean, ref.mean, accuracy: 1e-12 * abs(ref.mean))
        XCTAssertEqual(m.variance, ref.variance, accuracy: 1e-10 * ref.variance)
        XCTAssertEqual(m.std, ref.variance.squareRoot(), accuracy: 1e-10)
        // The variance of a uniform on [-10, 10] is 100/3: the sample must be close to it.
        XCTAssertEqual(m.variance, 100.0 / 3, accuracy: 3)
    }

    func testWeightedRowsMatchTwoPass() {
        let rows = 16, columns = 32
        let weights = (0..<rows).map { cos((Double($0) + 0.5) / Double(rows) * .pi - .pi / 2) }
        var values = sample(rows * columns, seed: 2)
        for c in 0..<columns { values[c] += 100 } // make the weighting matter
        var m = RunningMoments()
        m.add(values: values, weights: weights)
        let ref = twoPass(values, rowWeights: weights)
        XCTAssertEqual(m.count, ref.count, accuracy: 1e-9)
        XCTAssertEqual(m.mean, ref.mean, accuracy: 1e-12 * abs(ref.mean))
        XCTAssertEqual(m.variance, ref.variance, accuracy: 1e-10 * ref.variance)
        var unweighted = RunningMoments()
        unweighted.add(values: values)
        XCTAssertGreaterThan(abs(unweighted.mean - m.mean), 1e-3, "weights must change the mean")
    }

    func testMergeEqualsAllAtOnce() {
        let fields = (0..<7).map { sample(64, seed: UInt64(10 + $0)) }
        let weights = [0.5, 1, 1, 0.5]
        var all = RunningMoments()
        for f in fields { all.add(values: f, weights: weights) }

        // Two workers with an uneven split, merged in the other order.
        var a = RunningMoments(), b = RunningMoments()
        for f in fields[..<2] { a.add(values: f, weights: weights) }
        for f in fields[2...] { b.add(values: f, weights: weights) }
        let merged = b.merged(with: a)
        XCTAssertEqual(merged.count, all.count)
        XCTAssertEqual(merged.mean, all.mean, accuracy: 1e-12 * abs(all.mean))
        XCTAssertEqual(merged.m2, all.m2, accuracy: 1e-10 * all.m2)

        let ref = twoPass(fields.flatMap { $0 }, rowWeights: Array(repeating: weights, count: fields.count).flatMap { $0 })
        XCTAssertEqual(merged.variance, ref.variance, accuracy: 1e-10 * ref.variance)

        var empty = RunningMoments()
        empty.merge(RunningMoments())
        XCTAssertTrue(empty.variance.isNaN)
        XCTAssertEqual(empty.merged(with: a), a)
        XCTAssertEqual(a.merged(with: RunningMoments()), a)
    }

    func testScalarAdds() {
        var m = RunningMoments()
        for x in [2.0, 4, 4, 4, 5, 5, 7, 9] { m.add(x) }
        XCTAssertEqual(m.mean, 5)
        XCTAssertEqual(m.std, 2)
    }
}
