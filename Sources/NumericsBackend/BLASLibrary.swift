import COpenBLAS
import Foundation

/// The BLAS library hens links (OpenBLAS): its build, the kernel it runs, and its threads.
///
/// hens runs its own parallel loops around single-threaded BLAS calls, so that exactly the
/// requested number of cores is busy and no library oversubscribes them; `gemm` makes OpenBLAS
/// single-threaded before its first call.
public enum BLASLibrary {
    /// The kernel family OpenBLAS runs on this CPU ("Haswell", "SkylakeX", "Zen", "Prescott", …),
    /// as OpenBLAS reports it (lower-case in some builds).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS' build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64").
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text).trimmingCharacters(in: .whitespaces)
    }

    /// The library's version ("0.3.21"), read from its configuration.
    public static var version: String {
        let words = configuration.split(separator: " ")
        guard let index = words.firstIndex(of: "OpenBLAS"), index + 1 < words.count else { return "unknown" }
        return String(words[index + 1])
    }

    /// True once OpenBLAS was made single-threaded (a lazily initialised global runs its
    /// initialiser exactly once, on first access, from whichever thread gets there first).
    @usableFromInline static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Makes OpenBLAS single-threaded (once per process; a cheap check afterwards).
    @inlinable @inline(__always)
    public static func ensureSingleThreaded() { precondition(singleThreaded) }

    /// Runs `body` with OpenBLAS' own thread pool at `threads` threads (e.g. to time the machine's
    /// GEMM peak), then makes it single-threaded again.
    public static func withLibraryThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        ensureSingleThreaded()
        openblas_set_num_threads(Int32(max(1, threads)))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}
