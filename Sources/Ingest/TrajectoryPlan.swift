/// How a split's times become trajectories: contiguous runs at one step (a gap ends a run),
/// each cut into trajectories of one length (a split file shares its `time` axis between all its
/// trajectories). Times that do not fill a last trajectory are left over.
struct TrajectoryPlan {
    /// The trajectories, each `length` times (seconds since 1970), in time order.
    let trajectories: [[Double]]
    /// Times of runs shorter than a trajectory's length, or at the end of a run.
    let leftover: [Double]
    /// The step within a run (seconds), nil when there is a single time.
    let step: Double?
    /// The longest contiguous run.
    let longestRun: Int

    /// Plans `times` (ascending).
    /// - Parameters:
    ///   - step: the step that joins times into runs; nil takes the most frequent step between
    ///     consecutive times (the smaller one on a tie).
    ///   - length: times per trajectory; nil takes the shortest run.
    init(times: [Double], step: Double? = nil, length: Int? = nil) {
        let step = step ?? Self.dominantStep(times)
        var runs: [[Double]] = times.isEmpty ? [] : [[times[0]]]
        for t in times.dropFirst() {
            if let step, abs(t - runs[runs.count - 1].last! - step) < 1e-6 { runs[runs.count - 1].append(t) } else { runs.append([t]) }
        }
        let length = length ?? runs.map(\.count).min() ?? 1
        var trajectories: [[Double]] = [], leftover: [Double] = []
        for run in runs {
            var i = 0
            while length >= 1, i + length <= run.count { trajectories.append(Array(run[i..<i + length])); i += length }
            leftover += run[i...]
        }
        self.trajectories = trajectories
        self.leftover = leftover
        self.step = step
        longestRun = runs.map(\.count).max() ?? 0
    }

    /// The most frequent difference between consecutive times (the smaller on a tie), nil for
    /// fewer than two times.
    static func dominantStep(_ times: [Double]) -> Double? {
        var counts: [Double: Int] = [:]
        for (a, b) in zip(times, times.dropFirst()) { counts[b - a, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }
}
