import Foundation
import HensCore

/// The latitude layout of a grid on the sphere, named as in torch-harmonics.
public enum GridKind: String, CaseIterable, Sendable, Codable {
    /// Gauss–Legendre latitudes (no poles); exact quadrature up to degree 2·nlat − 1.
    case legendreGauss = "legendre-gauss"
    /// Equally spaced latitudes including both poles, with Clenshaw–Curtis weights.
    case equiangular = "equiangular"
    /// Gauss–Lobatto latitudes (both poles).
    case lobatto = "lobatto"

    /// Parses a grid name; accepts the torch-harmonics names and the short forms
    /// `gl`, `gauss`, `cc`, `clenshaw-curtis`.
    public init?(name: String) {
        switch name.lowercased() {
        case "legendre-gauss", "gauss-legendre", "gauss", "gl": self = .legendreGauss
        case "equiangular", "cc", "clenshaw-curtis": self = .equiangular
        case "lobatto", "lobatto-legendre": self = .lobatto
        default: return nil
        }
    }
}

/// A regular longitude × latitude grid on the sphere in torch-harmonics layout:
/// rows run north → south (colatitude θ increasing), columns are λⱼ = 2πj/nlon from 0.
public struct SphericalGrid: Equatable, Sendable {
    public let kind: GridKind
    public let nlat: Int
    public let nlon: Int
    /// Colatitude θₖ of each row (0 at the north pole), increasing with k.
    public let colatitudes: [Double]
    /// cos θₖ for each row (1 at the north pole).
    public let cosColatitudes: [Double]
    /// Quadrature weight of each row on x = cos θ (Σ = 2).
    public let weights: [Double]

    /// The most rows a grid may have. Far beyond any global model (ERA5 has 721), it keeps a
    /// mistyped size from starting a quadrature whose cost grows as nlat² (minutes, no output)
    /// or tables of terabytes: the size is refused at once instead.
    public static let maximumRows = 4096
    /// The most columns a grid may have (twice `maximumRows`, the usual aspect of a global grid).
    public static let maximumColumns = 8192

    /// Creates a grid.
    /// - Throws: if `nlat` or `nlon` is too small for the rule, or beyond `maximumRows` /
    ///   `maximumColumns`.
    public init(_ kind: GridKind, nlat: Int, nlon: Int) throws {
        let minimum = kind == .legendreGauss ? 1 : 2
        guard nlat >= minimum else {
            throw HensError.invalid("nlat", "at least \(minimum) rows for a \(kind.rawValue) grid, got \(nlat)")
        }
        guard nlon >= 1 else { throw HensError.invalid("nlon", "at least 1 column, got \(nlon)") }
        guard nlat <= Self.maximumRows else {
            throw HensError.invalid("nlat", "at most \(Self.maximumRows) rows (0.044° spacing), got \(nlat)")
        }
        guard nlon <= Self.maximumColumns else {
            throw HensError.invalid("nlon", "at most \(Self.maximumColumns) columns (0.044° spacing), got \(nlon)")
        }
        self.kind = kind
        self.nlat = nlat
        self.nlon = nlon
        let rule: Quadrature
        switch kind {
        case .legendreGauss: rule = .legendreGauss(nlat)
        case .equiangular: rule = .clenshawCurtis(nlat)
        case .lobatto: rule = .lobatto(nlat)
        }
        // Nodes ascend in x; rows are north-first, so reverse both (the rules are symmetric).
        cosColatitudes = rule.nodes.reversed()
        weights = rule.weights.reversed()
        colatitudes = cosColatitudes.map { acos(max(-1, min(1, $0))) }
    }

    /// Latitudes in degrees north, one per row (+90 … −90).
    public var latitudesDegrees: [Double] { colatitudes.map { 90 - $0 * 180 / .pi } }

    /// Longitudes in degrees east from 0, one per column.
    public var longitudesDegrees: [Double] { (0..<nlon).map { 360 * Double($0) / Double(nlon) } }

    /// Longitudes in radians from 0, one per column.
    public var longitudes: [Double] { (0..<nlon).map { 2 * .pi * Double($0) / Double(nlon) } }

    /// Area of each cell of row k: weightₖ · 2π/nlon (sums to 4π over the grid).
    public var cellAreas: [Double] { weights.map { $0 * 2 * .pi / Double(nlon) } }

    /// Default exclusive band limit, as torch-harmonics ≥ 0.9 sets it: nlat for Gauss–Legendre,
    /// nlat − 1 for Lobatto, (nlat + 1)/2 for equiangular; then clamped to nlon/2 + 1
    /// (triangular truncation, lmax = mmax).
    public var defaultBandLimit: Int {
        let l: Int
        switch kind {
        case .legendreGauss: l = nlat
        case .lobatto: l = nlat - 1
        case .equiangular: l = (nlat + 1) / 2
        }
        return min(l, nlon / 2 + 1)
    }

    /// A short description such as `legendre-gauss 64×128`.
    public var label: String { "\(kind.rawValue) \(nlat)×\(nlon)" }
}
