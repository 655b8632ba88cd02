import HensCore

/// A sparse target × source weight matrix in compressed-row (CSR) form: for target point t, the
/// source indices `sourceIndices[rowStart[t] ..< rowStart[t + 1]]` with weights `weights[…]`.
///
/// Each row's weights sum to 1 (an empty row has no source: its value is NaN). Applying the
/// matrix skips NaN (missing) source values and divides by the sum of the remaining weights, so a
/// target value is the weighted mean of its valid contributions, as CDO renormalises.
public struct SparseWeights: Equatable, Sendable {
    /// Number of source points (columns).
    public let sourceCount: Int
    /// Number of target points (rows).
    public let targetCount: Int
    /// targetCount + 1 offsets into `sourceIndices` and `weights`.
    public let rowStart: [Int]
    /// Source point of each stored weight (Int32: the matrix of an ERA5 → model map has millions).
    public let sourceIndices: [Int32]
    /// The weights, in Float64 so that building and applying lose nothing measurable.
    public let weights: [Double]

    /// Creates a matrix from its CSR arrays.
    /// - Precondition: consistent sizes, non-decreasing `rowStart` from 0, indices in range.
    public init(sourceCount: Int, targetCount: Int, rowStart: [Int], sourceIndices: [Int32], weights: [Double]) {
        precondition(rowStart.count == targetCount + 1 && rowStart.first == 0 && rowStart.last == weights.count)
        precondition(sourceIndices.count == weights.count)
        precondition(sourceIndices.allSatisfy { $0 >= 0 && Int($0) < sourceCount })
        self.sourceCount = sourceCount
        self.targetCount = targetCount
        self.rowStart = rowStart
        self.sourceIndices = sourceIndices
        self.weights = weights
    }

    /// Number of stored weights.
    public var nonzeroCount: Int { weights.count }

    /// The source indices and weights of one target point.
    public func row(_ target: Int) -> (sourceIndices: ArraySlice<Int32>, weights: ArraySlice<Double>) {
        let r = rowStart[target]..<rowStart[target + 1]
        return (sourceIndices[r], weights[r])
    }

    /// Applies the matrix to `batch` fields laid out `[batch][sourceCount]`, writing
    /// `[batch][targetCount]`, in parallel over chunks of `rows` equal parts of the target
    /// (the target grid's latitude rows).
    func apply(batch: Int, rows: Int, _ fields: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(fields.count == batch * sourceCount, "regrid: expected \(batch) × \(sourceCount) source values, got \(fields.count)")
        precondition(out.count == batch * targetCount, "regrid: expected room for \(batch) × \(targetCount) target values, got \(out.count)")
        guard batch > 0, targetCount > 0 else { return }
        let perRow = targetCount / rows
        // Enough rows per worker that a chunk outweighs the cost of waking a thread (~10 µs).
        let workPerRow = max(1, nonzeroCount / rows) * batch
        let minimumRows = max(1, 50_000 / workPerRow)
        let src = fields.baseAddress!, dst = out.baseAddress!
        rowStart.withUnsafeBufferPointer { start in
            sourceIndices.withUnsafeBufferPointer { index in
                weights.withUnsafeBufferPointer { weight in
                    Parallel.forEachChunk(rows, minimumChunk: minimumRows) { chunk in
                        for t in (chunk.lowerBound * perRow)..<(chunk.upperBound * perRow) {
                            let lo = start[t], hi = start[t + 1]
                            for b in 0..<batch {
                                let field = src + b * sourceCount
                                var sum = 0.0, total = 0.0
                                for k in lo..<hi {
                                    let v = Double(field[Int(index[k])])
                                    // NaN is the only value unequal to itself: skip missing data.
                                    let valid = v == v
                                    sum += valid ? weight[k] * v : 0
                                    total += valid ? weight[k] : 0
                                }
                                dst[b * targetCount + t] = total > 0 ? Float(sum / total) : .nan
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Accumulates CSR rows in target order.
struct SparseBuilder {
    let sourceCount: Int
    private(set) var rowStart: [Int] = [0]
    private(set) var sourceIndices: [Int32] = []
    private(set) var weights: [Double] = []

    init(sourceCount: Int, reserve: Int) {
        self.sourceCount = sourceCount
        sourceIndices.reserveCapacity(reserve)
        weights.reserveCapacity(reserve)
    }

    /// Appends one weight to the current row; exact zeros are dropped (they contribute nothing,
    /// and a NaN behind a zero weight must not empty the row).
    mutating func add(_ source: Int, _ weight: Double) {
        guard weight != 0 else { return }
        sourceIndices.append(Int32(source))
        weights.append(weight)
    }

    /// Closes the current row, scaling its weights to sum to 1.
    mutating func endRow() {
        let lo = rowStart[rowStart.count - 1]
        var total = 0.0
        for k in lo..<weights.count { total += weights[k] }
        if total > 0 { for k in lo..<weights.count { weights[k] /= total } }
        rowStart.append(weights.count)
    }

    func finish() -> SparseWeights {
        SparseWeights(sourceCount: sourceCount, targetCount: rowStart.count - 1, rowStart: rowStart,
                      sourceIndices: sourceIndices, weights: weights)
    }
}
