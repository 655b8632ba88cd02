import Spherical

/// How values move from a source grid onto a model grid.
public enum RegridMethod: String, CaseIterable, Sendable {
    /// Bilinear in (longitude, latitude) between the four surrounding source points, as CDO's
    /// `remapbil` for regular grids: periodic across 0°/360° when the source is global in
    /// longitude. Beyond the outermost source rows (e.g. a pole row of the target above a Gaussian
    /// or offset source) it falls back, like CDO, to an inverse-distance average of the four
    /// nearest points of the two outermost source rows (weights 1/(d + 10⁻¹⁴), great-circle d).
    /// A source that is not global in longitude gives NaN outside its columns and beyond its rows.
    case bilinear
    /// First-order conservative, area weighted on the sphere as CDO's `remapcon` with its
    /// default `fracarea` normalisation: each target value is the mean of the source cells it
    /// overlaps, weighted by overlap area Δλ · (sin φ₁ − sin φ₂) (cell edges: `CellEdges`).
    /// Preserves the area integral when both grids cover the sphere.
    case conservative
    /// Forward spherical harmonic transform on the source grid, inverse on the target grid, with
    /// the smaller of the two grids' default band limits. Exact for band-limited fields; needs a
    /// source grid the SHT supports (a `SphericalGrid`'s rows, longitudes from 0°).
    case spectral

    /// The method hens uses when none is asked for: conservative when the target is no finer than
    /// the source in either direction (coarsening averages instead of sub-sampling, which would
    /// alias small scales), bilinear when refining (conservative would copy blocks of values).
    public static func automatic(from source: SourceGrid, to target: SphericalGrid) -> RegridMethod {
        target.nlat <= source.nlat && target.nlon <= source.nlon ? .conservative : .bilinear
    }
}
