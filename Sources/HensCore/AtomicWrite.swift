import Foundation

/// Writes `data` to a temporary file beside `path`, then renames it over `path`, so readers
/// (and a later stage of a Makefile) never see half a file.
///
/// The temporary file is `<path>.tmp-<pid>` rather than Foundation's `.atomic` name
/// (`.dat.nosync…`): a run killed between the write and the rename leaves a file whose name says
/// what it belongs to and which process wrote it, so the next write of `path` (any later run)
/// removes it (`removeOrphanedTemporaries`) instead of leaving it in the output folder forever.
/// - Throws: `HensError(.io)` naming the path.
public func writeAtomically(_ data: Data, to path: String) throws {
    removeOrphanedTemporaries(of: path)
    let temporary = temporaryPath(for: path)
    do {
        try data.write(to: URL(fileURLWithPath: temporary))
    } catch {
        unlink(temporary)
        throw HensError(.io, "\(path): cannot write (\(error.localizedDescription))")
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw HensError(.io, "\(path): cannot move the finished file into place: \(reason)")
    }
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
        for tag in tags {
            let prefix = "\(name).\(tag)-"
            guard candidate.hasPrefix(prefix), let pid = Int32(candidate.dropFirst(prefix.count)), pid > 0,
                  pid != getpid(), kill(pid, 0) != 0 && errno == ESRCH else { continue }
            // A child the dead writer started (gnuplot drawing into a staging folder) may still
            // add a file while the folder is being removed; a second pass catches it.
            for _ in 0..<3 where FileManager.default.fileExists(atPath: directory + "/" + candidate) {
                try? FileManager.default.removeItem(atPath: directory + "/" + candidate)
            }
        }
    }
}
