import Foundation
import HensCore

/// Median, minimum and maximum of repeated timings of one measurement, in seconds.
public struct Timing: Equatable, Sendable {
    /// The middle sample; of an even count the upper of the two middle ones, so that the median
    /// is always a time that was actually measured.
    public let median: Double
    /// The fastest run: the best the machine did when nothing else got in the way.
    public let min: Double
    /// The slowest run.
    public let max: Double
    /// How many runs were timed (the warm-up call not included).
    public let runs: Int

    /// Statistics of `samples` (seconds, in any order; at least one).
    public init(samples: [Double]) {
        precondition(!samples.isEmpty, "a timing needs at least one sample")
        let sorted = samples.sorted()
        median = sorted[sorted.count / 2]
        min = sorted[0]
        max = sorted[sorted.count - 1]
        runs = sorted.count
    }

    /// Runs `body` once to warm up (caches, lazily built plans), then repeatedly until `budget`
    /// seconds have passed and at least `minRuns` runs were timed (at most 10,000 runs).
    public static func measure(budget: Double, minRuns: Int, _ body: () -> Void) -> Timing {
        body()
        var samples: [Double] = []
        let total = Stopwatch()
        while samples.count < minRuns || (total.seconds < budget && samples.count < 10_000) {
            let s = Stopwatch()
            body()
            samples.append(s.seconds)
        }
        return Timing(samples: samples)
    }

    /// `measure`, plus the share of the machine's CPU time that other processes used while it
    /// ran (percent; nil where `/proc/stat` is missing), to tell a slow run from a busy machine.
    public static func measureWithLoad(budget: Double, minRuns: Int, _ body: () -> Void) -> (timing: Timing, otherCPU: Double?) {
        let probe = OtherLoadProbe()
        let timing = measure(budget: budget, minRuns: minRuns, body)
        return (timing, probe?.otherPercent)
    }
}

/// Runs `body` with hens' parallel loops set to `threads` workers and restores the previous
/// setting afterwards, so a benchmark leaves the process as it found it.
public func withParallelThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
    let previous = Parallel.threadCount
    Parallel.configure(threads: threads)
    defer { Parallel.configure(threads: previous) }
    return try body()
}
