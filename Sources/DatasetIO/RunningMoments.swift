/// Mergeable weighted count, mean and sum of squared deviations (M2), in Double.
///
/// Generators feed it one field at a time (optionally with per-row area weights, e.g.
/// cos latitude) and merge the partial results of parallel workers with Chan's formula, so
/// the statistics do not depend on how the work was split and do not lose precision the way
/// a naive sum of squares does on large, offset fields.
///
/// ```swift
/// var moments = RunningMoments()
/// field.withUnsafeBufferPointer { moments.add(values: $0, weights: latitudeWeights) }
/// let (mean, std) = (moments.mean, moments.std)
/// ```
public struct RunningMoments: Equatable, Sendable {
    /// Total weight seen (the number of values when unweighted).
    public private(set) var count: Double = 0
    /// Weighted mean of the values seen (0 before any).
    public private(set) var mean: Double = 0
    /// Weighted sum of squared deviations from the mean.
    public private(set) var m2: Double = 0

    /// An empty accumulator.
    public init() {}

    /// An accumulator with the given state (e.g. read back from a partial result).
    public init(count: Double, mean: Double, m2: Double) {
        self.count = count
        self.mean = mean
        self.m2 = m2
    }

    /// Weighted population variance `m2 / count` (NaN when empty).
    public var variance: Double { count > 0 ? m2 / count : .nan }

    /// Weighted population standard deviation (NaN when empty).
    public var std: Double { variance.squareRoot() }

    /// Adds a field. With `weights`, the field is `weights.count` rows of equal length and
    /// every value of row r counts with weight `weights[r]`; without, every value counts 1.
    public mutating func add(values: UnsafeBufferPointer<Float>, weights: [Double]? = nil) {
        guard !values.isEmpty else { return }
        // Two passes over the batch (mean, then deviations) keep M2 accurate; the batch is
        // then merged like any other partial result.
        var batch = RunningMoments()
        if let weights {
            precondition(!weights.isEmpty && values.count % weights.count == 0,
                         "RunningMoments: \(values.count) values do not split into \(weights.count) rows")
            let columns = values.count / weights.count
            var sum = 0.0
            for (row, w) in weights.enumerated() {
                sum += w * Self.rowSum(values, row * columns, columns)
                batch.count += w * Double(columns)
            }
            guard batch.count > 0 else { return }
            batch.mean = sum / batch.count
            for (row, w) in weights.enumerated() {
                batch.m2 += w * Self.rowSquaredDeviations(values, row * columns, columns, batch.mean)
            }
        } else {
            batch.count = Double(values.count)
            batch.mean = Self.rowSum(values, 0, values.count) / batch.count
            batch.m2 = Self.rowSquaredDeviations(values, 0, values.count, batch.mean)
        }
        merge(batch)
    }

    /// Adds a field held in an array (see `add(values:weights:)`).
    public mutating func add(values: [Float], weights: [Double]? = nil) {
        values.withUnsafeBufferPointer { add(values: $0, weights: weights) }
    }

    /// Adds one value with a weight.
    public mutating func add(_ value: Double, weight: Double = 1) {
        merge(RunningMoments(count: weight, mean: value, m2: 0))
    }

    /// Combines another accumulator into this one (Chan et al.'s pairwise update).
    public mutating func merge(_ other: RunningMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let total = count + other.count
        let delta = other.mean - mean
        mean += delta * (other.count / total)
        m2 += other.m2 + delta * delta * (count * other.count / total)
        count = total
    }

    /// The result of merging two accumulators.
    public func merged(with other: RunningMoments) -> RunningMoments {
        var copy = self
        copy.merge(other)
        return copy
    }

    private static func rowSum(_ values: UnsafeBufferPointer<Float>, _ start: Int, _ length: Int) -> Double {
        var sum = 0.0
        for i in start..<(start + length) { sum += Double(values[i]) }
        return sum
    }

    private static func rowSquaredDeviations(_ values: UnsafeBufferPointer<Float>, _ start: Int, _ length: Int,
                                             _ mean: Double) -> Double {
        var sum = 0.0
        for i in start..<(start + length) {
            let d = Double(values[i]) - mean
            sum += d * d
        }
        return sum
    }
}
