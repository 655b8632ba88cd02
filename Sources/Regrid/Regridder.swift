import HensCore
import Spherical

/// Moves fields from a source lon-lat grid onto a model grid.
///
/// Built once per (source, target, method) — the weights are the expensive part — and then
/// applied to any number of fields, from any number of threads. Bilinear and conservative maps
/// are a sparse matrix (`weights`); spectral maps are a pair of spherical harmonic transforms.
///
/// Missing values: NaN source values are skipped and the remaining weights renormalised, so a
/// target value is the mean of its valid contributions, and NaN where none is valid. For
/// conservative this is CDO's `remapcon` (`fracarea`); CDO's `remapbil` instead gives a missing
/// value whenever any of the four corners is missing, so near gaps hens' bilinear values exist
/// where CDO's do not. A spectral map needs complete fields: one NaN makes every output NaN.
public struct Regridder: Sendable {
    /// The grid fields come from.
    public let source: SourceGrid
    /// The model grid fields go to.
    public let target: SphericalGrid
    /// The method the map was built with.
    public let method: RegridMethod

    private enum Map: Sendable {
        case sparse(SparseWeights)
        case spectral(SpectralRegrid)
    }
    private let map: Map

    /// Builds the map.
    /// - Parameter method: `nil` picks `RegridMethod.automatic(from:to:)`.
    /// - Throws: `HensError(.invalidArgument)` for `.spectral` when the source grid is not one
    ///   the spherical harmonic transform supports.
    public init(from source: SourceGrid, to target: SphericalGrid, method: RegridMethod? = nil) throws {
        let method = method ?? .automatic(from: source, to: target)
        self.source = source
        self.target = target
        self.method = method
        switch method {
        case .bilinear:
            map = .sparse(BilinearWeights.build(source: source, targetLatitudes: modelLatitudes(target),
                                                targetLongitudes: target.longitudesDegrees))
        case .conservative:
            map = .sparse(ConservativeWeights.build(source: CellEdges(source: source), target: CellEdges(target: target)))
        case .spectral:
            map = .spectral(try SpectralRegrid(source: source, target: target))
        }
    }

    /// The sparse weight matrix of a bilinear or conservative map (target points in the target
    /// grid's row-major order); nil for a spectral map.
    public var weights: SparseWeights? {
        if case .sparse(let w) = map { return w }
        return nil
    }

    /// The band limit (exclusive degree bound) of a spectral map; nil otherwise.
    public var bandLimit: Int? {
        if case .spectral(let s) = map { return s.forward.lmax }
        return nil
    }

    /// Regrids one field: `field` has `source.count` values (`[nlat][nlon]`, north first),
    /// `output` receives `target.nlat · target.nlon` values in the same layout.
    public func apply(_ field: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        apply(batch: 1, field, into: output)
    }

    /// Regrids `batch` fields laid out `[batch][source.count]` into `[batch][target count]`,
    /// in parallel over target rows (`Parallel.threadCount` workers).
    public func apply(batch: Int, _ fields: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        switch map {
        case .sparse(let w): w.apply(batch: batch, rows: target.nlat, fields, into: output)
        case .spectral(let s): s.apply(batch: batch, fields, into: output)
        }
    }

    /// Array convenience for `apply(batch:_:into:)`: returns `[batch][target count]` values.
    public func apply(_ fields: [Float], batch: Int = 1) -> [Float] {
        var out = [Float](repeating: 0, count: batch * target.nlat * target.nlon)
        fields.withUnsafeBufferPointer { f in out.withUnsafeMutableBufferPointer { apply(batch: batch, f, into: $0) } }
        return out
    }
}
