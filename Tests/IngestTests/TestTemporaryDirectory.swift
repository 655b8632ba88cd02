import Foundation
import XCTest

/// One folder per test process for every file the ingest tests write, removed when the test
/// bundle finishes.
///
/// Helpers such as `netcdf(_:format:)` have no test case to attach a teardown to, and used to
/// leave one `.nc` and one `.cdl` in the system temporary directory per call; gathering them
/// under a single folder makes cleanup one removal, and even a crashed run leaves one folder
/// rather than hundreds of files.
enum TestTemporaryDirectory {
    /// The folder, created (and its removal registered) on first use.
    static let path: String = {
        let path = NSTemporaryDirectory() + "hens-ingest-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            fatalError("cannot create the test temporary folder \(path): \(error)")
        }
        XCTestObservationCenter.shared.addTestObserver(FolderRemover(path: path))
        return path
    }()

    /// A fresh path `<folder>/<prefix>-<UUID>` (nothing is created there).
    static func unique(_ prefix: String) -> String { path + "/" + prefix + "-" + UUID().uuidString }
}

/// Removes a folder when the test bundle finishes.
private final class FolderRemover: NSObject, XCTestObservation {
    let path: String

    init(path: String) { self.path = path }

    func testBundleDidFinish(_ testBundle: Bundle) { try? FileManager.default.removeItem(atPath: path) }
}
