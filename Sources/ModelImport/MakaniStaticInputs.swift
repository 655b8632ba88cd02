import DatasetIO
import Foundation
import HensCore

/// The fixed input channels of a makani SFNO, computed once at import exactly as makani's
/// preprocessor computes them (docs/makani-sfno.md §2.2) and stored in the hens checkpoint:
/// sinusoidal grid features, normalised orography, and the two-class land–sea mask.
enum MakaniStaticInputs {
    /// The checkpoint's step inputs for `config`, reading `orography` / `landMask` (NetCDF
    /// files with `Z` / `LSM` on the data grid) when the model uses them.
    static func make(config: MakaniConfig, latitudes: [Double], longitudes: [Double],
                     orography: String?, landMask: String?) throws -> CheckpointStepInputs {
        let nlat = latitudes.count, nlon = longitudes.count
        var names: [String] = []
        var values: [Float] = []
        if config.gridFrequencies > 0 {
            // makani's coordinates: radians of the package's lat/lon when it lists them, else
            // fractions i/nlat, j/nlon (what its preprocessor falls back to).
            let listed = config.latitudes != nil && config.longitudes != nil
            let degrees = Float(Double.pi / 180)
            let phi = (0..<nlat).map { listed ? Float(latitudes[$0]) * degrees : Float($0) / Float(nlat) }
            let lambda = (0..<nlon).map { listed ? Float(longitudes[$0]) * degrees : Float($0) / Float(nlon) }
            for f in 1...config.gridFrequencies {
                let k = Float(f)
                names += ["xsgrlat\(f)", "xsgrlon\(f)"]
                for i in 0..<nlat { values += [Float](repeating: sinf(k * phi[i]), count: nlon) }
                let row = lambda.map { sinf(k * $0) }
                for _ in 0..<nlat { values += row }
            }
        }
        if config.addOrography {
            guard let orography else { throw HensError(.badInput, "\(config.source): add_orography is set but no orography file was found (give --orography)") }
            let z = try field(orography, variable: "Z", latitudes: latitudes, nlon: nlon)
            let (lo, hi) = (z.min()!, z.max()!)
            guard hi > lo else { throw HensError(.badInput, "\(orography): variable Z is constant; makani scales orography by its range") }
            let scaled = z.map { ($0 - lo) / (hi - lo) }
            let mean = scaled.reduce(0, +) / Double(scaled.count)
            let variance = scaled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, scaled.count - 1))
            let std = variance.squareRoot() + 1e-6
            names.append("xoro")
            values += scaled.map { Float(($0 - mean) / std) }
        }
        if config.addLandMask {
            guard let landMask else { throw HensError(.badInput, "\(config.source): add_landmask is set but no land-mask file was found (give --land-mask)") }
            let lsm = try field(landMask, variable: "LSM", latitudes: latitudes, nlon: nlon)
            guard lsm.allSatisfy({ (0...1).contains($0) }), lsm.contains(1) else {
                throw HensError(.badInput, "\(landMask): variable LSM must lie in [0, 1] and be exactly 1 somewhere (makani's two land classes)")
            }
            // makani truncates to an integer class: only an exact 1 is land.
            names += ["xlsml", "xlsms"]
            values += lsm.map { $0 < 1 ? 1 : 0 }
            values += lsm.map { $0 < 1 ? 0 : 1 }
        }
        return CheckpointStepInputs(cosZenith: config.addZenith, staticNames: names, staticValues: values)
    }

    /// The first time of `variable` in a NetCDF file, checked against the data grid (same
    /// latitudes within 1e-4° when the file has a latitude coordinate).
    private static func field(_ path: String, variable name: String, latitudes: [Double], nlon: Int) throws -> [Double] {
        let reader = try NetCDFReader(path: path)
        guard let variable = reader.variable(name) else {
            throw HensError(.badInput, "\(path): no variable '\(name)' (makani packages store it there)")
        }
        let points = latitudes.count * nlon
        guard variable.shape.count >= 2, variable.shape.suffix(2) == [latitudes.count, nlon] else {
            throw HensError(.badInput, "\(path): variable '\(name)' is \(variable.shape), expected (…, \(latitudes.count), \(nlon)) on the model's grid")
        }
        if let latName = variable.dimensions.dropLast().last, let coordinate = reader.coordinate(of: latName) {
            let fileLatitudes = try reader.readDoubles(coordinate)
            let worst = zip(fileLatitudes, latitudes).map { abs($0 - $1) }.max() ?? 0
            guard worst <= 1e-4 else {
                throw HensError(.badInput, "\(path): latitudes differ from the model's grid by up to \(worst)° (north first expected)")
            }
        }
        let start = [Int](repeating: 0, count: variable.shape.count)
        let count = Array(repeating: 1, count: variable.shape.count - 2) + [latitudes.count, nlon]
        let values = try reader.readDoubles(variable, start: start, count: count)
        guard values.count == points, values.allSatisfy(\.isFinite) else {
            throw HensError(.badInput, "\(path): variable '\(name)' has missing or non-finite values")
        }
        return values
    }
}
