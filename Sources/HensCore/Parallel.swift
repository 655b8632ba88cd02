import Dispatch
import Foundation

/// Process-wide thread settings shared by every numerical kernel in hens.
///
/// hens runs its own parallel loops (`DispatchQueue.concurrentPerform`) around
/// single-threaded BLAS and FFTW calls (the numerics backend keeps BLAS at one thread), so that
/// exactly `threadCount` cores are busy and no library oversubscribes them.
/// `configure(threads:)` is called once by the CLI (`--threads N`) before any work starts.
public enum Parallel {
    nonisolated(unsafe) private static var _threadCount = ProcessInfo.processInfo.activeProcessorCount

    /// Number of worker threads hens' parallel loops use (≥ 1).
    public static var threadCount: Int { _threadCount }

    /// Sets the thread count for hens' loops and tunes the allocator for numerical work.
    /// - Parameter threads: worker count; `nil` or a value < 1 means all active cores.
    public static func configure(threads: Int?) {
        let n = threads.flatMap { $0 >= 1 ? $0 : nil } ?? ProcessInfo.processInfo.activeProcessorCount
        _threadCount = max(1, n)
        Allocator.tuneForNumerics()
    }

    /// Runs `body(worker, workers)` on `workers = min(threadCount, tasks)` threads.
    /// With one worker the body runs inline on the calling thread.
    /// - Parameter tasks: an upper bound on useful parallelism (e.g. the number of chunks).
    /// Inside a worker of an outer parallel loop (e.g. one trajectory per worker), inner loops
    /// run inline, so that nesting never puts more than `threadCount` threads to work.
    public static func forEachWorker(tasks: Int, _ body: (_ worker: Int, _ workers: Int) -> Void) {
        let workers = isNested ? 1 : max(1, min(threadCount, tasks))
        if workers == 1 {
            body(0, 1)
        } else {
            withoutActuallyEscaping(body) { body in
                let shared = WorkerBody(run: body)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    Thread.current.threadDictionary[nestedKey] = true
                    defer { Thread.current.threadDictionary[nestedKey] = nil }
                    shared.run(worker, workers)
                }
            }
        }
    }

    /// The loop body handed to the workers. The contract of every parallel loop in hens is that
    /// workers touch disjoint parts of the buffers they capture (or only read shared state), which
    /// the compiler cannot see through the unsafe pointers of the kernels.
    private struct WorkerBody: @unchecked Sendable {  // unchecked: workers write disjoint ranges by contract
        let run: (Int, Int) -> Void
    }

    private static let nestedKey = "hens.parallel.nested"

    /// Whether the calling thread is a worker of a hens parallel loop.
    public static var isNested: Bool { Thread.current.threadDictionary[nestedKey] != nil }

    /// Runs `body(i)` for every `i` in `0..<count`, distributing indices cyclically
    /// (worker w takes w, w + W, w + 2W, …), which balances triangular workloads such
    /// as per-order Legendre sums without any shared counter.
    public static func forEachCyclic(_ count: Int, _ body: (Int) -> Void) {
        forEachWorker(tasks: count) { worker, workers in
            var i = worker
            while i < count {
                body(i)
                i += workers
            }
        }
    }

    /// Runs `body(range)` on contiguous, nearly equal chunks of `0..<count`, one per worker.
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let tasks = max(1, count / max(1, minimumChunk))
        forEachWorker(tasks: tasks) { worker, workers in
            let lo = count * worker / workers
            let hi = count * (worker + 1) / workers
            if lo < hi { body(lo..<hi) }
        }
    }
}
