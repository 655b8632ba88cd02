import Foundation

/// Progress of long work on stderr: a live line with rate and ETA when stderr is a terminal,
/// a plain log line every few seconds otherwise (cron and CI logs), nothing when quiet.
public final class ProgressReporter: @unchecked Sendable {  // unchecked: mutable state is guarded by a lock
    private let label: String
    private let total: Int
    private let unit: String
    private let quiet: Bool
    private let interactive: Bool
    private let interval: Double
    private let clock = Stopwatch()
    private var done = 0
    private var lastReport = -Double.infinity
    private let lock = NSLock()

    /// - Parameters:
    ///   - total: units of work expected.
    ///   - unit: name of a unit, e.g. "steps".
    ///   - quiet: suppress all output.
    public init(_ label: String, total: Int, unit: String, quiet: Bool) {
        self.label = label
        self.total = max(1, total)
        self.unit = unit
        self.quiet = quiet
        interactive = isatty(STDERR_FILENO) != 0 && LogFormat.current == .text
        interval = interactive ? 0.2 : 5
    }

    /// Records `count` more units done (thread-safe).
    public func advance(_ count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        let now = clock.seconds
        if !quiet && (now - lastReport >= interval || done >= total) {
            lastReport = now
            report(now)
        }
    }

    /// Ends the progress line and prints the total time.
    public func finish() {
        guard !quiet else { return }
        let line = String(format: "%@: done, %d %@ in %.1f s", label, done, unit, clock.seconds)
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + "\n").utf8))
        } else {
            LogFormat.emit(line, fields: ["stage": label, "done": done, "total": total, "unit": unit, "seconds": clock.seconds, "finished": true])
        }
    }

    private func report(_ now: Double) {
        let rate = Double(done) / max(now, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let line = String(format: "%@: %d/%d %@ (%.0f%%), %.1f %@/s, ETA %@", label, done, total, unit,
                          100 * Double(done) / Double(total), rate, unit, Self.format(eta))
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            LogFormat.emit(line, fields: ["stage": label, "done": done, "total": total, "unit": unit, "rate": rate,
                                          "eta_seconds": eta.isFinite ? eta : -1])
        }
    }

    private static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
