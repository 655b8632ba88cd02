import Foundation

/// Free space on the file system that will hold an output, checked before a long write
/// starts, and the plain-words cause of a write that failed.
///
/// A run that discovers a full disk only when its last file is flushed has wasted the whole
/// run, and libhdf5 reports the failure as a bare "HDF error"; both are avoided here.
public enum DiskSpace {
    /// Bytes this process may still write on the file system holding `path` (or its nearest
    /// existing ancestor folder), or nil when it cannot be told. Root may use the blocks
    /// reserved for it, so for root the free count is the file system's whole free count.
    public static func available(near path: String) -> Int64? {
        var folder = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: folder.path) && folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        var facts = statvfs()
        guard statvfs(folder.path, &facts) == 0 else { return nil }
        let blocks = geteuid() == 0 ? facts.f_bfree : facts.f_bavail
        let (bytes, overflow) = Int64(clamping: blocks).multipliedReportingOverflow(by: Int64(clamping: facts.f_frsize))
        return overflow ? Int64.max : bytes
    }

    /// Refuses, before any work, an output of at least `bytes` (a lower bound of its size) at
    /// `path` when its file system has less free space.
    /// - Throws: `HensError(.io)` naming the path, the bytes needed and the bytes free.
    public static func require(_ bytes: Int64, at path: String, for what: String) throws {
        guard let free = available(near: path), bytes > free else { return }
        throw HensError(.io, "\(path): not enough free space for \(what): needs at least \(format(bytes)), "
                        + "\(format(free)) free on its file system (free some space or write elsewhere)")
    }

    /// Bytes held by the regular files under `folder` (0 when it does not exist): what a
    /// resumed run has written already.
    public static func bytesUsed(under folder: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var total: Int64 = 0
        while walker.nextObject() != nil {
            if let size = walker.fileAttributes?[.size] as? NSNumber, walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular {
                total += size.int64Value
            }
        }
        return total
    }

    /// `bytes` as e.g. `512 KiB`, `812 MiB`, `3.2 GiB` or `15.9 TiB`.
    public static func format(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}

/// Why a write failed, in the words of the operating system, when the failing library does
/// not say.
public enum WriteFailure {
    /// Free space below which a failed write is put down to a full file system: libhdf5 writes
    /// whole chunks (often megabytes), so a chunk may fail with some space still free, and a
    /// failure with this little left is not chance.
    static let nearlyFull: Int64 = 8 << 20

    /// "no space left on device" (or the quota or size-limit error) when `errno` says so or
    /// the file system of `path` is (nearly) full; nil when neither explains the failure.
    public static func cause(errno code: Int32, near path: String) -> String? {
        switch code {
        case ENOSPC, EDQUOT, EFBIG: return systemMessage(code)
        default:
            if let free = DiskSpace.available(near: path), free < nearlyFull { return systemMessage(ENOSPC) }
            return nil
        }
    }

    /// The C library's message for `code`, starting in lower case ("no space left on device").
    public static func systemMessage(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}

/// Size estimates of absurd requests must not trap on overflow before they can be refused.
public enum SizeEstimate {
    /// The product of `factors` (all ≥ 0), or `Int64.max` when it does not fit in 64 bits.
    public static func product(_ factors: Int...) -> Int64 { product(factors) }

    /// The product of `factors` (all ≥ 0), or `Int64.max` when it does not fit in 64 bits.
    public static func product(_ factors: [Int]) -> Int64 {
        var result: Int64 = 1
        for factor in factors {
            let (next, overflow) = result.multipliedReportingOverflow(by: Int64(factor))
            if overflow { return .max }
            result = next
        }
        return result
    }
}
