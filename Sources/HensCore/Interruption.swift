import Foundation

/// What hens does when it is asked to stop (SIGINT from Ctrl-C, SIGTERM from a batch system,
/// SIGHUP from a closed terminal): remove this process's temporary files and staging folders,
/// say so in one line, and exit with 128 + the signal's number (130, 143, 129; README "Exit
/// codes").
///
/// Whatever was committed stays — finished files, forecast batches, epochs — so rerunning the
/// same command resumes or finds the output up to date. The signal itself only wakes a
/// watcher thread (writing to a pipe is all a signal handler may safely do); the watcher
/// does the cleaning on an ordinary thread.
public enum Interruption {
    /// The signals hens handles, with their names for the message.
    public static let signals: [(number: Int32, name: String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]

    /// Installs the handlers (once, at start-up). Children started later (gnuplot) get the
    /// default dispositions back when they exec, so they still stop on the same signals.
    public static func install() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        signalPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let watcher = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) != 1 {}
            stop(signal: Int32(byte))
        }
        watcher.name = "hens-interrupt"
        watcher.start()
        for (number, _) in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    /// Removes the temporaries, reports and exits; never returns.
    static func stop(signal number: Int32) -> Never {
        let removed = TemporaryOutputs.removeAllForever()
        let name = signals.first { $0.number == number }?.name ?? "signal \(number)"
        let what = removed == 0 ? "" : "; removed \(removed) temporary file(s)"
        let message = "interrupted by \(name)\(what); rerun the same command to resume"
        LogFormat.emit(LogFormat.current == .json ? message : "hens: error: \(message)", level: "error",
                       fields: ["exit_code": Int(128 + number)])
        fflush(nil)
        _exit(128 + number)
    }
}

/// The write end of the pipe the signal handler wakes the watcher through.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The signal handler: async-signal-safe, it only writes the signal's number to the pipe.
private func forwardSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
}

/// This process's temporary files and staging folders, removed if hens is interrupted.
///
/// Writers register a temporary path when they create it and publish it (the rename that
/// makes it final) through `publish`, under the same lock the interruption takes: a file is
/// therefore either published whole before the interruption or removed by it, never half.
public enum TemporaryOutputs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: [String: Int] = [:]

    /// Records `path` (a file or a folder) as a temporary of this process.
    public static func register(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths[path, default: 0] += 1
    }

    /// Forgets `path` (it was removed, or published).
    public static func unregister(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        forget(path)
    }

    /// Runs `body` — the rename that turns `path` into a finished output — and forgets `path`,
    /// atomically with respect to an interruption.
    public static func publish<T>(_ path: String, _ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        let result = try body()
        forget(path)
        return result
    }

    /// Drops one registration of `path`; the caller holds the lock.
    private static func forget(_ path: String) {
        if let n = paths[path] { paths[path] = n > 1 ? n - 1 : nil }
    }

    /// Removes every registered path and keeps the lock for good, so nothing is published
    /// after this; returns how many paths existed. Used only on the way out of the process.
    static func removeAllForever() -> Int {
        lock.lock()
        var removed = 0
        for path in paths.keys where FileManager.default.fileExists(atPath: path) {
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }
}
