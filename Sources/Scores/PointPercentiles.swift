import HensCore

/// Percentiles of many small samples at once, one sample per grid point: the model climate's
/// per-point distribution (for EFI/SOT) and the climatological reference both reduce member-major
/// pools this way.
public enum PointPercentiles {
    /// Percentiles (NumPy "linear") over `samples` member-major values per point, `[level][point]`.
    public static func compute(pool: UnsafeBufferPointer<Float>, samples: Int, points: Int, levels: [Double],
                               into out: UnsafeMutableBufferPointer<Float>) {
        let out = out
        Parallel.forEachChunk(points, minimumChunk: 64) { range in
            var column = [Float](repeating: 0, count: samples), scratch = column
            column.withUnsafeMutableBufferPointer { col in
                scratch.withUnsafeMutableBufferPointer { tmp in
                    for p in range {
                        for s in 0..<samples { col[s] = pool[s * points + p] }
                        FloatSort.sort(col, scratch: tmp)
                        for (l, level) in levels.enumerated() {
                            out[l * points + p] = Float(SortedCRPS.quantile(sorted: UnsafeBufferPointer(col), level: level / 100))
                        }
                    }
                }
            }
        }
    }
}
