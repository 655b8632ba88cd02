import Foundation
import HensCore

/// Other programs a benchmark runs: hens itself (one process per case, so each starts cold and
/// reports its own peak memory), `cdo`, and the Python anchor runners.
public enum ChildProcess {
    /// The running hens executable, for benchmarks that time hens commands as separate processes.
    public static func currentExecutable() throws -> String {
        do { return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") } catch {
            throw HensError(.internal, "/proc/self/exe: cannot find the running executable (\(error.localizedDescription))")
        }
    }

    /// Runs a command to completion and returns its stdout; a non-zero exit is an error quoting
    /// the last line of its stderr. A name without a slash is looked up on PATH.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw HensError(.internal, "\(executable): cannot run it (\(error.localizedDescription))")
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let last = errors.split(separator: "\n").last.map(String.init) ?? ""
            let hint = process.terminationStatus == 127 ? " (not installed? `make deps-test` installs cdo)" : ""
            throw HensError(.internal, "\(executable) \(arguments.joined(separator: " ")): exit \(process.terminationStatus)\(hint): \(last)")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// The Python anchor runners in `bench/anchors/` (see its README): each times a reference
/// implementation on the same cases as a `hens bench` subcommand and writes JSON, so hens' JSON
/// can carry the ratio of two numbers measured in the same run on the same machine.
public enum AnchorScript {
    /// Checks that `path` exists before anything is timed: a one-line error naming the option
    /// and the path, since the default path is relative to the repository root.
    public static func require(_ path: String, option: String = "--anchor-script") throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HensError.invalid(option, "\(path) not found (run hens from the repository root, or pass the runner's path)")
        }
    }

    /// Runs `python script arguments… --json TMP` and returns the JSON object it wrote. The
    /// runner's own output goes to stderr, so hens' JSON on stdout stays clean; `tag` names the
    /// temporary file.
    public static func run(python: String, script: String, arguments: [String], tag: String) throws -> [String: Any] {
        let jsonPath = NSTemporaryDirectory() + "hens-\(tag)-anchor-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: jsonPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python.contains("/") ? python : "/usr/bin/env")
        process.arguments = (python.contains("/") ? [] : [python]) + [script] + arguments + ["--json", jsonPath]
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw HensError(.internal, "\(python): cannot run it (\(error.localizedDescription))")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HensError(.internal, "\(python) \(script): exit \(process.terminationStatus) (its output is above)")
        }
        guard let data = FileManager.default.contents(atPath: jsonPath),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HensError(.badInput, "\(jsonPath): the anchor wrote no readable JSON")
        }
        return doc
    }
}
