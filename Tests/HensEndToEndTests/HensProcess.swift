import Foundation
import XCTest

/// The built `hens` executable, run as a user runs it: arguments, environment, exit status,
/// standard output and standard error (through files, so large outputs never block a pipe).
struct HensProcess {
    /// What one run printed and how it ended.
    struct Result {
        /// The exit status (a signal's number when the process was killed).
        let status: Int32
        /// Standard output.
        let stdout: String
        /// Standard error.
        let stderr: String
        /// Whether a signal ended the process (`status` is then the signal's number).
        var killedBySignal = false
        /// Whether the process outlived its time limit and was killed for it.
        var timedOut = false
        /// Wall time from start to end, seconds.
        var seconds = 0.0
        /// The lines of standard error.
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// What to do to a running process: a signal sent after a delay, and a time limit after
    /// which it is killed (SIGKILL) and reported as timed out.
    struct Supervision {
        /// Signal and seconds after the start.
        var signal: (number: Int32, after: Double)?
        /// Seconds before the process is killed.
        var timeLimit: Double?
        /// Address-space limit in bytes (`prlimit --as`), nil for none.
        var addressSpace: Int?
    }

    /// `HENS` from the environment, else the `hens` beside this test bundle (`swift build
    /// --build-tests` builds both into the same folder).
    static var executable: String {
        if let path = ProcessInfo.processInfo.environment["HENS"], !path.isEmpty { return path }
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("hens").path
    }

    /// The package root (for configs/ and Sources/): two folders above this file's folder.
    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Runs `executable` (hens unless given) with `arguments`, the test process's environment
    /// minus the BLAS presets the tests control, plus `environment`; waits for it to end, or
    /// kills it (SIGKILL) after `supervision.timeLimit` seconds, so that a hang fails a test
    /// instead of stalling it.
    static func run(_ arguments: [String], environment: [String: String] = [:], executable: String = HensProcess.executable,
                    in folder: String = HensProcess.packageRoot, supervision: Supervision = Supervision()) throws -> Result {
        let scratch = NSTemporaryDirectory() + "hens-e2e-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = FileManager.default.createFile(atPath: scratch + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + "/err", contents: nil)
        let process = Process()
        if let bytes = supervision.addressSpace {
            // prlimit execs hens, so the pid, the signals and the exit status are hens' own.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--as=\(bytes)", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "HENS_BLAS_KERNEL", "HENS_BLAS_REEXEC"] { env.removeValue(forKey: key) }
        process.environment = env.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/err"))
        let start = Date()
        try process.run()
        let pid = process.processIdentifier
        let timedOut = Flag()
        var watchdogs: [DispatchWorkItem] = []
        if let (number, delay) = supervision.signal {
            watchdogs.append(DispatchWorkItem { kill(pid, number) })
            DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: watchdogs[0])
        }
        if let limit = supervision.timeLimit {
            watchdogs.append(DispatchWorkItem { timedOut.set(); kill(pid, SIGKILL) })
            DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: watchdogs.last!)
        }
        process.waitUntilExit()
        for watchdog in watchdogs { watchdog.cancel() }
        let seconds = Date().timeIntervalSince(start)
        let text = { (name: String) in String(decoding: FileManager.default.contents(atPath: scratch + "/" + name) ?? Data(), as: UTF8.self) }
        return Result(status: process.terminationStatus, stdout: text("out"), stderr: text("err"),
                      killedBySignal: process.terminationReason == .uncaughtSignal, timedOut: timedOut.value, seconds: seconds)
    }

    /// Skips the test when the executable has not been built.
    static func requireExecutable() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("no hens executable at \(executable) (build with swift build --build-tests, or set HENS)")
        }
    }

    /// A flag set by a watchdog on another thread.
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var isSet = false
        func set() { lock.withLock { isSet = true } }
        var value: Bool { lock.withLock { isSet } }
    }
}
