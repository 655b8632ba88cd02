import Foundation

/// The hens version, written into every output file's provenance attributes (`hens_version`).
///
/// It changes with every change of a file format, so that a reader can tell a file it
/// understands from one it does not.
public enum HensVersion {
    /// This build's version.
    public static let string = "0.2.0"
    /// Versions whose files this build reads: 0.1.0 files lack the provenance attributes of
    /// 0.2.0 (BLAS kernel, CPU, git commit) and are otherwise the same.
    public static let readable: Set<String> = ["0.1.0", "0.2.0"]

    /// Refuses a file written by a hens whose format this build does not read.
    /// - Parameters:
    ///   - written: the file's `hens_version` attribute (nil: not recorded, accepted).
    ///   - path: the file, for the message.
    public static func checkReadable(written: String?, path: String) throws {
        guard let written, !readable.contains(written) else { return }
        throw HensError(.badInput, "\(path): written by hens \(written), this reader is hens \(string) "
            + "(reads files of hens \(readable.sorted().joined(separator: ", ")))")
    }
}
