import Foundation
import HensCore
import Spherical

/// The text form of a model grid, `KIND:NLATxNLON` (e.g. `equiangular:121x240`,
/// `legendre-gauss:32x64`), or `native` for "keep the inputs' grid". The same text is accepted by
/// `--grid`, by the `grid:` key of an ingest configuration, and recorded in a dataset's
/// `model_grid` attribute, so that `--append` can rebuild the grid the dataset was made on.
public enum ModelGridSpec {
    /// The text that means "no regridding".
    public static let native = "native"

    /// Parses the text; nil for `native`.
    /// - Parameter field: names the option or key in the error (e.g. `--grid`, `configs/x.yaml: grid`).
    public static func parse(_ text: String, field: String) throws -> SphericalGrid? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == native { return nil }
        let parts = trimmed.split(separator: ":")
        let size = parts.count == 2 ? parts[1].lowercased().split(separator: "x").compactMap { Int($0) } : []
        guard parts.count == 2, let kind = GridKind(name: String(parts[0])), size.count == 2 else {
            throw HensError.invalid(field, "KIND:NLATxNLON with KIND equiangular or legendre-gauss (e.g. equiangular:121x240), or native; got '\(text)'")
        }
        do {
            return try SphericalGrid(kind, nlat: size[0], nlon: size[1])
        } catch let e as HensError {
            throw HensError.invalid(field, e.message)
        }
    }

    /// The canonical text of a grid (`native` for nil), as `parse` reads it back.
    public static func text(_ grid: SphericalGrid?) -> String {
        guard let grid else { return native }
        return "\(grid.kind.rawValue):\(grid.nlat)x\(grid.nlon)"
    }
}
