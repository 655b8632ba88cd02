import HensCore
import XCTest
@testable import Scores

/// The tiled, threaded per-point pass and the ensemble-size bootstrap.
final class PointPassTests: XCTestCase {
    /// The thread count before the test: tests set it, and it is process-wide.
    private var previousThreads = Parallel.threadCount

    override func setUp() {
        super.setUp()
        previousThreads = Parallel.threadCount
    }

    override func tearDown() {
        Parallel.configure(threads: previousThreads)
        super.tearDown()
    }

    /// A member-major field of a perfect ensemble: members and truth i.i.d. N(0, 1) (quantised
    /// to `step` when given, which creates ties).
    struct Field {
        var members: [Float]
        var truth: [Float]
        let m: Int, n: Int

        init(m: Int, n: Int, seed: UInt64, step: Float? = nil) {
            self.m = m
            self.n = n
            var g = SeededGenerator(seed: seed)
            func draw() -> Float {
                let v = Float(g.nextNormal())
                guard let step else { return v }
                return (v / step).rounded() * step
            }
            members = (0..<(m * n)).map { _ in draw() }
            truth = (0..<n).map { _ in draw() }
        }

        /// Point p's members (member-major storage).
        func point(_ p: Int) -> [Float] { (0..<m).map { members[$0 * n + p] } }
    }

    /// Runs the pass over points lo..<hi of `field` as its own tile (a sub-field).
    func run(_ f: Field, _ range: Range<Int>? = nil, events: [[Float]] = [], tails: [[Float]] = [],
             climate: [Float]? = nil, quantiles: [Double] = [], seed: UInt64 = 9) -> PointPassOutput {
        let r = range ?? 0..<f.n
        let members = (0..<f.m).flatMap { i in f.members[(i * f.n + r.lowerBound)..<(i * f.n + r.upperBound)] }
        let truth = Array(f.truth[r])
        let ev = events.map { Array($0[r]) }, ta = tails.map { Array($0[r]) }
        let cl = climate.map { Array($0[(r.lowerBound * 101)..<(r.upperBound * 101)]) }
        var out = PointPassOutput(pointCount: r.count, quantileLevels: quantiles.count, events: ev.count,
                                  tails: ta.count, climate: cl != nil)
        withPointers(ev + ta) { thresholds in
            members.withUnsafeBufferPointer { mp in
                truth.withUnsafeBufferPointer { tp in
                    (cl ?? []).withUnsafeBufferPointer { cp in
                        let input = PointPassInput(members: mp, memberCount: f.m, pointCount: r.count, truth: tp,
                                                   eventThresholds: Array(thresholds[0..<ev.count]),
                                                   tailThresholds: Array(thresholds[ev.count...]),
                                                   climate: cl == nil ? nil : cp, quantileLevels: quantiles,
                                                   tieBreakSeed: seed, firstPointIndex: r.lowerBound)
                        EnsemblePointPass.run(input, into: &out)
                    }
                }
            }
        }
        return out
    }

