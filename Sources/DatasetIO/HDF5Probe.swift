import CNetCDF
import Foundation
import HensCore

/// Reads an untrusted NetCDF-4 (HDF5) file first in a child process, so that a damaged file
/// that crashes or hangs the HDF5 library ends that child, not hens.
///
/// libhdf5 (1.10 in Debian 12) trusts its file's internal addresses: a few flipped bits in a
/// global heap (where variable-length strings live) make it copy from a wild pointer (SIGSEGV)
/// or loop for ever, and nothing in-process can recover from either. The child runs
/// `hens _probe FILE`, which opens the file and reads what such damage hides in — every
/// attribute, every string variable, and the first and last value of every numeric variable
/// (metadata and chunk indexes, not the bulk data, so the probe costs a process start and the
/// header). The parent turns a signal into exit 3 naming the file, and kills a child still
/// running after `timeout` seconds. When the child meets an ordinary error, the parent reports
/// the child's message and never opens the file itself: libhdf5 may read uninitialised memory
/// on such files, so a file it failed on once can crash it the next time.
public enum HDF5Probe {
    /// The hens executable that runs the probe; nil (the default, e.g. in unit tests) reads
    /// files in-process without a probe. The CLI sets it at startup.
    nonisolated(unsafe) public static var executable: String?

    /// The hidden subcommand the child runs.
    public static let subcommand = "_probe"

    /// Seconds a probe may take: reading a header and a handful of values takes milliseconds,
    /// so only a looping library gets near it. `HENS_PROBE_TIMEOUT` overrides it (tests).
    public static var timeout: Double {
        ProcessInfo.processInfo.environment["HENS_PROBE_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 30
    }

    /// Probes `path` in a child process when it is an HDF5 file and a probe executable is set.
    /// - Throws: `.badInput` naming the file when the child died of a signal, had to be killed or
    /// could not read the file (then with the child's own message).
    static func check(path: String) throws {
        guard let executable, try isHDF5(path) else { return }
        // The child's one error line goes to a file: a pipe could fill while nobody reads it.
        let messages = NSTemporaryDirectory() + "hens-probe-\(getpid())-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: messages, contents: nil), let sink = FileHandle(forWritingAtPath: messages) else {
            throw HensError(.io, "\(messages): cannot create the probe's message file")
        }
        TemporaryOutputs.register(messages)  // an interrupted hens removes it too
        defer {
            try? sink.close()
            try? FileManager.default.removeItem(atPath: messages)
            TemporaryOutputs.unregister(messages)
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = [subcommand, path]
        child.environment = ProcessInfo.processInfo.environment.merging(["HENS_LOG_FORMAT": "text"]) { $1 }
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = FileHandle.nullDevice
        child.standardError = sink
        let finished = DispatchSemaphore(value: 0)
        child.terminationHandler = { _ in finished.signal() }
        do { try child.run() } catch {
            throw HensError(.internal, "cannot start \(executable) \(subcommand) to check \(path): \(error.localizedDescription)")
        }
        let limit = timeout
        if finished.wait(timeout: .now() + limit) == .timedOut {
            kill(child.processIdentifier, SIGKILL)
            finished.wait()
            throw HensError(.badInput, "\(path): malformed HDF5 file (the HDF5 library was still reading its metadata after "
                + "\(String(format: "%g", limit)) s; a damaged file can make it loop)")
        }
        if child.terminationReason == .uncaughtSignal {
            throw HensError(.badInput, "\(path): malformed HDF5 file (the HDF5 library crashed reading it)")
        }
        guard child.terminationStatus == 0 else {
            let text = String(decoding: FileManager.default.contents(atPath: messages) ?? Data(), as: UTF8.self)
            let line = text.split(separator: "\n").last { $0.hasPrefix("hens: error: ") }.map { String($0.dropFirst("hens: error: ".count)) }
            throw HensError(.badInput, line ?? "\(path): cannot be read as NetCDF-4/HDF5 (the probe exited \(child.terminationStatus))")
        }
    }

    /// The child's side: opens the file without a probe and reads every attribute, every string
    /// variable and the first and last value of every numeric variable.
    /// - Throws: the error any of those reads met (the parent reports its own).
    public static func readInProcess(path: String) throws {
        let reader = try NetCDFReader(path: path, probing: false)
        try reader.touchEveryVariable()
    }

    /// Whether the file is HDF5: the signature at 0, or after a user block (512, 1024, …).
    private static func isHDF5(_ path: String) throws -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let source = HeaderBytes(handle: handle, size: UInt64(info.st_size))
        return ((try? HDF5Superblock.find(in: source)) ?? nil) != nil
    }
}
