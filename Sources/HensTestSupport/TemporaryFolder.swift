import Foundation
import XCTest

extension XCTestCase {
    /// A new, empty folder under the system's temporary directory, removed when the test ends
    /// (also when it fails), so that no test leaves files behind or sees another's.
    /// - Parameter prefix: the start of the folder's name, for finding it while debugging.
    public func temporaryFolder(_ prefix: String = "hens-test") throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// A temporary folder shared by every test of one test process, created on first use and
/// removed when the test run ends: for fixtures that are expensive to write and read-only.
public enum SharedTemporaryFolder {
    /// The folder.
    public static let path: String = {
        let path = NSTemporaryDirectory() + "hens-tests-\(getpid())-\(UUID().uuidString)"
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            fatalError("cannot create the shared test folder \(path): \(error)")
        }
        XCTestObservationCenter.shared.addTestObserver(FolderRemover(path: path))
        return path
    }()

    /// A fresh path `<folder>/<prefix>-<UUID>` (nothing is created there).
    public static func unique(_ prefix: String) -> String { path + "/" + prefix + "-" + UUID().uuidString }
}

/// Removes a folder when the whole test bundle has finished.
private final class FolderRemover: NSObject, XCTestObservation, @unchecked Sendable {  // unchecked: immutable; XCTest calls it on one thread
    let path: String
    init(path: String) { self.path = path }
    func testBundleDidFinish(_ testBundle: Bundle) { try? FileManager.default.removeItem(atPath: path) }
}
