import Foundation

/// A thread-safe pool of scratch buffers, so that repeated transforms of the same shape do
/// not allocate (large fresh allocations cost page faults on every call).
final class BufferPool<T>: @unchecked Sendable {  // unchecked: the free list is guarded by a lock
    /// A borrowed buffer; return it with `give`.
    struct Buffer {
        let base: UnsafeMutablePointer<T>
        let capacity: Int
    }

    private var free: [Buffer] = []
    private let lock = NSLock()

    deinit { for b in free { b.base.deallocate() } }

    /// A buffer of at least `count` elements (contents undefined).
    func take(_ count: Int) -> Buffer {
        lock.lock()
        if let i = free.firstIndex(where: { $0.capacity >= count }) {
            let b = free.remove(at: i)
            lock.unlock()
            return b
        }
        lock.unlock()
        return Buffer(base: .allocate(capacity: max(1, count)), capacity: max(1, count))
    }

    /// Returns a buffer to the pool.
    func give(_ buffer: Buffer) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}
