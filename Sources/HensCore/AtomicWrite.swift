import Foundation

/// Writes `data` to a temporary file beside `path`, then renames it over `path`, so readers
/// (and a later stage of a Makefile) never see half a file.
///
/// Plain POSIX calls rather than `Data.write(to:options:)`: Foundation's errors name neither the
/// path nor the cause on Linux ("NSCocoaErrorDomain Code=640"), and a full disk must read as
/// "no space left on device". The temporary file is removed on every failure.
/// - Throws: `HensError(.io)` naming the path and the system's reason.
public func writeAtomically(_ data: Data, to path: String) throws {
    let temporary = "\(path).tmp-\(getpid())"
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
