import Foundation
import HensCore

/// An output file written under a temporary name and renamed over its final name on success.
///
/// A run that fails, is aborted or is killed half-way must never leave a truncated file under
/// the final name, where a later stage would take it for finished output. The temporary file
/// is `<name>.tmp-<pid>` (`temporaryPath(for:)`, shared with `writeAtomically`).
struct AtomicFile {
    /// The path the finished file will have.
    let finalPath: String
    /// The path written to until `commit()`.
    let temporaryPath: String

    /// Plans an atomic write of `path`, removing stale temporary files of the same target: this
    /// process's, and those of processes that no longer exist (a run killed half-way).
    init(path: String) {
        finalPath = path
        temporaryPath = HensCore.temporaryPath(for: path)
        unlink(temporaryPath)
        removeOrphanedTemporaries(of: path)
        TemporaryOutputs.register(temporaryPath)
    }

    /// Moves the finished temporary file over the final path (replacing any old file).
    func commit() throws {
        let failure: Int32? = TemporaryOutputs.publish(temporaryPath) { rename(temporaryPath, finalPath) == 0 ? nil : errno }
        if let failure {
            discard()
            throw HensError(.io, "\(finalPath): cannot move the finished file into place: \(WriteFailure.systemMessage(failure))")
        }
    }

    /// Deletes the temporary file; the final path is left untouched.
    func discard() {
        unlink(temporaryPath)
        TemporaryOutputs.unregister(temporaryPath)
    }
}

/// A complete file waiting under a temporary name beside its final path.
///
/// Writers that update several files together (`hens ingest --append`: split files and
/// `stats.nc`) first stage every file, then commit them all, so that a failure while producing
/// any of them leaves every final path untouched.
public struct StagedFile {
    let file: AtomicFile

    /// The path the file will have once committed.
    public var path: String { file.finalPath }

    /// Where the complete file waits until `commit()` (readable, e.g. to derive statistics).
    public var stagedPath: String { file.temporaryPath }

    /// Renames the file into place (replacing what is there).
    public func commit() throws { try file.commit() }

    /// Deletes the staged file; the final path is left untouched.
    public func discard() { file.discard() }
}
