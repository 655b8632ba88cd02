import Foundation
import XCTest
@testable import Scores

/// hens' standard and fair CRPS per point against properscoring and scoringrules on the
/// `crps_anchor.py --dump` inputs in `anchor/` (see anchor/README.md for how they were made).
final class AnchorParityTests: XCTestCase {
    func load(_ name: String, count: Int) throws -> [Double] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "anchor", withExtension: nil)).appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        XCTAssertEqual(data.count, count * 8, name)
        return data.withUnsafeBytes { raw in
            (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    func check(n: Int, m: Int, meanStandard: Double, meanFair: Double) throws {
        let obs = try load("obs_\(n).f64", count: n)
        let fct = try load("fct_\(n)_\(m).f64", count: n * m)
        let standard = try load("ps_\(n)_\(m).f64", count: n)
        let fair = try load("srfair_\(n)_\(m).f64", count: n)
        var sumStandard = 0.0, sumFair = 0.0
        for p in 0..<n {
            var x = Array(fct[(p * m)..<((p + 1) * m)])
            FloatSort.sort(&x)
            let s = x.withUnsafeBufferPointer { SortedCRPS.summary(sorted: $0, truth: obs[p]) }
            XCTAssertEqual(s.crps, standard[p], accuracy: 1e-12 * max(1, abs(standard[p])), "standard p=\(p)")
            XCTAssertEqual(s.crpsFair, fair[p], accuracy: 1e-12 * max(1, abs(fair[p])), "fair p=\(p)")
            sumStandard += s.crps
            sumFair += s.crpsFair
        }
        // The checksums crps_anchor.py printed (6 decimals).
        XCTAssertEqual(sumStandard / Double(n), meanStandard, accuracy: 5e-7)
        XCTAssertEqual(sumFair / Double(n), meanFair, accuracy: 5e-7)
    }

    func testSmallEnsembleDump() throws { try check(n: 500, m: 50, meanStandard: 0.589310, meanFair: 0.575841) }

    func testLargeEnsembleDump() throws { try check(n: 50, m: 1000, meanStandard: 0.530364, meanFair: 0.529686) }

    /// The point pass in Float32 against the same references (inputs rounded to Float32 first).
    func testPointPassOnDumpInFloat32() throws {
        let n = 500, m = 50
        let obs = try load("obs_\(n).f64", count: n).map { Float($0) }
        let fct = try load("fct_\(n)_\(m).f64", count: n * m).map { Float($0) }
        let memberMajor = (0..<(m * n)).map { k in fct[(k % n) * m + k / n] }
        var out = PointPassOutput(pointCount: n)
        memberMajor.withUnsafeBufferPointer { mp in
            obs.withUnsafeBufferPointer { tp in
                EnsemblePointPass.run(PointPassInput(members: mp, memberCount: m, pointCount: n, truth: tp), into: &out)
            }
        }
        for p in 0..<n {
            let b = SortedCRPS.bruteForce(Array(fct[(p * m)..<((p + 1) * m)]), truth: Double(obs[p]))
            XCTAssertEqual(out.crps[p], b.crps, accuracy: 1e-12)
            XCTAssertEqual(out.crpsFair[p], b.fair, accuracy: 1e-12)
        }
    }
}
