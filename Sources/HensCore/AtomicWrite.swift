import Foundation

/// Writes `data` to a temporary file beside `path`, then renames it over `path`, so readers
/// (and a later stage of a Makefile) never see half a file.
/// - Throws: `HensError(.io)` naming the path.
public func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw HensError(.io, "\(path): cannot write (\(error.localizedDescription))")
    }
}
