import Foundation
import HensCore

/// Copies a file to a new path, sharing its blocks where the file system can (a reflink on
/// btrfs, XFS, bcachefs, OCFS2: constant time and no extra space), else byte by byte.
///
/// `hens ingest --append` extends a copy of a split file and renames it over the original,
/// because HDF5 has no journal: writing into the file itself, an interrupted run could corrupt
/// what was already there. On a copy-on-write file system the copy costs nothing.
enum FileClone {
    /// Linux `FICLONE` = `_IOW(0x94, 9, int)`.
    private static let ficlone: UInt = 0x4004_9409

    /// Copies `source` to `destination` (which must not exist); messages name `displayName`.
    static func copy(_ source: String, to destination: String, displayName: String) throws {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw failure(displayName, "open it for copying") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard output >= 0 else { throw failure(displayName, "create a working copy at \(destination)") }
        var ok = false
        defer {
            close(output)
            if !ok { unlink(destination) }
        }
        if ioctl(output, ficlone, input) == 0 {
            ok = true
            return
        }
        // No reflink here (ext4, tmpfs, overlayfs, another file system): a plain copy.
        let size = 8 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, size)
            if n == 0 { break }
            guard n > 0 else { throw failure(displayName, "read it for copying") }
            var done = 0
            while done < n {
                let w = write(output, buffer + done, n - done)
                guard w > 0 else { throw failure(displayName, "write a working copy at \(destination)") }
                done += w
            }
        }
        ok = true
    }

    private static func failure(_ name: String, _ what: String) -> HensError {
        HensError(.io, "\(name): cannot \(what): \(String(cString: strerror(errno)))")
    }
}
