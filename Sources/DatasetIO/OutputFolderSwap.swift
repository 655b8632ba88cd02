import Foundation
import HensCore

/// An output folder written whole or not at all: the files go into a sibling staging folder,
/// which then replaces the final one by two renames (the old folder is put back if the second
/// fails). Only a folder that is empty or holds this kind of output (`marker`, e.g. a report's
/// `report.json`, a scores folder's `summary.json`) is ever replaced — never a dataset, a
/// forecast or somebody's other files that a mistyped `--out` points at.
public struct OutputFolderSwap: Sendable {
    /// The final folder, standardised (so `out/` and `out` name the same folder).
    public let folder: String
    /// The file that marks a folder as this kind of output.
    public let marker: String
    /// What the output is, for messages ("a hens report").
    public let what: String
    /// The option that names the folder, for messages.
    public let option: String

    /// The staging folder beside `folder`, private to this process.
    public var staging: String { temporaryPath(for: folder) }

    /// - Throws: `.invalidArgument` when `folder` exists and is not empty and not this kind of output.
    public init(folder: String, marker: String, what: String, option: String) throws {
        self.folder = URL(fileURLWithPath: folder).standardizedFileURL.path
        self.marker = marker
        self.what = what
        self.option = option
        Self.recoverInterruptedSwap(of: self.folder)
        try checkReplaceable()
    }

    /// Tidies what a run killed half-way (even by SIGKILL) left beside `folder`: its staging
    /// folder `.tmp-<pid>` is removed; its `.old-<pid>` (the previous output, moved aside just
    /// before the kill, between the two renames) is put back when `folder` is missing, else
    /// removed. Only folders of processes that no longer exist are touched.
    static func recoverInterruptedSwap(of folder: String) {
        let fm = FileManager.default
        let url = URL(fileURLWithPath: folder)
        let parent = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".old-"
        if !fm.fileExists(atPath: folder), let names = try? fm.contentsOfDirectory(atPath: parent) {
            for name in names.sorted() where isLeftOfDeadProcess(name, prefix: prefix) {
                if (try? fm.moveItem(atPath: parent + "/" + name, toPath: folder)) != nil { break }
            }
        }
        removeOrphanedTemporaries(of: folder, tags: ["tmp", "old"])
    }

    /// Refuses a folder that exists and is neither empty nor this kind of output (called before
    /// any work, and again just before the swap).
    public func checkReplaceable() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard isDirectory.boolValue, contents.isEmpty || contents.contains(marker) else {
            throw HensError(.invalidArgument, "\(folder): exists and is not \(what) (no \(marker)); choose another \(option)")
        }
    }

    /// A fresh, empty staging folder.
    public func makeStaging() throws -> String {
        try? FileManager.default.removeItem(atPath: staging)
        TemporaryOutputs.register(staging)
        do { try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true) } catch {
            throw HensError(.io, "\(staging): cannot create the staging folder (\(error.localizedDescription))")
        }
        return staging
    }

    /// Replaces `folder` by the staging folder; if the new folder cannot be moved in, the old one is put back.
    /// An interruption waits for the swap to finish (`TemporaryOutputs.publish`).
    public func commit() throws {
        try TemporaryOutputs.publish(staging) { try swap() }
    }

    private func swap() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder) {
            try checkReplaceable()
            let old = folder + ".old-\(ProcessInfo.processInfo.processIdentifier)"
            try fm.moveItem(atPath: folder, toPath: old)
            do { try fm.moveItem(atPath: staging, toPath: folder) } catch {
                try? fm.moveItem(atPath: old, toPath: folder)
                throw error
            }
            try? fm.removeItem(atPath: old)
        } else {
            try fm.createDirectory(atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try fm.moveItem(atPath: staging, toPath: folder)
        }
    }

    /// Removes the staging folder (after a failure).
    public func discard() {
        try? FileManager.default.removeItem(atPath: staging)
        TemporaryOutputs.unregister(staging)
    }
}
