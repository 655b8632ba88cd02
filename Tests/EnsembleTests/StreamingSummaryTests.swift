import XCTest
import Dispatch
import HensCore
@testable import Ensemble

final class StreamingSummaryTests: XCTestCase {
    /// Members × leads × channels × points of reproducible values, with deliberate ties.
    private func ensemble(members: Int, leads: Int, channels: Int, points: Int) -> [Float] {
        var rng = SeededGenerator(seed: 99)
        return (0..<(members * leads * channels * points)).map { i in
            // Every 7th value is rounded to create exact ties across members.
            let v = Float(rng.nextNormal() * 3 + 10)
            return i % 7 == 0 ? v.rounded() : v
        }
    }

    /// Feeds members `range` (layout [member][lead][channel][point]) in batches of `batch`.
    private func accumulate(_ s: inout StreamingSummary, _ data: [Float], members: Range<Int>, batch: Int) {
        let lc = s.leads * s.channels * s.points, cp = s.channels * s.points
        var first = members.lowerBound
        while first < members.upperBound {
            let b = min(batch, members.upperBound - first)
            for lead in 0..<s.leads {
                for c in 0..<s.channels {
                    data.withUnsafeBufferPointer { d in
                        s.update(lead: lead, channel: c, fields: d.baseAddress! + first * lc + lead * cp + c * s.points,
                                 members: Array(first..<(first + b)), fieldStride: lc)
                    }
                }
            }
            first += b
        }
    }

