import HensCore
import XCTest
@testable import Scores

/// EFI and SOT: the ±1 extremes, climate-drawn members, and earthkit-meteo golden values.
final class EFITests: XCTestCase {
    /// Climate: 101 sorted percentiles of a standard normal-ish sample.
    func climate(seed: UInt64) -> [Float] {
        GoldenInputs.values(seed: seed, count: 101, scale: 1, shift: 0).sorted()
    }

    func efi(_ members: [Float], _ climate: [Float]) -> Double {
        var x = members
        FloatSort.sort(&x)
        return x.withUnsafeBufferPointer { s in
            climate.withUnsafeBufferPointer { ExtremeForecastIndex.efi(sorted: s, climate: $0, coefficients: EFICoefficients(levels: climate.count)) }
        }
    }

    func testExtremes() {
        let c = climate(seed: 1)
        XCTAssertEqual(efi([Float](repeating: c.last! + 1, count: 51), c), 1, accuracy: 1e-14)
        XCTAssertEqual(efi([Float](repeating: c.first! - 1, count: 51), c), -1, accuracy: 1e-14)
        // At the maximum itself "≤" counts the members at p = 1 only: F rises over the last
        // interval (weighted heavily near p = 1), so the EFI is below 1 (≈ 0.915 here).
        let atMax = efi([Float](repeating: c.last!, count: 10), c)
        XCTAssertLessThan(atMax, 1)
        XCTAssertGreaterThan(atMax, 0.85)
        // Other level counts work as well.
        let short = Array(c[0..<11])
        XCTAssertEqual(efi([short.last! + 1], short), 1, accuracy: 1e-14)
        XCTAssertEqual(efi([short.first! - 1, short.first! - 2], short), -1, accuracy: 1e-14)
    }

    func testMembersFromClimateGiveZero() {
        // Members drawn from the distribution the percentiles describe: EFI ≈ 0.
        var g = SeededGenerator(seed: 4)
        let sample = (0..<200_000).map { _ in Float(g.nextNormal()) }.sorted()
        let c = (0...100).map { sample[min(sample.count - 1, $0 * (sample.count - 1) / 100)] }
        var values: [Double] = []
        for _ in 0..<40 {
            let members = (0..<1000).map { _ in Float(g.nextNormal()) }
            values.append(efi(members, c))
        }
        let mean = values.reduce(0, +) / Double(values.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertLessThan(values.map(abs).max()!, 0.1)
    }

    func testNaNGivesNaN() {
        var c = climate(seed: 2)
        XCTAssertTrue(efi([0, .nan, 1], c).isNaN)
        c[50] = .nan
        XCTAssertTrue(efi([0, 1], c).isNaN)
    }

    /// anchor/make_efi_golden.py (earthkit-meteo 1.2.1): 4 points, 101 levels, 51 members.
    static let shifts = [0.0, 0.6, -0.9, 0.25]
    static let efiGolden = [0.03071440971925725, 0.4020555122270376, -0.5383800047020554, 0.10932865989080387]
    static let sot90Golden = [-1.0522485730022475, 0.07183636437824176, -2.2125165122227237, -0.7930761802778877]
    static let sot10Golden = [-1.286265091167527, -2.9501072331409826, 0.010935923242548313, -1.28312140135159]

    func testEarthkitGolden() {
        let coefficients = EFICoefficients(levels: 101)
        for p in 0..<4 {
            let c = climate(seed: 1000 + UInt64(p))
            var x = GoldenInputs.values(seed: 2000 + UInt64(p), count: 51, scale: 0.8, shift: Self.shifts[p])
            FloatSort.sort(&x)
            x.withUnsafeBufferPointer { s in
                c.withUnsafeBufferPointer { cp in
                    XCTAssertEqual(ExtremeForecastIndex.efi(sorted: s, climate: cp, coefficients: coefficients),
                                   Self.efiGolden[p], accuracy: 1e-12, "efi p=\(p)")
                    XCTAssertEqual(ExtremeForecastIndex.shiftOfTails(sorted: s, climate: cp, levels: 101, upper: true),
                                   Self.sot90Golden[p], accuracy: 1e-12, "sot90 p=\(p)")
                    XCTAssertEqual(ExtremeForecastIndex.shiftOfTails(sorted: s, climate: cp, levels: 101, upper: false),
                                   Self.sot10Golden[p], accuracy: 1e-12, "sot10 p=\(p)")
                }
            }
        }
    }

    func testSOTEdgeCases() {
        // Flat upper tail → NaN; clipping at ±10; wrong level count → NaN.
        let flat = [Float](repeating: 1, count: 101)
        let x: [Float] = [0, 1, 2]
        x.withUnsafeBufferPointer { s in
            flat.withUnsafeBufferPointer { XCTAssertTrue(ExtremeForecastIndex.shiftOfTails(sorted: s, climate: $0, levels: 101, upper: true).isNaN) }
            let steep = (0...100).map { Float($0) / 1000 }   // Q_c(99) − Q_c(90) = 0.009
            steep.withUnsafeBufferPointer {
                XCTAssertEqual(ExtremeForecastIndex.shiftOfTails(sorted: s, climate: $0, levels: 101, upper: true), 10)
                XCTAssertTrue(ExtremeForecastIndex.shiftOfTails(sorted: s, climate: $0, levels: 100, upper: true).isNaN)
            }
        }
    }
}
