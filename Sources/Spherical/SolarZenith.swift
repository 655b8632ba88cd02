import Foundation

/// The cosine of the solar zenith angle on a latitude–longitude grid at a UTC time: the
/// `xzen` input channel of makani's SFNO models (the HENS checkpoints).
///
/// The astronomy is the low-precision solar position of Meeus' "Astronomical Algorithms"
/// (mean anomaly, equation of centre, obliquity, right ascension and declination) with the
/// AIAA 2006 Greenwich mean sidereal time, evaluated **in Float32 in the same order as makani
/// evaluates it**: an imported network was trained on that Float32 rounding (the sidereal
/// angle alone carries ~10⁻⁴ rad of it), so a more exact formula would feed it a different
/// input. Formulas: docs/makani-sfno.md §2.2.
///
/// Negative values (night) are kept: makani neither clips nor normalises this channel.
public enum SolarZenith {
    /// Seconds from 1970-01-01T00:00Z to the J2000 epoch, 2000-01-01T12:00Z.
    static let j2000Seconds = 946_728_000.0

    /// The Float32 time terms every grid point shares: sin δ, cos δ and GMST − α.
    /// - Parameter seconds: UTC seconds since 1970-01-01T00:00Z.
    static func timeTerms(seconds: Double) -> (sinDeclination: Float, cosDeclination: Float, siderealMinusAscension: Float) {
        let days = Float((seconds - j2000Seconds) / 86_400)
        let t = days / Float(36_525)
        let degrees = Float(Double.pi / 180)
        let obliquity = (Float(23.0 + 26.0 / 60 + 21.406 / 3600)
            - (Float(46.836769) * t - Float(0.0001831) * (t * t) + Float(0.00200340) * (t * t * t)
               - Float(0.576e-6) * (t * t * t * t) - Float(4.34e-8) * (t * t * t * t * t)) / Float(3600)) * degrees
        let meanAnomaly = (Float(357.52910) + Float(35999.05030) * t - Float(0.0001559) * t * t
            - Float(0.00000048) * t * t * t) * degrees
        let meanLongitude = (Float(280.46645) + Float(36000.76983) * t + Float(0.0003032) * t * t) * degrees
        let centre = ((Float(1.914600) - Float(0.004817) * t - Float(0.000014) * t * t) * sinf(meanAnomaly)
            + (Float(0.019993) - Float(0.000101) * t) * sinf(2 * meanAnomaly)
            + Float(0.000290) * sinf(3 * meanAnomaly)) * degrees
        let eclipticLongitude = meanLongitude + centre
        let x = cosf(eclipticLongitude)
        let y = cosf(obliquity) * sinf(eclipticLongitude)
        let z = sinf(obliquity) * sinf(eclipticLongitude)
        let r = (Float(1) - z * z).squareRoot()
        let declination = atan2f(z, r)
        let ascension = Float(2) * atan2f(y, x + r)
        // The two large constants are summed in Float64 first, as makani's Python scalars are.
        let sidereal = Float(67310.54841) + t * (Float(876_600.0 * 3600 + 8640184.812866)
            + t * (Float(0.093104) - t * Float(6.2e-5)))
        let twoPi = Float(2 * Double.pi)
        var gmst = fmodf((sidereal / Float(240)) * degrees, twoPi)
        if gmst != 0, gmst < 0 { gmst += twoPi }
        return (sinf(declination), cosf(declination), gmst - ascension)
    }

    /// Fills `destination` (`latitudes.count × longitudes.count`, row-major, latitude rows)
    /// with cos(zenith) at UTC `seconds` since 1970.
    /// - Parameters:
    ///   - latitudes: degrees north, one per row.
    ///   - longitudes: degrees east, one per column.
    public static func cosine(seconds: Double, latitudes: [Double], longitudes: [Double],
                              into destination: UnsafeMutablePointer<Float>) {
        let (sinDec, cosDec, offset) = timeTerms(seconds: seconds)
        let degrees = Float(Double.pi / 180)
        let hourAngles = longitudes.map { cosf(offset + Float($0) * degrees) }
        for (i, lat) in latitudes.enumerated() {
            let phi = Float(lat) * degrees
            let a = sinf(phi) * sinDec, b = cosf(phi) * cosDec
            let row = destination + i * longitudes.count
            for j in 0..<longitudes.count { row[j] = a + b * hourAngles[j] }
        }
    }

    /// cos(zenith) at UTC `seconds` since 1970 on the grid, as an array.
    public static func cosine(seconds: Double, latitudes: [Double], longitudes: [Double]) -> [Float] {
        var values = [Float](repeating: 0, count: latitudes.count * longitudes.count)
        values.withUnsafeMutableBufferPointer { cosine(seconds: seconds, latitudes: latitudes, longitudes: longitudes, into: $0.baseAddress!) }
        return values
    }
}
