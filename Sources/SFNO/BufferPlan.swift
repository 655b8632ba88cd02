/// Carves one allocation into regions: each `take` returns the next offset, rounded up to
/// 16 elements (64 bytes of Float32) so every region starts on a cache line.
struct BufferPlan {
    private(set) var count = 0

    mutating func take(_ n: Int) -> Int {
        let offset = count
        count += (max(0, n) + 15) / 16 * 16
        return offset
    }
}

/// A zero-initialised buffer owned by a class instance (freed with it): scratch with a stable
/// address that worker threads can share read-only or own one each.
public final class OwnedBuffer<T: BinaryFloatingPoint>: @unchecked Sendable {  // unchecked: a raw buffer: callers share it read-only or give each worker its own part
    /// The first element.
    public let base: UnsafeMutablePointer<T>
    /// Elements held (at least 1).
    public let count: Int

    /// `count` zeros.
    public init(count: Int) {
        self.count = max(1, count)
        base = .allocate(capacity: self.count)
        // All-bits-zero is +0 for Float and Double: one memset, not a generic per-element
        // initialisation (which took ~1 min for the HENS-size model's 9 GB of weights).
        UnsafeMutableRawPointer(base).initializeMemory(as: UInt8.self, repeating: 0, count: self.count * MemoryLayout<T>.stride)
    }

    deinit { base.deallocate() }
}
