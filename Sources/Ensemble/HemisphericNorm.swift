import Foundation
import HensCore
import Spherical

/// How an extratropical band's RMS is averaged.
public enum BandAveraging: String, Sendable, CaseIterable {
    /// True area-weighted RMS: √(Σ wᵢ x² / Σ wᵢ) over the band's points.
    case areaWeighted = "area"
    /// The HENS reference's formula (docs/formulas.md#hemispheric-normaliser): weights
    /// normalised to mean 1 over the *globe*, then a plain mean over the band's points. Its RMS
    /// is ≈ 8 % smaller than the area RMS for 20° bands, so the perturbations come out ≈ 8 %
    /// larger; use it to match HENS amplitudes.
    case reference
}

/// The hemispheric normaliser of HENS: per channel, the RMS of the perturbation in the NH and
/// SH extratropical bands (polewards of ±`bandLatitude`) is forced to the channel's target τ_c.
/// Between the bands the normaliser is linearly interpolated in latitude from the NH value at
/// +band to the SH value at −band (the reference interpolates over row index on its equiangular
/// grid, which is the same thing there). Like the reference, the *RMS* is interpolated and the
/// field divided by it, rather than interpolating the factors τ/RMS.
///
/// Zero-norm guard: a band whose RMS is zero (e.g. a channel the seed noise did not reach yet)
/// gets normaliser 1, as Earth2Studio does (PR #364), so nothing is divided by zero and a zero
/// perturbation stays zero.
public struct HemisphericNorm: PerturbationRescaler {
    /// Channels per state.
    public let channels: Int
    /// Grid points per channel (nlat · nlon).
    public let points: Int
    /// Grid columns.
    public let nlon: Int
    /// Target RMS τ_c per channel.
    public let targets: [Float]
    /// Band edge in degrees (HENS: 20).
    public let bandLatitude: Double
    /// How each band's RMS is averaged.
    public let averaging: BandAveraging
    /// Latitude (degrees north) per row.
    public let latitudes: [Double]
    /// Weight per row (cell area, or the reference's globe-normalised weight).
    private let rowWeights: [Double]
    /// Denominators of the NH and SH mean squares (see `BandAveraging`).
    private let northDenominator: Double, southDenominator: Double

    /// Creates a normaliser for `grid`.
    /// - Throws: `invalidArgument` when the targets do not match `channels`, a target is negative,
    ///   or the band latitude leaves a band without rows.
    public init(grid: SphericalGrid, targets: [Float], bandLatitude: Double = 20, averaging: BandAveraging = .areaWeighted) throws {
        guard !targets.isEmpty, targets.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw HensError.invalid("breeding amplitudes", "one non-negative target per channel")
        }
        guard bandLatitude >= 0, bandLatitude < 90 else {
            throw HensError.invalid("band latitude", "0 ≤ band < 90 degrees, got \(bandLatitude)")
        }
        // Rows within 1e-9° of the edge belong to the band, so an edge row computed as 19.9999…°
        // from a quadrature node still counts (HENS' 20.25° rows are inside either way).
        let lats = grid.latitudesDegrees.map { abs(abs($0) - bandLatitude) < 1e-9 ? ($0 < 0 ? -bandLatitude : bandLatitude) : $0 }
        let north = lats.indices.filter { lats[$0] >= bandLatitude }, south = lats.indices.filter { lats[$0] <= -bandLatitude }
        guard !north.isEmpty, !south.isEmpty else {
            throw HensError.invalid("band latitude", "bands polewards of ±\(bandLatitude)° with rows on a \(grid.label) grid")
        }
        channels = targets.count
        points = grid.nlat * grid.nlon
        nlon = grid.nlon
        self.targets = targets
        self.bandLatitude = bandLatitude
        self.averaging = averaging
        latitudes = lats
        let areas = grid.cellAreas
        switch averaging {
        case .areaWeighted:
            rowWeights = areas
            northDenominator = north.reduce(0) { $0 + areas[$1] } * Double(grid.nlon)
            southDenominator = south.reduce(0) { $0 + areas[$1] } * Double(grid.nlon)
        case .reference:
            let globalMean = areas.reduce(0, +) / Double(grid.nlat)
            rowWeights = areas.map { $0 / globalMean }
            northDenominator = Double(north.count * grid.nlon)
            southDenominator = Double(south.count * grid.nlon)
        }
    }

    /// Values per state: channels · points.
    public var stateCount: Int { channels * points }

    /// NH and SH band RMS of one field (`points` values).
    public func bandRMS(_ field: UnsafePointer<Float>) -> (north: Double, south: Double) {
        var north = 0.0, south = 0.0
        for (row, lat) in latitudes.enumerated() where abs(lat) >= bandLatitude {
            var sum = 0.0
            let x = field + row * nlon
            for j in 0..<nlon { sum += Double(x[j]) * Double(x[j]) }
            if lat >= bandLatitude { north += rowWeights[row] * sum } else { south += rowWeights[row] * sum }
        }
        return ((north / northDenominator).squareRoot(), (south / southDenominator).squareRoot())
    }

    /// The normaliser r(lat) for band values (after the zero guard) at one row's latitude.
    public func normaliser(latitude: Double, north: Double, south: Double) -> Double {
        if latitude >= bandLatitude { return north }
        if latitude <= -bandLatitude { return south }
        let t = (latitude + bandLatitude) / (2 * bandLatitude)   // 0 at −band, 1 at +band
        return south + (north - south) * t
    }

    /// Rescales every channel of one state so each band's RMS equals τ_c.
    public func rescale(_ state: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            let field = state + c * points
            var (north, south) = bandRMS(field)
            if north == 0 { north = 1 }
            if south == 0 { south = 1 }
            let target = Double(targets[c])
            for (row, lat) in latitudes.enumerated() {
                let factor = Float(target / normaliser(latitude: lat, north: north, south: south))
                let x = field + row * nlon
                for j in 0..<nlon { x[j] *= factor }
            }
        }
    }
}
