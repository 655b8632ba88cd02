import Foundation
import Spherical

/// Where one member's saved activations live inside a tape's storage (offsets in reals).
struct TapeLayout {
    struct Block {
        /// Stacked spectral inputs (for ∂W).
        let stack: Int
        /// Filter output, the input of the first norm.
        let filtered: Int
        /// makani: the residual the outer skip reads.
        let residual: Int?
        /// fc1's output before the GELU.
        let hidden: Int
        /// makani: the MLP output, the input of the second norm.
        let mlpOutput: Int?
        let stats0: Int?
        let stats1: Int?
    }

    let input: Int
    let encoderHidden: Int?
    let blocks: [Block]
    let decoderInput: Int
    let decoderHidden: Int?
    /// Reals per member.
    let memberCount: Int

    init(_ a: SFNOArchitecture) {
        let c = a.config, e = a.embed
        let makani = c.variant == .makani
        var plan = BufferPlan()
        input = plan.take(c.inChannels * c.dataPoints)
        encoderHidden = a.encoder.hidden > 0 ? plan.take(a.encoder.hidden * c.dataPoints) : nil
        blocks = a.blocks.map { b in
            let points = b.output == .data ? c.dataPoints : c.internalPoints
            return Block(stack: plan.take(b.spectral.stackCount), filtered: plan.take(e * points),
                         residual: makani ? plan.take(e * points) : nil, hidden: plan.take(b.mlp.hidden * points),
                         mlpOutput: makani ? plan.take(e * points) : nil,
                         stats0: b.norm0 != nil ? plan.take(2 * e) : nil, stats1: b.norm1 != nil ? plan.take(2 * e) : nil)
        }
        decoderInput = plan.take(e * c.dataPoints)
        decoderHidden = a.decoder.hidden > 0 ? plan.take(a.decoder.hidden * c.dataPoints) : nil
        memberCount = plan.count
    }
}

/// Pointers to one member's region of a tape.
struct MemberTape<T> {
    struct Block {
        let stack: UnsafeMutablePointer<T>
        let filtered: UnsafeMutablePointer<T>
        let residual: UnsafeMutablePointer<T>?
        let hidden: UnsafeMutablePointer<T>
        let mlpOutput: UnsafeMutablePointer<T>?
        let stats0: UnsafeMutablePointer<T>?
        let stats1: UnsafeMutablePointer<T>?
    }

    let input: UnsafeMutablePointer<T>
    let encoderHidden: UnsafeMutablePointer<T>?
    let blocks: [Block]
    let decoderInput: UnsafeMutablePointer<T>
    let decoderHidden: UnsafeMutablePointer<T>?

    init(_ layout: TapeLayout, base: UnsafeMutablePointer<T>) {
        input = base + layout.input
        encoderHidden = layout.encoderHidden.map { base + $0 }
        blocks = layout.blocks.map { b in
            Block(stack: base + b.stack, filtered: base + b.filtered, residual: b.residual.map { base + $0 },
                  hidden: base + b.hidden, mlpOutput: b.mlpOutput.map { base + $0 },
                  stats0: b.stats0.map { base + $0 }, stats1: b.stats1.map { base + $0 })
        }
        decoderInput = base + layout.decoderInput
        decoderHidden = layout.decoderHidden.map { base + $0 }
    }
}

/// What `SFNOModel.forwardRecording` keeps for `backward`: every member's input and the
/// intermediate activations the hand-written backward pass reads.
///
/// The storage comes from the model's pool and goes back to it when the tape is released, so
/// a training loop reuses the same memory every step.
public final class SFNOTape<T: SHTScalar>: @unchecked Sendable {  // unchecked: written by one training step, then read by its backward pass
    /// Members recorded.
    public let batch: Int
    let layout: TapeLayout
    let storage: TapeStorage<T>.Buffer
    private let pool: TapeStorage<T>

    init(batch: Int, layout: TapeLayout, pool: TapeStorage<T>) {
        self.batch = batch
        self.layout = layout
        self.pool = pool
        storage = pool.take(batch * layout.memberCount)
    }

    deinit { pool.give(storage) }

    /// Bytes held.
    public var byteCount: Int { storage.capacity * MemoryLayout<T>.stride }

    func member(_ b: Int) -> MemberTape<T> {
        MemberTape(layout, base: storage.base + b * layout.memberCount)
    }
}

/// A pool of tape buffers, so that each training step reuses the previous step's storage
/// (fresh hundred-megabyte allocations would page-fault on every step).
final class TapeStorage<T: SHTScalar>: @unchecked Sendable {  // unchecked: the free list is guarded by a lock
    struct Buffer {
        let base: UnsafeMutablePointer<T>
        let capacity: Int
    }

    private var free: [Buffer] = []
    private let lock = NSLock()

    deinit { for b in free { b.base.deallocate() } }

    /// A buffer of at least `count` reals (contents undefined): the smallest free one that fits.
    func take(_ count: Int) -> Buffer {
        lock.lock()
        defer { lock.unlock() }
        if let i = free.indices.filter({ free[$0].capacity >= count }).min(by: { free[$0].capacity < free[$1].capacity }) {
            return free.remove(at: i)
        }
        let n = max(1, count)
        let base = UnsafeMutablePointer<T>.allocate(capacity: n)
        base.initialize(repeating: 0, count: n)
        return Buffer(base: base, capacity: n)
    }

    func give(_ buffer: Buffer) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}
