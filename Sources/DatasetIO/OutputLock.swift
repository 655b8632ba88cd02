import Foundation
import HensCore

/// An exclusive advisory lock (`flock`) on a lock file beside some outputs, held while a
/// process writes them. The kernel releases it when the process dies, even by SIGKILL, so a
/// restarted run is never locked out by a dead one — but two live runs writing the same shard
/// (a duplicated launcher task, a cron job overlapping itself) are refused instead of
/// corrupting each other's files.
public final class OutputLock {
    /// The lock file.
    public let path: String
    private var descriptor: Int32

    /// Takes the lock or throws naming the holder's pid (written into the file).
    /// - Parameter what: what the lock protects, for the message.
    public init(path: String, what: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HensError(.io, "\(path): cannot create the lock file (\(String(cString: strerror(errno))))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            descriptor = -1
            throw HensError(.io, "\(path): another process (pid \(holder)) is writing \(what); wait for it or stop it first")
        }
        TemporaryOutputs.register(path)  // an interrupted holder removes it like its temporaries
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Releases the lock and removes the file.
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        TemporaryOutputs.unregister(path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
