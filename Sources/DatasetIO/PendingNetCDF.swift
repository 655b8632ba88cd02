import HensCore

/// A NetCDF file that a streaming writer fills over many calls, under a temporary name
/// (`AtomicFile`), before it is published.
///
/// Split writers, the `--append` appender and ensemble shard writers all follow the same life
/// cycle: prepare (define or extend), write fields, then either close-and-publish or abandon.
/// Keeping it in one place means every writer deletes its temporary file on any failure —
/// also when it is released without `finish()` — and never publishes a half-written file.
final class PendingNetCDF {
    private let output: AtomicFile
    /// The open file; nil once closed or abandoned.
    private(set) var file: NetCDFFile?

    /// Takes over `file`, open at `output.temporaryPath`, after `prepare` has run on it; if
    /// `prepare` throws, the file is closed and deleted before the error is rethrown.
    init(_ output: AtomicFile, file: NetCDFFile, prepare: (NetCDFFile) throws -> Void) throws {
        self.output = output
        do {
            try prepare(file)
        } catch {
            file.closeQuietly()
            output.discard()
            throw error
        }
        self.file = file
    }

    /// Released unfinished: abandon. Once closed, the staged file belongs to its `StagedFile`
    /// (and the temporary name may already be reused by another writer of the same path).
    deinit { if file != nil { abort() } }

    /// The open file, or an internal error naming `operation` when the writer is finished.
    func open(for operation: String) throws -> NetCDFFile {
        guard let file else { throw HensError(.internal, "\(output.finalPath): \(operation) after the file was closed or abandoned") }
        return file
    }

    /// Closes the file (libnetcdf flushes here) and returns it staged beside its final path;
    /// if closing fails the temporary file is deleted.
    func close() throws -> StagedFile {
        let nc = try open(for: "close")
        file = nil
        // Not closed again after a failed nc_close: libnetcdf may have handed the id on.
        do { try nc.close() } catch {
            output.discard()
            throw error
        }
        return StagedFile(file: output)
    }

    /// Closes and deletes the temporary file; the final path is left untouched. Idempotent.
    func abort() {
        file?.closeQuietly()
        file = nil
        output.discard()
    }
}
