import HensCore

/// The per-point sorted pass (docs/formulas.md#the-sorted-per-point-pass): members arrive
/// member-major, each worker transposes a sub-tile of points into point-major scratch, sorts
/// every point's members once, and derives every requested statistic from that one sorted
/// vector — CRPS (standard and fair), moments, min/max, tie-broken rank, exceedance counts,
/// quantiles, tw/ow CRPS, EFI/SOT.
///
/// Points are split over `Parallel.threadCount` workers in contiguous ranges of tiles. Every
/// output depends only on the point's own data and its global index (the rank tie-break is a
/// counter-based hash), so results are identical for any tiling and thread count.
public enum EnsemblePointPass {
    /// Points transposed together: 16 Float32 members of consecutive points fill one 64-byte
    /// cache line of each member row.
    public static let tilePoints = 16

    /// Fills `output` (sized with `PointPassOutput(pointCount:quantileLevels:events:tails:climate:)`
    /// for this input's shapes) with every statistic of `input`'s points.
    ///
    /// NaN policy: a point with any NaN member gets NaN scores, moments, quantiles, EFI and SOT,
    /// min/max NaN, and rank, aboveTruth and exceedances −1. A NaN truth alone makes the CRPS
    /// variants NaN and rank/aboveTruth −1; the member-only outputs stay valid.
    public static func run(_ input: PointPassInput, into output: inout PointPassOutput) {
        let plan = PassPlan(input)
        plan.checkShapes(of: output)
        let slots = OutputSlots(plan: plan)
        defer { slots.deallocate() }
        let tiles = (plan.points + tilePoints - 1) / tilePoints
        Parallel.forEachChunk(tiles) { tileRange in
            let worker = TileWorker(memberCount: plan.members)
            defer { worker.deallocate() }
            for tile in tileRange {
                let first = tile * tilePoints
                let count = min(tilePoints, plan.points - first)
                worker.load(input.members, pointCount: plan.points, first: first, count: count)
                for p in 0..<count {
                    let sorted = worker.sortPoint(p)
                    plan.score(sorted, point: first + p, into: slots)
                }
            }
        }
        slots.copy(into: &output)
    }

    /// Mixes (seed, index) into 64 well-distributed bits (SplitMix64's finaliser on a Weyl step):
    /// the counter-based randomness of rank tie-breaks and bootstrap draws.
    @inlinable
    public static func hash(_ seed: UInt64, _ index: UInt64) -> UInt64 {
        // The (index + 1)-th output of the stream seeded with `seed`, without running the stream.
        SplitMix64.finalize(seed &+ (index &+ 1) &* SplitMix64.goldenGamma)
    }

    /// A uniform integer in 0..<bound from 64 random bits (Lemire's multiply-high; the bias is
    /// below bound/2⁶⁴, irrelevant for ensemble sizes).
    @inlinable
    public static func uniform(_ bits: UInt64, below bound: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(bound).multipliedFullWidth(by: bits).high)
    }
}

/// One worker's scratch: a point-major tile of members and the radix sort's ping-pong buffer.
final class TileWorker {
    let members: Int
    let tile: UnsafeMutableBufferPointer<Float>
    let scratch: UnsafeMutableBufferPointer<Float>

    init(memberCount: Int) {
        members = memberCount
        tile = .allocate(capacity: EnsemblePointPass.tilePoints * memberCount)
        scratch = .allocate(capacity: memberCount)
    }

    func deallocate() {
        tile.deallocate()
        scratch.deallocate()
    }

    /// Transposes points first..<first+count of the member-major field into `tile[p * m + i]`.
    func load(_ field: UnsafeBufferPointer<Float>, pointCount: Int, first: Int, count: Int) {
        let m = members
        let source = field.baseAddress!, target = tile.baseAddress!
        for i in 0..<m {
            let row = source + i * pointCount + first
            for p in 0..<count { target[p * m + i] = row[p] }
        }
    }

