import Foundation
import Spherical
import XCTest

/// cos(solar zenith) against astronomy that does not depend on makani's formula. (Equality
/// with makani's own values is checked by the import parity test's network input.)
final class SolarZenithTests: XCTestCase {
    /// 2023-06-21T12:00Z (June solstice, 14:58Z): the sun stands over about 23.44° N and, by the
    /// equation of time (−1.8 min), 0.4° E of Greenwich; cos z there is 1 within 1e-4, and the
    /// antipode is in night (cos z = −1 within 1e-4).
    func testSubsolarPointAtTheSolstice() {
        let noon = 1_687_348_800.0
        let here = SolarZenith.cosine(seconds: noon, latitudes: [23.44], longitudes: [0.43])
        XCTAssertEqual(Double(here[0]), 1, accuracy: 1e-4)
        let antipode = SolarZenith.cosine(seconds: noon, latitudes: [-23.44], longitudes: [180.43])
        XCTAssertEqual(Double(antipode[0]), -1, accuracy: 1e-4)
        // Polar day and night at the solstice: the North Pole sees the sun at 23.44° elevation.
        let poles = SolarZenith.cosine(seconds: noon, latitudes: [90, -90], longitudes: [0])
        XCTAssertEqual(Double(poles[0]), sin(23.44 * .pi / 180), accuracy: 2e-4)
        XCTAssertEqual(Double(poles[1]), -sin(23.44 * .pi / 180), accuracy: 2e-4)
    }

    /// One hour later the pattern has turned 15° west (the hour angle grows 360.986° a day by
    /// Earth's rotation, less the sun's 0.986° of right ascension): the values 15° further west
    /// an hour later are the values now, to 6e-3: makani's Float32 sidereal time (≈ 7.6·10⁸ s
    /// in 2023) is rounded to 64 s, i.e. 0.27° of hour angle, which hens reproduces on purpose;
    /// a sign or rate error would be off by tenths.
    func testTheSunMovesFifteenDegreesAnHour() {
        let t = 1_700_000_000.0
        let latitudes = stride(from: -80.0, through: 80, by: 20).map { $0 }
        let longitudes = stride(from: 0.0, to: 360, by: 30).map { $0 }
        let now = SolarZenith.cosine(seconds: t, latitudes: latitudes, longitudes: longitudes)
        let later = SolarZenith.cosine(seconds: t + 3600, latitudes: latitudes, longitudes: longitudes.map { $0 - 15.0 })
        for (a, b) in zip(now, later) { XCTAssertEqual(Double(a), Double(b), accuracy: 6e-3) }
        XCTAssertTrue(now.allSatisfy { (-1...1).contains($0) })
    }
}
