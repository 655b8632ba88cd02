import Foundation
import XCTest

/// The built `hens` executable, run as a user runs it: arguments, environment, exit status,
/// standard output and standard error (through files, so large outputs never block a pipe).
struct HensProcess {
    /// What one run printed and how it ended.
    struct Result {
        /// The exit status (a signal's number when the process was killed).
        let status: Int32
        /// Whether a signal ended the process (then `status` is the signal's number).
        let signalled: Bool
        /// Whether `run` killed the process for outliving its time limit.
        var timedOut = false
        /// Standard output.
        let stdout: String
        /// Standard error.
        let stderr: String
        /// The lines of standard error.
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
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
    /// kills it (SIGKILL) after `timeout` seconds, so that a hang fails a test instead of stalling it.
    static func run(_ arguments: [String], environment: [String: String] = [:], executable: String = HensProcess.executable,
                    in folder: String = HensProcess.packageRoot, timeout: TimeInterval? = nil) throws -> Result {
        let scratch = NSTemporaryDirectory() + "hens-e2e-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = FileManager.default.createFile(atPath: scratch + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + "/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "HENS_BLAS_KERNEL", "HENS_BLAS_REEXEC"] { env.removeValue(forKey: key) }
        process.environment = env.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/err"))
        let started = Date()
        try process.run()
        let watchdog = DispatchWorkItem { [pid = process.processIdentifier] in kill(pid, SIGKILL) }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog) }
        process.waitUntilExit()
        watchdog.cancel()
        let text = { (name: String) in String(decoding: FileManager.default.contents(atPath: scratch + "/" + name) ?? Data(), as: UTF8.self) }
        return Result(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                      timedOut: timeout.map { process.terminationStatus == SIGKILL && Date().timeIntervalSince(started) >= $0 } ?? false,
                      stdout: text("out"), stderr: text("err"))
    }

    /// Skips the test when the executable has not been built.
    static func requireExecutable() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("no hens executable at \(executable) (build with swift build --build-tests, or set HENS)")
        }
    }
}
