/// Inputs of the per-point sorted pass over one tile of grid points (see `EnsemblePointPass`).
///
/// Members arrive member-major, the way `hens forecast` stores them (one field per member); the
/// pass transposes them in small tiles so that each point's members are contiguous, sorts them
/// once and derives every per-point statistic from that one sorted vector.
public struct PointPassInput {
    /// Member values, member-major: `members[i * pointCount + p]`.
    public var members: UnsafeBufferPointer<Float>
    /// Ensemble size m (≥ 1).
    public var memberCount: Int
    /// Points in the tile.
    public var pointCount: Int
    /// The verification y per point.
    public var truth: UnsafeBufferPointer<Float>
    /// Binary events, each one threshold per point; the event is `value > threshold` (strict).
    public var eventThresholds: [UnsafeBufferPointer<Float>]
    /// Thresholds for threshold- and outcome-weighted CRPS, each one value per point.
    public var tailThresholds: [UnsafeBufferPointer<Float>]
    /// Model-climate percentiles for EFI/SOT: `climate[p * climateLevels + i]` at probability
    /// i/(climateLevels − 1), non-decreasing in i; nil when there is no model climate.
    public var climate: UnsafeBufferPointer<Float>?
    /// Number of climate percentiles per point (101 for 0…100 %).
    public var climateLevels: Int
    /// Probability levels in [0, 1] for ensemble quantiles (NumPy "linear" interpolation).
    public var quantileLevels: [Double]
    /// Seed of the random tie-break of ranks.
    public var tieBreakSeed: UInt64
    /// Global index of the tile's first point, so tie-breaks do not depend on the tiling.
    public var firstPointIndex: Int

    /// A tile with only members and truth; add events, tails, climate and quantiles as needed.
    public init(members: UnsafeBufferPointer<Float>, memberCount: Int, pointCount: Int,
                truth: UnsafeBufferPointer<Float>, eventThresholds: [UnsafeBufferPointer<Float>] = [],
                tailThresholds: [UnsafeBufferPointer<Float>] = [], climate: UnsafeBufferPointer<Float>? = nil,
                climateLevels: Int = 101, quantileLevels: [Double] = [], tieBreakSeed: UInt64 = 0,
                firstPointIndex: Int = 0) {
        self.members = members
        self.memberCount = memberCount
        self.pointCount = pointCount
        self.truth = truth
        self.eventThresholds = eventThresholds
        self.tailThresholds = tailThresholds
        self.climate = climate
        self.climateLevels = climateLevels
        self.quantileLevels = quantileLevels
        self.tieBreakSeed = tieBreakSeed
        self.firstPointIndex = firstPointIndex
    }
}

/// Per-point results of the sorted pass, struct-of-arrays, one value per point unless noted.
/// Arrays are allocated by `init(pointCount:…)` and filled by `EnsemblePointPass.run`.
public struct PointPassOutput {
    /// Standard CRPS (the empirical CDF's; properscoring / xskillscore / HENS).
    public var crps: [Double]
    /// Fair CRPS (Ferro; WeatherBench 2); NaN for m = 1.
    public var crpsFair: [Double]
    /// Ensemble mean.
    public var mean: [Double]
    /// Ensemble variance, ddof = 1 (0 for m = 1).
    public var variance: [Double]
    /// Smallest member.
    public var minimum: [Float]
    /// Largest member.
    public var maximum: [Float]
    /// Rank of the truth in 0…m: #{x < y} plus a uniform draw in 0…#{x = y} (seeded).
    public var rank: [Int32]
    /// #{x > y}: members exceeding the truth.
    public var aboveTruth: [Int32]
    /// Ensemble quantiles, `[level * pointCount + p]`.
    public var quantiles: [Float]
    /// #{x > T} per event, `[event * pointCount + p]`.
    public var exceedances: [Int32]
    /// Threshold-weighted CRPS (chaining v(z) = max(z, T), standard estimator), `[tail * pointCount + p]`.
    public var twCRPS: [Double]
    /// Outcome-weighted CRPS (HENS Part II: only where y > T, the standard CRPS of the members
    /// above T; |max − y| when at most one member exceeds T), NaN where y ≤ T; `[tail * pointCount + p]`.
    public var owCRPS: [Double]
    /// Extreme Forecast Index against the model climate (exact piecewise form, "≤"); empty without climate.
    public var efi: [Double]
    /// Shift of tails, upper (Q_f(90) against Q_c(90), Q_c(99)); clipped to [−10, 10]; NaN where undefined.
    public var sot90: [Double]
    /// Shift of tails, lower (Q_f(10) against Q_c(10), Q_c(1)).
    public var sot10: [Double]

