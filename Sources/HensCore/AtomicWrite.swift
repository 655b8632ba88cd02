import Foundation

/// Writes `data` to a temporary file beside `path`, then renames it over `path`, so readers
/// (and a later stage of a Makefile) never see half a file.
///
/// Plain POSIX calls rather than `Data.write(to:options:)`: Foundation's errors name neither the
/// path nor the cause on Linux ("NSCocoaErrorDomain Code=640"), a full disk must read as "no
/// space left on device", and its `.dat.nosync…` temporary name said nothing of its owner. The
/// temporary file is `<path>.tmp-<pid>`, removed on every failure, by an interruption
/// (`TemporaryOutputs`), and, after a SIGKILL, by the next write of `path`
/// (`removeOrphanedTemporaries`).
/// - Throws: `HensError(.io)` naming the path and the system's reason.
public func writeAtomically(_ data: Data, to path: String) throws {
    removeOrphanedTemporaries(of: path)
    let temporary = temporaryPath(for: path)
    func fail(_ what: String, _ code: Int32) -> HensError {
        unlink(temporary)
        TemporaryOutputs.unregister(temporary)
        return HensError(.io, "\(path): cannot \(what): \(WriteFailure.systemMessage(code))")
    }
    TemporaryOutputs.register(temporary)
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw fail("create the file", errno) }
    var written = 0
    let failure: Int32? = data.withUnsafeBytes { bytes -> Int32? in
        while written < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 { if errno == EINTR { continue }; return errno }
            written += n
        }
        return nil
    }
    if let failure { close(descriptor); throw fail("write", failure) }
    guard close(descriptor) == 0 else { throw fail("write", errno) }
    let renameFailure = TemporaryOutputs.publish(temporary) { rename(temporary, path) == 0 ? nil : errno }
    if let renameFailure { throw fail("move the finished file into place", renameFailure) }
}

/// `<path>.tmp-<pid>`: where this process writes `path` (a file or a folder) until it is complete.
/// The same folder as `path`, because `rename(2)` is atomic only within one file system; the pid
/// keeps two processes writing the same target apart and tells a dead writer's leftovers from a
/// live one's.
public func temporaryPath(for path: String) -> String {
    "\(path).tmp-\(getpid())"
}

/// Removes `<path>.<tag>-<pid>` files and folders (tags `tmp` and whatever `tags` adds) whose
/// process no longer exists: the leftovers of a run killed half-way (even by SIGKILL, which no
/// handler sees). A live process's files, this process's included, are kept.
/// - Parameter tags: the name parts before `-<pid>` to look for (default `tmp`).
public func removeOrphanedTemporaries(of path: String, tags: [String] = ["tmp"]) {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    let directory = url.deletingLastPathComponent().path
    let name = url.lastPathComponent
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for candidate in names {
        for tag in tags where isLeftOfDeadProcess(candidate, prefix: "\(name).\(tag)-") {
            // A child the dead writer started (gnuplot drawing into a staging folder) may still
            // add a file while the folder is being removed; a second pass catches it.
            for _ in 0..<3 where FileManager.default.fileExists(atPath: directory + "/" + candidate) {
                try? FileManager.default.removeItem(atPath: directory + "/" + candidate)
            }
        }
    }
}

/// Whether `candidate` is `<prefix><pid>` for a process that no longer exists (never this one).
public func isLeftOfDeadProcess(_ candidate: String, prefix: String) -> Bool {
    guard candidate.hasPrefix(prefix), let pid = Int32(candidate.dropFirst(prefix.count)), pid > 0, pid != getpid() else { return false }
    return kill(pid, 0) != 0 && errno == ESRCH
}

/// Refuses, before any work, an output file path that cannot be written at the end: an
/// existing folder, or a path whose folder does not exist (a long run would otherwise fail
/// only when it renames its finished file into place).
/// - Throws: `HensError(.invalidArgument)` naming `option` and the path.
public func checkOutputFilePath(_ path: String, option: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw HensError.invalid(option, "a file path, but \(path) is a folder")
    }
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw HensError.invalid(option, "a file in an existing folder, but \(parent) is not one")
    }
}
