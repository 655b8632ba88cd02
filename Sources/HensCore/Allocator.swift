#if canImport(Glibc)
import CSystem
#endif

/// Process-wide allocator settings for numerical work.
public enum Allocator {
    /// Keeps freed blocks of up to 32 MiB in the heap instead of returning them to the kernel.
    ///
    /// Kernels allocate grid-sized temporaries (hundreds of KiB) on every step; with glibc's
    /// default 128 KiB mmap threshold each one is a fresh mapping whose pages fault in and are
    /// zeroed again, which cost a fifth of a small shallow-water step.
    public static func tuneForNumerics() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        #endif
    }
}