    /// Output arrays sized for `pointCount` points and the request's shapes.
    public init(pointCount: Int, quantileLevels: Int = 0, events: Int = 0, tails: Int = 0, climate: Bool = false) {
        crps = .init(repeating: 0, count: pointCount)
        crpsFair = .init(repeating: 0, count: pointCount)
        mean = .init(repeating: 0, count: pointCount)
        variance = .init(repeating: 0, count: pointCount)
        minimum = .init(repeating: 0, count: pointCount)
        maximum = .init(repeating: 0, count: pointCount)
        rank = .init(repeating: 0, count: pointCount)
        aboveTruth = .init(repeating: 0, count: pointCount)
        quantiles = .init(repeating: 0, count: quantileLevels * pointCount)
        exceedances = .init(repeating: 0, count: events * pointCount)
        twCRPS = .init(repeating: 0, count: tails * pointCount)
        owCRPS = .init(repeating: 0, count: tails * pointCount)
        efi = climate ? .init(repeating: 0, count: pointCount) : []
        sot90 = climate ? .init(repeating: 0, count: pointCount) : []
        sot10 = climate ? .init(repeating: 0, count: pointCount) : []
    }
}

extension PointPassOutput {
    /// Copies a tile's results (points `offset ..< offset + tile points`) into this output of
    /// `fieldPoints` points, keeping the `[level|event|tail][point]` layouts.
    public mutating func place(_ tile: PointPassOutput, at offset: Int, fieldPoints n: Int) {
        let t = tile.crps.count
        func copy<T>(_ source: [T], into target: inout [T]) {
            guard !source.isEmpty else { return }
            for block in 0..<(source.count / t) {
                for i in 0..<t { target[block * n + offset + i] = source[block * t + i] }
            }
        }
        copy(tile.crps, into: &crps)
        copy(tile.crpsFair, into: &crpsFair)
        copy(tile.mean, into: &mean)
        copy(tile.variance, into: &variance)
        copy(tile.minimum, into: &minimum)
        copy(tile.maximum, into: &maximum)
        copy(tile.rank, into: &rank)
        copy(tile.aboveTruth, into: &aboveTruth)
        copy(tile.quantiles, into: &quantiles)
        copy(tile.exceedances, into: &exceedances)
        copy(tile.twCRPS, into: &twCRPS)
        copy(tile.owCRPS, into: &owCRPS)
        copy(tile.efi, into: &efi)
        copy(tile.sot90, into: &sot90)
        copy(tile.sot10, into: &sot10)
    }
}

/// Ensemble-size bootstrap request (HENS Part II): for each size n and replicate r, n members
/// are drawn with replacement at every point and scored; sums are weighted by `weights`.
public struct EnsembleSizeBootstrapRequest {
    /// Ensemble sizes to draw (each ≥ 2).
    public var sizes: [Int]
    /// Replicates per size.
    public var replicates: Int
    /// Seed; draws depend on (seed, size, replicate, global point index) only.
    public var seed: UInt64
    /// Area weight per point of the tile (not normalised).
    public var weights: UnsafeBufferPointer<Double>

    /// A request for `sizes` × `replicates` draws.
    public init(sizes: [Int], replicates: Int, seed: UInt64, weights: UnsafeBufferPointer<Double>) {
        self.sizes = sizes
        self.replicates = replicates
        self.seed = seed
        self.weights = weights
    }
}

/// Weighted sums per (size, replicate) over the tile's points, to be added across tiles.
public struct EnsembleSizeBootstrapSums: Equatable {
    /// The statistics summed per draw, in this order.
    public enum Statistic: Int, CaseIterable {
        case crps, crpsFair, variance, squaredError, outlier, weight
    }
    /// `sums[(sizeIndex * replicates + r) * Statistic.allCases.count + statistic]`.
    public var sums: [Double]
    /// Sizes.
    public var sizes: [Int]
    /// Replicates per size.
    public var replicates: Int

    /// Zero sums.
    public init(sizes: [Int], replicates: Int) {
        self.sizes = sizes
        self.replicates = replicates
        sums = .init(repeating: 0, count: sizes.count * replicates * Statistic.allCases.count)
    }

    /// Adds another tile's sums.
    public mutating func add(_ other: EnsembleSizeBootstrapSums) {
        precondition(other.sums.count == sums.count, "EnsembleSizeBootstrapSums: shapes differ")
        for i in sums.indices { sums[i] += other.sums[i] }
    }

    /// The sum of `statistic` for size index `s`, replicate `r`.
    public func value(_ statistic: Statistic, size s: Int, replicate r: Int) -> Double {
        sums[(s * replicates + r) * Statistic.allCases.count + statistic.rawValue]
    }
}