    /// Sorts point p's members in place and returns them.
    func sortPoint(_ p: Int) -> UnsafeBufferPointer<Float> {
        let x = UnsafeMutableBufferPointer(start: tile.baseAddress! + p * members, count: members)
        FloatSort.sort(x, scratch: scratch)
        return UnsafeBufferPointer(x)
    }
}

/// Shapes and per-run constants of one pass, and the scoring of one sorted point.
struct PassPlan {
    let input: PointPassInput
    let points: Int
    let members: Int
    let efi: EFICoefficients?

    init(_ input: PointPassInput) {
        precondition(input.memberCount >= 1 && input.pointCount >= 0, "EnsemblePointPass: need m ≥ 1 members")
        precondition(input.members.count >= input.memberCount * input.pointCount,
                     "EnsemblePointPass: \(input.members.count) member values < m·N = \(input.memberCount * input.pointCount)")
        precondition(input.truth.count >= input.pointCount, "EnsemblePointPass: truth shorter than the tile")
        for t in input.eventThresholds + input.tailThresholds {
            precondition(t.count >= input.pointCount, "EnsemblePointPass: a threshold field is shorter than the tile")
        }
        if let c = input.climate {
            precondition(input.climateLevels >= 2 && c.count >= input.climateLevels * input.pointCount,
                         "EnsemblePointPass: climate needs climateLevels (≥ 2) values per point")
        }
        self.input = input
        points = input.pointCount
        members = input.memberCount
        efi = input.climate == nil ? nil : EFICoefficients(levels: input.climateLevels)
    }

    func checkShapes(of o: PointPassOutput) {
        let n = points
        precondition(o.crps.count == n && o.crpsFair.count == n && o.mean.count == n && o.variance.count == n
                     && o.minimum.count == n && o.maximum.count == n && o.rank.count == n && o.aboveTruth.count == n,
                     "PointPassOutput: per-point arrays must hold pointCount values")
        precondition(o.quantiles.count == input.quantileLevels.count * n, "PointPassOutput: quantiles sized for another request")
        precondition(o.exceedances.count == input.eventThresholds.count * n, "PointPassOutput: exceedances sized for another request")
        precondition(o.twCRPS.count == input.tailThresholds.count * n && o.owCRPS.count == input.tailThresholds.count * n,
                     "PointPassOutput: tw/ow CRPS sized for another request")
        let climate = input.climate != nil ? n : 0
        precondition(o.efi.count == climate && o.sot90.count == climate && o.sot10.count == climate,
                     "PointPassOutput: EFI/SOT arrays must be sized with climate: \(input.climate != nil)")
    }

