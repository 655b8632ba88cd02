import HensCore

/// The fixed split of a field's points into column tiles that every pointwise stage uses.
///
/// Tiles have the same boundaries whatever the thread count or batch, and workers take
/// whole tiles, so each output value is computed by the same sequence of operations in every
/// run: results do not depend on how many threads share the work or which members share a batch.
struct ColumnTiles {
    /// Columns per tile (the last one may be shorter).
    let width: Int

    /// Tiles sized so that a hidden tile of `hidden` rows stays within ~256 KiB of Float32
    /// (half the L2 of this machine's cores), in multiples of 16 columns.
    init(hidden: Int) {
        width = max(64, min(2048, (65_536 / max(1, hidden)) / 16 * 16))
    }

    /// Tiles of a given width (tests use narrow tiles to cover tile boundaries on tiny grids).
    init(width: Int) {
        self.width = max(1, width)
    }

    /// Number of tiles covering `points` columns.
    func count(_ points: Int) -> Int { (points + width - 1) / width }

    /// Runs `body(range, worker)` for every tile of `0..<points`, tiles spread cyclically over
    /// hens' workers; `worker` indexes per-worker scratch.
    func forEach(_ points: Int, _ body: (_ columns: Range<Int>, _ worker: Int) -> Void) {
        let tiles = count(points)
        Parallel.forEachWorker(tasks: tiles) { worker, workers in
            var t = worker
            while t < tiles {
                let lo = t * width
                body(lo..<min(points, lo + width), worker)
                t += workers
            }
        }
    }
}
