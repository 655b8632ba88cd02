import Dispatch

/// A monotonic wall-clock timer for benchmarks and progress reports.
public struct Stopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Seconds since the stopwatch was created.
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
}