    /// Buffer pointers to each array for the body's duration.
    func withPointers(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) -> Void) {
        func go(_ i: Int, _ acc: [UnsafeBufferPointer<Float>]) {
            if i == arrays.count { body(acc); return }
            arrays[i].withUnsafeBufferPointer { go(i + 1, acc + [$0]) }
        }
        go(0, [])
    }

    func testOutputsMatchDirectKernels() {
        let f = Field(m: 37, n: 100, seed: 1)
        var g = SeededGenerator(seed: 2)
        let events = [(0..<f.n).map { _ in Float(g.nextNormal()) }]
        let tails = [[Float](repeating: 0.5, count: f.n), [Float](repeating: -0.2, count: f.n)]
        let climate = (0..<f.n).flatMap { _ in (0...100).map { _ in Float(g.nextNormal()) }.sorted() }
        let levels = [0.1, 0.5, 0.9]
        let out = run(f, events: events, tails: tails, climate: climate, quantiles: levels)
        let k = EFICoefficients(levels: 101)
        for p in 0..<f.n {
            let x = f.point(p).sorted(), y = Double(f.truth[p])
            let b = SortedCRPS.bruteForce(x, truth: y)
            XCTAssertEqual(out.crps[p], b.crps, accuracy: 1e-12)
            XCTAssertEqual(out.crpsFair[p], b.fair, accuracy: 1e-12)
            XCTAssertEqual(out.minimum[p], x.first!)
            XCTAssertEqual(out.maximum[p], x.last!)
            XCTAssertEqual(Int(out.rank[p]), x.filter { Double($0) < y }.count)   // no ties here
            XCTAssertEqual(Int(out.aboveTruth[p]), x.filter { Double($0) > y }.count)
            XCTAssertEqual(Int(out.exceedances[p]), x.filter { $0 > events[0][p] }.count)
            let mean = x.map(Double.init).reduce(0, +) / Double(f.m)
            XCTAssertEqual(out.mean[p], mean, accuracy: 1e-12)
            XCTAssertEqual(out.variance[p], x.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(f.m - 1), accuracy: 1e-12)
            x.withUnsafeBufferPointer { s in
                for (q, level) in levels.enumerated() {
                    XCTAssertEqual(out.quantiles[q * f.n + p], Float(SortedCRPS.quantile(sorted: s, level: level)))
                }
                for t in 0..<2 {
                    XCTAssertEqual(out.twCRPS[t * f.n + p], WeightedCRPS.thresholdWeighted(sorted: s, truth: y, threshold: Double(tails[t][p])))
                    let ow = WeightedCRPS.outcomeWeighted(sorted: s, truth: y, threshold: Double(tails[t][p]))
                    XCTAssertTrue(ow.isNaN ? out.owCRPS[t * f.n + p].isNaN : ow == out.owCRPS[t * f.n + p])
                }
                let c = Array(climate[(p * 101)..<((p + 1) * 101)])
                c.withUnsafeBufferPointer { cp in
                    XCTAssertEqual(out.efi[p], ExtremeForecastIndex.efi(sorted: s, climate: cp, coefficients: k))
                    let sot = ExtremeForecastIndex.shiftOfTails(sorted: s, climate: cp, levels: 101, upper: true)
                    XCTAssertTrue(sot.isNaN ? out.sot90[p].isNaN : sot == out.sot90[p])
                }
            }
        }
    }

    func testLargeEnsembleUsesRadixPathCorrectly() {
        let f = Field(m: 1000, n: 40, seed: 3)
        let out = run(f)
        for p in 0..<f.n {
            let b = SortedCRPS.bruteForce(f.point(p), truth: Double(f.truth[p]))
            XCTAssertEqual(out.crps[p], b.crps, accuracy: 1e-10 * b.crps)
            XCTAssertEqual(out.crpsFair[p], b.fair, accuracy: 1e-10 * b.fair)
        }
    }

    func testOutlierFractionAndFlatRankHistogram() {
        // Perfect ensemble: P(outlier) = 2/(m+1), and every rank 0…m has probability 1/(m+1).
        let m = 9, n = 40_000
        let f = Field(m: m, n: n, seed: 5)
        let out = run(f)
        var outliers = 0
        var histogram = [Int](repeating: 0, count: m + 1)
        for p in 0..<n {
            if f.truth[p] < out.minimum[p] || f.truth[p] > out.maximum[p] { outliers += 1 }
            histogram[Int(out.rank[p])] += 1
        }
        XCTAssertEqual(Double(outliers) / Double(n), 2.0 / Double(m + 1), accuracy: 0.01)
        let expected = Double(n) / Double(m + 1)
        for count in histogram { XCTAssertEqual(Double(count), expected, accuracy: 5 * expected.squareRoot()) }
    }

    func testRankTieBreakIsReproducibleAndIndependentOfTilingAndThreads() {
        // Heavily tied data (quantised to 0.5) so most truths tie with members.
        let f = Field(m: 20, n: 1000, seed: 7, step: 0.5)
        Parallel.configure(threads: 1)
        let one = run(f)
        Parallel.configure(threads: 2)
        let two = run(f)
        let pieces = [0..<333, 333..<334, 334..<1000].map { run(f, $0) }
        // Determinism contract (A): per-point results are the same bits whatever the thread
        // count and however the points are cut into pieces (tiles, memory budget).
        XCTAssertEqual(one.rank, two.rank)
        XCTAssertEqual(one.rank, pieces.flatMap { $0.rank })
        XCTAssertEqual(one.crps, pieces.flatMap { $0.crps })
        XCTAssertNotEqual(one.rank, run(f, seed: 10).rank, "another seed draws other tie-breaks")
        // Each rank lies in k₋…k₋+k₌, and the draws spread over that range.
        var tiedLow = 0, tiedHigh = 0
        for p in 0..<f.n {
            let x = f.point(p), y = f.truth[p]
            let below = x.filter { $0 < y }.count, ties = x.filter { $0 == y }.count
            XCTAssertTrue((below...(below + ties)).contains(Int(one.rank[p])))
            if ties >= 2 { if Int(one.rank[p]) == below { tiedLow += 1 } else if Int(one.rank[p]) == below + ties { tiedHigh += 1 } }
        }
        XCTAssertGreaterThan(tiedLow, 5)
        XCTAssertGreaterThan(tiedHigh, 5)
    }

    func testNaNPoints() {
        var f = Field(m: 5, n: 3, seed: 8)
        f.members[2 * f.n + 1] = .nan   // member 2 of point 1
        f.truth[2] = .nan
        let out = run(f, quantiles: [0.5])
        XCTAssertTrue(out.crps[1].isNaN && out.mean[1].isNaN && out.quantiles[1].isNaN)
        XCTAssertEqual(out.rank[1], -1)
        XCTAssertTrue(out.crps[2].isNaN)
        XCTAssertFalse(out.mean[2].isNaN)
        XCTAssertEqual(out.rank[2], -1)
        XCTAssertFalse(out.crps[0].isNaN)
    }

    // MARK: Bootstrap

    func bootstrap(_ f: Field, _ range: Range<Int>, sizes: [Int], replicates: Int, seed: UInt64 = 3) -> EnsembleSizeBootstrapSums {
        let members = (0..<f.m).flatMap { i in f.members[(i * f.n + range.lowerBound)..<(i * f.n + range.upperBound)] }
        let truth = Array(f.truth[range])
        let weights = range.map { 1 + Double($0 % 3) }
        return members.withUnsafeBufferPointer { mp in
            truth.withUnsafeBufferPointer { tp in
                weights.withUnsafeBufferPointer { wp in
                    EnsemblePointPass.bootstrap(
                        PointPassInput(members: mp, memberCount: f.m, pointCount: range.count, truth: tp, firstPointIndex: range.lowerBound),
                        EnsembleSizeBootstrapRequest(sizes: sizes, replicates: replicates, seed: seed, weights: wp))
                }
            }
        }
    }

    func testBootstrapFullSizeMatchesFullEnsemble() {
        let f = Field(m: 200, n: 300, seed: 12)
        let out = run(f)
        let weights = (0..<f.n).map { 1 + Double($0 % 3) }
        let total = weights.reduce(0, +)
        let crps = zip(out.crps, weights).map { $0 * $1 }.reduce(0, +) / total
        let variance = zip(out.variance, weights).map { $0 * $1 }.reduce(0, +) / total
        let replicates = 16
        let sums = bootstrap(f, 0..<f.n, sizes: [f.m, 20], replicates: replicates)
        var meanCRPS = 0.0, meanVariance = 0.0
        for r in 0..<replicates {
            XCTAssertEqual(sums.value(.weight, size: 0, replicate: r), total)
            meanCRPS += sums.value(.crps, size: 0, replicate: r) / total / Double(replicates)
            meanVariance += sums.value(.variance, size: 0, replicate: r) / total / Double(replicates)
        }
        XCTAssertEqual(meanCRPS, crps, accuracy: 0.02 * crps)
        XCTAssertEqual(meanVariance, variance, accuracy: 0.02 * variance)
        // Smaller draws: a worse standard CRPS and more outliers (≈ 2/21 for size 20).
        var outliers = 0.0
        for r in 0..<replicates { outliers += sums.value(.outlier, size: 1, replicate: r) / total / Double(replicates) }
        XCTAssertEqual(outliers, 2.0 / 21, accuracy: 0.03)
        XCTAssertGreaterThan(sums.value(.crps, size: 1, replicate: 0) / total, crps)
    }

    func testBootstrapReproducibleAcrossThreadsAndTiles() {
        let f = Field(m: 50, n: 500, seed: 13)
        Parallel.configure(threads: 1)
        let one = bootstrap(f, 0..<f.n, sizes: [5, 50], replicates: 4)
        let again = bootstrap(f, 0..<f.n, sizes: [5, 50], replicates: 4)
        XCTAssertEqual(one, again)
        // Determinism contract (A): the sums are the same bits whatever the thread count,
        // including more workers than cores and counts that split the tile groups unevenly.
        for threads in [2, 3, 8] {
            Parallel.configure(threads: threads)
            XCTAssertEqual(one.sums, bootstrap(f, 0..<f.n, sizes: [5, 50], replicates: 4).sums, "\(threads) threads")
        }
        // More tiles than groups (several tiles per group): still independent of the threads.
        let large = Field(m: 8, n: 16 * 600 + 5, seed: 14)
        Parallel.configure(threads: 1)
        let largeOne = bootstrap(large, 0..<large.n, sizes: [3, 8], replicates: 2)
        Parallel.configure(threads: 5)
        XCTAssertEqual(largeOne.sums, bootstrap(large, 0..<large.n, sizes: [3, 8], replicates: 2).sums)
        // Determinism contract (B), regrouped sums: cutting the points into two calls adds the
        // same terms in another grouping, so the sums agree to double rounding only.
        var pieces = bootstrap(f, 0..<123, sizes: [5, 50], replicates: 4)
        pieces.add(bootstrap(f, 123..<500, sizes: [5, 50], replicates: 4))
        for (a, b) in zip(one.sums, pieces.sums) { XCTAssertEqual(a, b, accuracy: 1e-12 * abs(a)) }
        XCTAssertNotEqual(one.sums, bootstrap(f, 0..<f.n, sizes: [5, 50], replicates: 4, seed: 4).sums)
    }
}
