import Foundation
import HensCore
import XCTest
import Benchmarks

/// The timed CRPS kernel against the definition, and the dump files it can read.
final class CRPSKernelTests: XCTestCase {
    /// CRPS from its kernel form: mean |x − y| − Σ|xᵢ − xⱼ| / (2m²), fair with 2m(m − 1).
    func bruteForce(_ x: [Double], _ y: Double) -> (standard: Double, fair: Double) {
        let m = Double(x.count)
        let e1 = x.reduce(0) { $0 + abs($1 - y) } / m
        let pairs = x.reduce(0) { acc, a in acc + x.reduce(0) { $0 + abs(a - $1) } }
        return (e1 - pairs / (2 * m * m), e1 - pairs / (2 * m * (m - 1)))
    }

    func testKernelMatchesTheDefinition() throws {
        let data = try CRPSBenchInput(points: 200, members: 13, directory: nil, seed: 5)
        var standard = [Double](repeating: 0, count: 200), fair = standard
        for threads in [1, 2] {
            withParallelThreads(threads) {
                data.forecast.withUnsafeBufferPointer { f in
                    data.observation.withUnsafeBufferPointer { y in
                        standard.withUnsafeMutableBufferPointer { s in
                            fair.withUnsafeMutableBufferPointer { CRPSBenchKernel.run(f, observation: y, members: 13, standard: s, fair: $0, scoring: true) }
                        }
                    }
                }
            }
            for p in 0..<200 {
                let expected = bruteForce(Array(data.forecast[(p * 13)..<((p + 1) * 13)]), data.observation[p])
                XCTAssertEqual(standard[p], expected.standard, accuracy: 1e-12)
                XCTAssertEqual(fair[p], expected.fair, accuracy: 1e-12)
            }
        }
        // The synthetic inputs keep the anchor's distribution: forecast mean ≈ 0.1, sd ≈ 1.2.
        let mean = data.forecast.reduce(0, +) / Double(data.forecast.count)
        let sd = (data.forecast.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(data.forecast.count)).squareRoot()
        XCTAssertEqual(mean, 0.1, accuracy: 0.1)
        XCTAssertEqual(sd, 1.2, accuracy: 0.1)
    }

    func testSortOnlyStoresEachRowsMinimum() throws {
        let forecast: [Float] = [3, 1, 2, 9, -4, 0]
        var standard = [Double](repeating: 0, count: 2), fair = standard
        forecast.withUnsafeBufferPointer { f in
            [0.0, 0.0].withUnsafeBufferPointer { y in
                standard.withUnsafeMutableBufferPointer { s in
                    fair.withUnsafeMutableBufferPointer { CRPSBenchKernel.run(f, observation: y, members: 3, standard: s, fair: $0, scoring: false) }
                }
            }
        }
        XCTAssertEqual(standard, [1, -4])
    }

    func testDumpFilesAreRawLittleEndianFloat64() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hens-bench-dump-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func write(_ values: [Double], _ name: String) throws {
            var bytes = Data()
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            try bytes.write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
        }
        try write([0.5, -1], "obs_2.f64")
        try write([1, 2, 3, -0.25, 0, 7], "fct_2_3.f64")
        let input = try CRPSBenchInput(points: 2, members: 3, directory: folder, seed: 0)
        XCTAssertEqual(input.observation, [0.5, -1])
        XCTAssertEqual(input.forecast, [1, 2, 3, -0.25, 0, 7])
        XCTAssertThrowsError(try CRPSBenchInput(points: 2, members: 4, directory: folder, seed: 0)) {
            XCTAssertTrue("\($0)".contains("fct_2_4.f64"), "\($0)")
        }
        try write([1], "obs_3.f64")
        XCTAssertThrowsError(try CRPSBenchInput.read("\(folder)/obs_3.f64", count: 3)) {
            XCTAssertEqual(($0 as? HensError)?.kind, .badInput)
        }
    }

    func testRelativeL2() {
        XCTAssertEqual(relativeL2([1.0, 2, 2], [1.0, 2, 2]), 0)
        XCTAssertEqual(relativeL2([Float(0), 0], [Float(3), 4]), 1, accuracy: 1e-15)
        XCTAssertEqual(relativeL2([3.0, 4.1], [3.0, 4]), 0.02, accuracy: 1e-12)
    }
}
