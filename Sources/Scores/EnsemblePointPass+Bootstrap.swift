import HensCore

extension EnsemblePointPass {
    /// The ensemble-size bootstrap (HENS Part II): for every size n, replicate r and point p,
    /// n of the m members are drawn with replacement and scored against the truth; each point
    /// adds weight·{standard CRPS, fair CRPS, variance (ddof 1), (mean − y)², outlier} and the
    /// weight itself to the (n, r) sums. "Outlier" is y < min or y > max (strict) of the draw.
    ///
    /// Draws depend only on (seed, n, r, firstPointIndex + p). The tiles are cut into
    /// `bootstrapGroups(tiles:)` contiguous groups, a number that depends on the point count
    /// only; each group's points are summed in point order, and the groups' sums are added in
    /// group order, so the sums are the same bits whatever the thread count (determinism
    /// contract (A)). Each point's members are sorted once; a draw sorts its member
    /// *indices* (counting sort over the m slots, or an introsort when n ≪ m) and gathers the
    /// sorted members in that order, which is already sorted, so no floats are re-sorted.
    /// Points with a NaN truth or member are skipped (their weight is not added either).
    public static func bootstrap(_ input: PointPassInput, _ request: EnsembleSizeBootstrapRequest) -> EnsembleSizeBootstrapSums {
        let plan = PassPlan(input)
        precondition(request.sizes.allSatisfy { $0 >= 2 } && request.replicates >= 0, "bootstrap: sizes must be ≥ 2")
        precondition(request.weights.count >= plan.points, "bootstrap: one weight per point is needed")
        var result = EnsembleSizeBootstrapSums(sizes: request.sizes, replicates: request.replicates)
        let stride = result.sums.count
        guard stride > 0, plan.points > 0 else { return result }
        let tiles = (plan.points + tilePoints - 1) / tilePoints
        let groups = bootstrapGroups(tiles: tiles)
        let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: groups * stride)
        partials.initialize(repeating: 0)
        defer { partials.deallocate() }
        // Adds the points of tiles `tiles` to `sums`, in point order.
        func sum(tiles: Range<Int>, into sums: UnsafeMutablePointer<Double>, _ tile: TileWorker, _ draws: BootstrapDraws) {
            for t in tiles {
                let first = t * tilePoints
                let count = min(tilePoints, plan.points - first)
                tile.load(input.members, pointCount: plan.points, first: first, count: count)
                for p in 0..<count {
                    let sorted = tile.sortPoint(p)
                    let y = Double(input.truth[first + p])
                    let w = request.weights[first + p]
                    if y.isNaN || w.isNaN || SortedCRPS.summary(sorted: sorted, truth: y).mean.isNaN { continue }
                    let global = UInt64(input.firstPointIndex + first + p)
                    for (s, size) in request.sizes.enumerated() {
                        for r in 0..<request.replicates {
                            let seed = hash(hash(hash(request.seed, UInt64(size)), UInt64(r)), global)
                            let drawn = draws.draw(size, from: sorted, seed: seed)
                            let summary = SortedCRPS.summary(sorted: drawn, truth: y)
                            let outlier = y < Double(drawn[0]) || y > Double(drawn[size - 1])
                            let at = sums + (s * request.replicates + r) * EnsembleSizeBootstrapSums.Statistic.allCases.count
                            at[0] += w * summary.crps
                            at[1] += w * summary.crpsFair
                            at[2] += w * summary.variance
                            at[3] += w * (summary.mean - y) * (summary.mean - y)
                            at[4] += outlier ? w : 0
                            at[5] += w
                        }
                    }
                }
            }
        }
        // Workers take groups cyclically; which worker sums a group does not change its sum.
        Parallel.forEachWorker(tasks: groups) { worker, workers in
            let tile = TileWorker(memberCount: plan.members)
            let draws = BootstrapDraws(memberCount: plan.members, largestSize: request.sizes.max()!)
            defer { tile.deallocate(); draws.deallocate() }
            for group in Swift.stride(from: worker, to: groups, by: workers) {
                sum(tiles: (tiles * group / groups)..<(tiles * (group + 1) / groups),
                    into: partials.baseAddress! + group * stride, tile, draws)
            }
        }
        // The groups' partial sums, added in group order.
        result.sums.withUnsafeMutableBufferPointer { total in
            for group in 0..<groups {
                for i in 0..<stride { total[i] += partials[group * stride + i] }
            }
        }
        return result
    }

    /// Number of contiguous tile groups whose bootstrap sums are kept apart: it depends on the
    /// point count alone (never on the thread count), and 256 groups keep up to 256 workers busy
    /// while their partial sums stay a few MB for hundreds of (size, replicate) pairs.
    static func bootstrapGroups(tiles: Int) -> Int { min(tiles, 256) }
}

/// One worker's buffers for drawing sorted resamples of a sorted ensemble.
final class BootstrapDraws {
    let members: Int
    let counts: UnsafeMutableBufferPointer<UInt32>
    let indices: UnsafeMutableBufferPointer<UInt32>
    let gathered: UnsafeMutableBufferPointer<Float>

    init(memberCount: Int, largestSize: Int) {
        members = memberCount
        counts = .allocate(capacity: memberCount)
        indices = .allocate(capacity: largestSize)
        gathered = .allocate(capacity: largestSize)
    }

    func deallocate() {
        counts.deallocate()
        indices.deallocate()
        gathered.deallocate()
    }

    /// `size` members of `sorted` drawn uniformly with replacement from `seed`'s stream, in
    /// ascending order (the gathered sorted indices of a sorted vector).
    func draw(_ size: Int, from sorted: UnsafeBufferPointer<Float>, seed: UInt64) -> UnsafeBufferPointer<Float> {
        var generator = SeededGenerator(seed: seed)
        let m = members
        let x = sorted.baseAddress!, out = gathered.baseAddress!
        if size * 8 >= m {
            // Counting sort of the indices, O(m + size) and without data-dependent branches:
            // count each member's draws, turn the counts into start positions, then place
            // every draw at its member's next position. Equal indices carry equal values, so
            // the result is the same sorted sample whatever order they land in.
            let c = counts.baseAddress!, idx = indices.baseAddress!
            c.initialize(repeating: 0, count: m)
            for i in 0..<size {
                let j = EnsemblePointPass.uniform(generator.next(), below: m)
                idx[i] = UInt32(j)
                c[j] &+= 1
            }
            var start: UInt32 = 0
            for j in 0..<m {
                let n = c[j]
                c[j] = start
                start &+= n
            }
            for i in 0..<size {
                let j = Int(idx[i])
                out[Int(c[j])] = x[j]
                c[j] &+= 1
            }
        } else {
            // Few draws from many members: sorting the indices themselves is cheaper.
            let idx = indices.baseAddress!
            for i in 0..<size { idx[i] = UInt32(EnsemblePointPass.uniform(generator.next(), below: m)) }
            FloatSort.introsort(idx, count: size)
            for i in 0..<size { out[i] = x[Int(idx[i])] }
        }
        return UnsafeBufferPointer(start: out, count: size)
    }
}
