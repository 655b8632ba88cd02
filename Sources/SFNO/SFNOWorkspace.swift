import HensCore
import Spherical

/// Scratch for one member's forward pass: two activations, the block's spectral coefficients,
/// one transform chunk and per-worker tiles. Members run one after another through the same
/// buffers, so the size does not depend on the batch.
///
/// **Inference layout** (no tape): a block reads its input from one activation and writes
/// its output into the other, and that buffer also holds the filter output y and (makani) the
/// MLP output z along the way: the pointwise stages copy each tile's input into the worker's
/// tile before they overwrite it. A block that resamples its residual writes
/// r = ISHT_out(SHT_in(x)) over its own input x, which is dead once SHT_in(x) is taken. So a
/// member needs 2 × E × P activations, not the 5 the stages name (docs/hens-size.md has the
/// whole memory formula). A recording pass keeps y, z and r on the tape instead.
struct ForwardScratch<T: SHTScalar> {
    /// Ping-pong activations `[E][P]` (P up to the larger grid).
    let activations: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)
    /// SHT of the block input, and the filtered coefficients (`E` sets each).
    let coefficientsX: UnsafeMutablePointer<T>
    let coefficientsY: UnsafeMutablePointer<T>
    /// The transforms' spectrum and folded orders for one chunk of fields.
    let transformScratch: UnsafeMutablePointer<T>
    /// Norm statistics (2E each).
    let stats0: UnsafeMutablePointer<T>
    let stats1: UnsafeMutablePointer<T>
    /// Per-worker tiles: `[E][width]` normalised input then `[hidden][width]` hidden layer.
    let tiles: UnsafeMutablePointer<T>
    let tileStride: Int
    /// Per-worker buffers of the spectral contraction (one degree's stack and output).
    let degrees: UnsafeMutablePointer<T>
    let degreeStride: Int
    let embed: Int
    let tileWidth: Int

    @inline(__always) func tileInput(_ worker: Int) -> UnsafeMutablePointer<T> { tiles + worker * tileStride }
    @inline(__always) func tileHidden(_ worker: Int) -> UnsafeMutablePointer<T> { tiles + worker * tileStride + embed * tileWidth }

    /// Reals needed for `workers` workers.
    static func count(_ a: SFNOArchitecture, tiles: ColumnTiles, workers: Int) -> Int {
        var plan = BufferPlan()
        _ = carve(a, tiles: tiles, workers: workers, plan: &plan)
        return plan.count
    }

    /// Lays the scratch out over `base`.
    init(_ a: SFNOArchitecture, tiles: ColumnTiles, workers: Int, base: UnsafeMutablePointer<T>) {
        var plan = BufferPlan()
        let o = Self.carve(a, tiles: tiles, workers: workers, plan: &plan)
        activations = (base + o.act0, base + o.act1)
        coefficientsX = base + o.coefX
        coefficientsY = base + o.coefY
        transformScratch = base + o.transform
        stats0 = base + o.s0
        stats1 = base + o.s1
        self.tiles = base + o.tiles
        tileStride = o.tileStride
        degrees = base + o.degrees
        degreeStride = o.degreeStride
        embed = a.embed
        tileWidth = tiles.width
    }

    private struct Offsets {
        var act0 = 0, act1 = 0, coefX = 0, coefY = 0, transform = 0, s0 = 0, s1 = 0
        var tiles = 0, tileStride = 0, degrees = 0, degreeStride = 0
    }

    private static func carve(_ a: SFNOArchitecture, tiles: ColumnTiles, workers: Int, plan: inout BufferPlan) -> Offsets {
        let e = a.embed, field = e * a.pointsMax, w = max(1, workers)
        var o = Offsets()
        o.act0 = plan.take(field)
        o.act1 = plan.take(field)
        o.coefX = plan.take(a.coefficientCount)
        o.coefY = plan.take(a.coefficientCount)
        o.transform = plan.take(a.transformScratchCount)
        o.s0 = plan.take(2 * e)
        o.s1 = plan.take(2 * e)
        o.tileStride = (e + a.hiddenMax) * tiles.width
        o.tiles = plan.take(o.tileStride * w)
        o.degreeStride = (a.blocks[0].spectral.degreeScratchCount + 15) / 16 * 16
        o.degrees = plan.take(o.degreeStride * w)
        return o
    }
}

/// Preallocated buffers for `SFNOModel.forward(_:output:batch:workspace:)`: create one per
/// rollout (or per thread running rollouts) and reuse it for every step, so the forecast loop
/// allocates nothing. The size does not depend on the batch (members run through the same
/// buffers one after another), only on the model and on `Parallel.threadCount`.
public final class SFNOWorkspace<T: SHTScalar>: @unchecked Sendable {  // unchecked: used by one rollout at a time; its workers write disjoint tiles
    let architecture: SFNOArchitecture
    let tiles: ColumnTiles
    private var buffer: OwnedBuffer<T>
    private(set) var workers: Int
    private(set) var scratch: ForwardScratch<T>

    /// Buffers for running `model`.
    public convenience init(model: SFNOModel<T>) {
        self.init(architecture: model.architecture, tiles: model.tiles)
    }

    init(architecture: SFNOArchitecture, tiles: ColumnTiles) {
        self.architecture = architecture
        self.tiles = tiles
        workers = Parallel.threadCount
        buffer = OwnedBuffer(count: ForwardScratch<T>.count(architecture, tiles: tiles, workers: workers))
        scratch = ForwardScratch(architecture, tiles: tiles, workers: workers, base: buffer.base)
    }

    /// Bytes held.
    public var byteCount: Int { buffer.count * MemoryLayout<T>.stride }

    /// Grows the per-worker tiles if the thread count went up since creation (the only case
    /// in which a forward pass allocates).
    func prepare() {
        let needed = Parallel.threadCount
        guard needed > workers else { return }
        workers = needed
        buffer = OwnedBuffer(count: ForwardScratch<T>.count(architecture, tiles: tiles, workers: workers))
        scratch = ForwardScratch(architecture, tiles: tiles, workers: workers, base: buffer.base)
    }
}
