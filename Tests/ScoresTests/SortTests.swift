import Foundation
import HensCore
import XCTest
@testable import Scores

/// FloatSort against Swift's sort on random, tied, negative, ±0 and constant data, both paths.
final class SortTests: XCTestCase {
    static let sizes = [1, 2, 3, 17, 127, 128, 129, 255, 256, 257, 1000, 5000]

    /// Data kinds: normal, heavy ties, all negative, ±0 mixed with small values, constant, sorted, reversed.
    static func cases(_ m: Int, seed: UInt64) -> [[Double]] {
        var g = SeededGenerator(seed: seed)
        let normal = (0..<m).map { _ in g.nextNormal() * 3 }
        let tied = (0..<m).map { _ in Double(Int(g.nextUniform() * 5)) - 2 }
        let negative = (0..<m).map { _ in -1e-3 - g.nextUniform() * 1e6 }
        let zeros = (0..<m).map { i -> Double in
            switch i % 4 { case 0: return 0.0; case 1: return -0.0; case 2: return g.nextNormal(); default: return -Double.leastNonzeroMagnitude }
        }
        let constant = [Double](repeating: 273.15, count: m)
        let sorted = normal.sorted()
        return [normal, tied, negative, zeros, constant, sorted, Array(sorted.reversed())]
    }

    func testDoubleMatchesSwiftSort() {
        for m in Self.sizes {
            for (k, data) in Self.cases(m, seed: UInt64(m)).enumerated() {
                var x = data
                FloatSort.sort(&x)
                let expected = data.sorted()
                XCTAssertEqual(x.count, m)
                // Compare as values: ±0 are equal, their order is free.
                XCTAssertTrue(zip(x, expected).allSatisfy { $0 == $1 }, "Double m=\(m) case \(k)")
                XCTAssertEqual(x.filter { $0 == 0 && $0.sign == .minus }.count,
                               data.filter { $0 == 0 && $0.sign == .minus }.count, "−0 count m=\(m)")
            }
        }
    }

    func testFloatMatchesSwiftSort() {
        for m in Self.sizes {
            for (k, data64) in Self.cases(m, seed: UInt64(m) + 99).enumerated() {
                let data = data64.map { Float($0) }
                var x = data
                FloatSort.sort(&x)
                let expected = data.sorted()
                XCTAssertTrue(zip(x, expected).allSatisfy { $0 == $1 }, "Float m=\(m) case \(k)")
                XCTAssertEqual(x.map { $0.bitPattern }.sorted(), data.map { $0.bitPattern }.sorted(), "permutation m=\(m)")
            }
        }
    }

    func testInfinitiesAndExtremes() {
        var x: [Double] = (0..<300).map { Double($0 % 7) - 3 }
        x += [.infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
        let expected = x.sorted()
        FloatSort.sort(&x)
        XCTAssertEqual(x, expected)
        var f: [Float] = x.map { Float($0) }
        let fe = f.sorted()
        FloatSort.sort(&f)
        XCTAssertEqual(f, fe)
    }

    func testDegenerateRangesAndClusters() {
        // Subnormal spreads (bucket scale would overflow), huge spreads, and a cluster of zeros
        // with a long tail (one huge bucket → introsort inside the bucket sort).
        var g = SeededGenerator(seed: 6)
        let tiny: [Double] = (0..<100).map { Double($0 % 7) * .leastNonzeroMagnitude }
        let huge: [Double] = (0..<100).map { _ in (g.nextUniform() - 0.5) * 1e300 }
        let zeros: [Double] = (0..<500).map { _ in g.nextUniform() < 0.7 ? 0 : exp(g.nextNormal() * 3) }
        for data in [tiny, huge, zeros] {
            var x = data
            FloatSort.sort(&x)
            XCTAssertEqual(x, data.sorted())
            var f = data.map { Float($0) }
            let expected = f.sorted()
            FloatSort.sort(&f)
            XCTAssertEqual(f, expected)
        }
    }

    func testIntroAndRadixPathsAgree() {
        var g = SeededGenerator(seed: 5)
        for m in [200, 600] {
            let data = (0..<m).map { _ in Float(g.nextNormal()) }
            var a = data
            a.withUnsafeMutableBufferPointer { FloatSort.introsort($0.baseAddress!, count: m) }
            var b = data.map { $0.bitPattern }
            var s = [UInt32](repeating: 0, count: m)
            b.withUnsafeMutableBufferPointer { bp in s.withUnsafeMutableBufferPointer { FloatSort.radixSortKeys(bp.baseAddress!, scratch: $0.baseAddress!, count: m) } }
            XCTAssertEqual(a, b.map { Float(bitPattern: $0) })
        }
    }

    func testNaNStaysInBounds() {
        // NaN input has no defined order, but neither path may crash or lose elements.
        for m in [10, 50, 300] {
            var x = (0..<m).map { Double($0) }
            x[m / 2] = .nan
            x[0] = -.nan
            FloatSort.sort(&x)
            XCTAssertEqual(x.filter { $0.isNaN }.count, 2)
            XCTAssertEqual(x.filter { !$0.isNaN }.sorted(), (1..<m).filter { $0 != m / 2 }.map { Double($0) })
        }
    }
}