    func testStatisticsMatchDirectComputation() throws {
        let (m, leads, channels, points) = (13, 2, 2, 50)
        let data = ensemble(members: m, leads: leads, channels: channels, points: points)
        var s = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: [[10, 12], [8]])
        accumulate(&s, data, members: 0..<m, batch: 5)
        let lc = leads * channels * points
        for lead in 0..<leads {
            for c in 0..<channels {
                XCTAssertEqual(s.count(lead: lead, channel: c), m)
                let mean = s.mean(lead: lead, channel: c), variance = s.variance(lead: lead, channel: c)
                let (lo, alo) = s.minimum(lead: lead, channel: c), (hi, ahi) = s.maximum(lead: lead, channel: c)
                for p in 0..<points {
                    let xs = (0..<m).map { data[$0 * lc + (lead * channels + c) * points + p] }
                    let mu = xs.reduce(0.0) { $0 + Double($1) } / Double(m)
                    let v = xs.reduce(0.0) { $0 + (Double($1) - mu) * (Double($1) - mu) } / Double(m - 1)
                    XCTAssertEqual(mean[p], mu, accuracy: 1e-12)
                    XCTAssertEqual(variance[p], v, accuracy: 1e-10)
                    XCTAssertEqual(lo[p], xs.min()!)
                    XCTAssertEqual(hi[p], xs.max()!)
                    XCTAssertEqual(Int(alo[p]), xs.firstIndex(of: xs.min()!)!, "lowest member wins ties")
                    XCTAssertEqual(Int(ahi[p]), xs.firstIndex(of: xs.max()!)!, "lowest member wins ties")
                    for (t, threshold) in s.thresholds[c].enumerated() {
                        XCTAssertEqual(Int(s.exceedances(lead: lead, channel: c, threshold: t)[p]), xs.filter { $0 > threshold }.count)
                    }
                }
            }
        }
    }

    func testThreeShardsMergeToOnePass() throws {
        let (m, leads, channels, points) = (30, 2, 3, 200)
        let data = ensemble(members: m, leads: leads, channels: channels, points: points)
        let thresholds: [[Float]] = [[9], [], [10, 11]]
        var single = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds)
        accumulate(&single, data, members: 0..<m, batch: 8)
        // Shards of unequal size, merged out of order, so ties must be resolved by index.
        var shards = [0..<7, 7..<19, 19..<30].map { r -> StreamingSummary in
            var s = try! StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds)
            accumulate(&s, data, members: r, batch: 4)
            return s
        }
        var merged = shards.removeLast()
        try merged.merge(shards[0])
        try merged.merge(shards[1])
        XCTAssertEqual(merged.count, single.count)
        XCTAssertEqual(merged.minimum, single.minimum)
        XCTAssertEqual(merged.maximum, single.maximum)
        XCTAssertEqual(merged.argmin, single.argmin)
        XCTAssertEqual(merged.argmax, single.argmax)
        XCTAssertEqual(merged.exceedances, single.exceedances)
        for i in single.mean.indices {
            XCTAssertEqual(merged.mean[i], single.mean[i], accuracy: 1e-12 * abs(single.mean[i]))
            XCTAssertEqual(merged.m2[i], single.m2[i], accuracy: 1e-10 * abs(single.m2[i]))
        }
        var empty = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds)
        try empty.merge(single)
        XCTAssertEqual(empty, single, "merging into an empty summary copies")
        let restored = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds,
                                            count: merged.count, mean: merged.mean, m2: merged.m2, minimum: merged.minimum,
                                            maximum: merged.maximum, argmin: merged.argmin, argmax: merged.argmax,
                                            exceedances: merged.exceedances)
        XCTAssertEqual(restored, merged, "a summary read back from its arrays is the same summary")
        XCTAssertThrowsError(try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds,
                                                  count: merged.count, mean: merged.mean, m2: [], minimum: merged.minimum,
                                                  maximum: merged.maximum, argmin: merged.argmin, argmax: merged.argmax,
                                                  exceedances: merged.exceedances))
        let other = try StreamingSummary(leads: leads, channels: channels, points: points + 1, thresholds: thresholds)
        XCTAssertThrowsError(try merged.merge(other))
    }

    func testThreadCountDoesNotChangeResults() throws {
        let (m, points) = (9, 20_000)
        let data = ensemble(members: m, leads: 1, channels: 1, points: points)
        let saved = Parallel.threadCount
        defer { Parallel.configure(threads: saved) }
        var results: [StreamingSummary] = []
        for threads in [1, 2] {
            Parallel.configure(threads: threads)
            var s = try StreamingSummary(leads: 1, channels: 1, points: points, thresholds: [[10]])
            accumulate(&s, data, members: 0..<m, batch: 3)
            results.append(s)
        }
        // Determinism contract (A): the thread count never changes a summary's bits.
        XCTAssertEqual(results[0], results[1])
    }

    func testMemoryIndependentOfMemberCount() throws {
        var few = try StreamingSummary(leads: 1, channels: 1, points: 100, thresholds: [[0]])
        var many = few
        let bytes = few.byteCount
        accumulate(&few, ensemble(members: 2, leads: 1, channels: 1, points: 100), members: 0..<2, batch: 2)
        accumulate(&many, ensemble(members: 500, leads: 1, channels: 1, points: 100), members: 0..<500, batch: 64)
        XCTAssertEqual(few.byteCount, bytes)
        XCTAssertEqual(many.byteCount, bytes)
        XCTAssertEqual(many.count(lead: 0, channel: 0), 500)
    }

    func testVarianceNeedsTwoMembersAndBadShapesThrow() throws {
        var s = try StreamingSummary(leads: 1, channels: 1, points: 2)
        [Float(1), 2].withUnsafeBufferPointer { s.update(lead: 0, channel: 0, fields: $0.baseAddress!, members: [3]) }
        XCTAssertTrue(s.variance(lead: 0, channel: 0).allSatisfy(\.isNaN))
        XCTAssertThrowsError(try StreamingSummary(leads: 1, channels: 2, points: 2, thresholds: [[1]]))
        XCTAssertThrowsError(try StreamingSummary(leads: 0, channels: 1, points: 2))
    }

    /// Guards against a pathological (e.g. quadratic or copying) kernel: 2 M member-points take
    /// ≈ 0.05 s on an idle core; the bound is loose because CI machines may be shared.
    func testUpdateThroughput() throws {
        let points = 64 * 128, members = 256
        let data = ensemble(members: members, leads: 1, channels: 1, points: points)
        var s = try StreamingSummary(leads: 1, channels: 1, points: points, thresholds: [[10, 12]])
        let start = DispatchTime.now().uptimeNanoseconds
        accumulate(&s, data, members: 0..<members, batch: 64)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertLessThan(seconds, 5, "\(Double(points * members) / seconds / 1e6) M member-points/s")
    }
}