    /// Every output of global-in-tile point `g` from its sorted members.
    func score(_ x: UnsafeBufferPointer<Float>, point g: Int, into o: OutputSlots) {
        let m = members, n = points
        let y = Double(input.truth[g])
        let s = SortedCRPS.summary(sorted: x, truth: y)
        let membersNaN = s.mean.isNaN
        o.crps[g] = s.crps
        o.crpsFair[g] = s.crpsFair
        o.mean[g] = s.mean
        o.variance[g] = s.variance
        o.minimum[g] = membersNaN ? .nan : x[0]
        o.maximum[g] = membersNaN ? .nan : x[m - 1]
        if membersNaN || y.isNaN {
            o.rank[g] = -1
            o.aboveTruth[g] = -1
        } else {
            let below = SortedCRPS.countBelow(sorted: x, y)
            let atOrBelow = SortedCRPS.countAtOrBelow(sorted: x, y)
            let ties = atOrBelow - below
            let draw = ties == 0 ? 0 : EnsemblePointPass.uniform(
                EnsemblePointPass.hash(input.tieBreakSeed, UInt64(input.firstPointIndex + g)), below: ties + 1)
            o.rank[g] = Int32(below + draw)
            o.aboveTruth[g] = Int32(m - atOrBelow)
        }
        for (q, level) in input.quantileLevels.enumerated() {
            o.quantiles[q * n + g] = membersNaN ? .nan : Float(SortedCRPS.quantile(sorted: x, level: level))
        }
        for (e, thresholds) in input.eventThresholds.enumerated() {
            o.exceedances[e * n + g] = membersNaN ? -1 : Int32(SortedCRPS.countAbove(sorted: x, Double(thresholds[g])))
        }
        for (t, thresholds) in input.tailThresholds.enumerated() {
            let threshold = Double(thresholds[g])
            o.twCRPS[t * n + g] = WeightedCRPS.thresholdWeighted(sorted: x, truth: y, threshold: threshold)
            o.owCRPS[t * n + g] = membersNaN ? .nan : WeightedCRPS.outcomeWeighted(sorted: x, truth: y, threshold: threshold)
        }
        if let coefficients = efi, let climate = input.climate {
            let levels = input.climateLevels
            let c = UnsafeBufferPointer(rebasing: climate[(g * levels)..<((g + 1) * levels)])
            o.efi[g] = ExtremeForecastIndex.efi(sorted: x, climate: c, coefficients: coefficients)
            o.sot90[g] = membersNaN ? .nan : ExtremeForecastIndex.shiftOfTails(sorted: x, climate: c, levels: levels, upper: true)
            o.sot10[g] = membersNaN ? .nan : ExtremeForecastIndex.shiftOfTails(sorted: x, climate: c, levels: levels, upper: false)
        }
    }
}

/// Raw output buffers the workers write (disjoint points per worker), copied into the
/// `PointPassOutput` arrays once at the end: this keeps Swift arrays out of the parallel loop.
struct OutputSlots {
    let crps, crpsFair, mean, variance, twCRPS, owCRPS, efi, sot90, sot10: UnsafeMutableBufferPointer<Double>
    let minimum, maximum, quantiles: UnsafeMutableBufferPointer<Float>
    let rank, aboveTruth, exceedances: UnsafeMutableBufferPointer<Int32>

    init(plan: PassPlan) {
        let n = plan.points, i = plan.input
        func doubles(_ count: Int) -> UnsafeMutableBufferPointer<Double> { .allocate(capacity: count) }
        crps = doubles(n); crpsFair = doubles(n); mean = doubles(n); variance = doubles(n)
        twCRPS = doubles(i.tailThresholds.count * n); owCRPS = doubles(i.tailThresholds.count * n)
        let climate = i.climate == nil ? 0 : n
        efi = doubles(climate); sot90 = doubles(climate); sot10 = doubles(climate)
        minimum = .allocate(capacity: n); maximum = .allocate(capacity: n)
        quantiles = .allocate(capacity: i.quantileLevels.count * n)
        rank = .allocate(capacity: n); aboveTruth = .allocate(capacity: n)
        exceedances = .allocate(capacity: i.eventThresholds.count * n)
    }

    func copy(into o: inout PointPassOutput) {
        func put<T>(_ source: UnsafeMutableBufferPointer<T>, _ target: inout [T]) {
            target.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: source) }
        }
        put(crps, &o.crps); put(crpsFair, &o.crpsFair); put(mean, &o.mean); put(variance, &o.variance)
        put(twCRPS, &o.twCRPS); put(owCRPS, &o.owCRPS); put(efi, &o.efi); put(sot90, &o.sot90); put(sot10, &o.sot10)
        put(minimum, &o.minimum); put(maximum, &o.maximum); put(quantiles, &o.quantiles)
        put(rank, &o.rank); put(aboveTruth, &o.aboveTruth); put(exceedances, &o.exceedances)
    }

    func deallocate() {
        for b in [crps, crpsFair, mean, variance, twCRPS, owCRPS, efi, sot90, sot10] { b.deallocate() }
        for b in [minimum, maximum, quantiles] { b.deallocate() }
        for b in [rank, aboveTruth, exceedances] { b.deallocate() }
    }
}
