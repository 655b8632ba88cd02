import Foundation
import HensCore
import Spherical
import XCTest
import Benchmarks

/// The benchmark case tables: names → grids and band limits, as the anchor runners use them.
final class CaseTableTests: XCTestCase {
    func testSHTCaseNames() throws {
        let gl = try XCTUnwrap(SHTBenchCase.named("gl360"))
        XCTAssertEqual(gl.kind, .legendreGauss)
        XCTAssertEqual([gl.nlat, gl.nlon, gl.lmaxInclusive], [360, 720, 359])
        let cc = try XCTUnwrap(SHTBenchCase.named("cc721"))
        XCTAssertEqual(cc.kind, .equiangular)
        XCTAssertEqual([cc.nlat, cc.nlon, cc.lmaxInclusive], [721, 1440, 719])
        let encoder = try XCTUnwrap(SHTBenchCase.named("cc721_l359"))
        XCTAssertEqual([encoder.nlat, encoder.nlon, encoder.lmaxInclusive], [721, 1440, 359])
        for bad in ["gl", "glx", "xx360", "cc721_l360", ""] { XCTAssertNil(SHTBenchCase.named(bad), bad) }
        XCTAssertEqual(try SHTBenchCase.list("gl90,cc91").map(\.name), ["gl90", "cc91"])
        XCTAssertThrowsError(try SHTBenchCase.list("gl90,foo")) { XCTAssertTrue("\($0)".hasPrefix("--cases:"), "\($0)") }
    }

    func testSWECases() throws {
        let small = try XCTUnwrap(SWEBenchmark.table["small"])
        XCTAssertEqual(small.kind, .legendreGauss)
        XCTAssertEqual([small.nlat, small.nlon, small.lmax], [64, 128, 22])
        XCTAssertEqual(small.dt, 300)
        XCTAssertEqual(Set(SWEBenchmark.table.keys), ["paper", "small", "ref"])
        XCTAssertNoThrow(try SWEBenchmark(cases: ["paper", "ref"], threads: [1], budget: 0))
        XCTAssertThrowsError(try SWEBenchmark(cases: ["big"], threads: [1], budget: 0)) {
            XCTAssertTrue("\($0)".hasPrefix("--cases:"), "\($0)")
        }
    }

    func testSFNOConfigs() throws {
        XCTAssertEqual(Set(SFNOBenchConfig.table.keys), ["s2-e64-l4", "s2-e128-l4", "s2-e128-l8", "s1-e64-l4", "t-s1-e64-l4"])
        let c = try XCTUnwrap(SFNOBenchConfig.named("s2-e128-l8"))
        XCTAssertEqual([c.nlat, c.nlon, c.scaleFactor, c.embedDim, c.layers, c.inChannels, c.outChannels], [121, 240, 2, 128, 8, 8, 8])
        // torch-harmonics' example block: internal grid (121 − 1)/2 + 1 = 61 rows, lmax = mmax = min(61, 120/2) = 60.
        XCTAssertEqual([c.lmax, c.mmax], [60, 60])
        XCTAssertNil(SFNOBenchConfig.named("s3-e64-l4"))
    }

    func testSettingsRejectBadNames() {
        XCTAssertThrowsError(try SHTBenchmark(cases: [], batches: [1], threads: [1], precisions: ["float16"], algorithm: "automatic",
                                              fftPlanning: "estimate", budget: 0, minRuns: 1)) {
            XCTAssertTrue("\($0)".hasPrefix("--precisions:"), "\($0)")
        }
        XCTAssertThrowsError(try SHTBenchmark(cases: [], batches: [1], threads: [1], precisions: ["float32"], algorithm: "automatic",
                                              fftPlanning: "patient", budget: 0, minRuns: 1)) {
            XCTAssertTrue("\($0)".hasPrefix("--fft-planning:"), "\($0)")
        }
        XCTAssertThrowsError(try CRPSBenchmark(points: 10, members: [5], dtypes: ["int8"], threads: [1], minRuns: 1, budget: 0, input: nil,
                                               seed: 0, anchorPython: nil, anchorScript: "", sortScan: false)) {
            XCTAssertTrue("\($0)".hasPrefix("--dtypes:"), "\($0)")
        }
        XCTAssertThrowsError(try SFNOBenchmark(configs: ["s2-e64-l4"], batches: [1], trainBatches: [], threads: [1], makaniModel: nil,
                                               makaniBatches: [], budget: 0, minRuns: 1, gemmSize: 8, anchorPython: "python3",
                                               anchorScript: "no/such/runner.py")) {
            XCTAssertTrue("\($0)".hasPrefix("--anchor-script: no/such/runner.py not found"), "\($0)")
        }
    }

    func testSHTRoundTripOnASmallCase() throws {
        // The benchmark's own rows on gl16: four rows (two directions × two precisions), a tiny round-trip error.
        let benchmark = try SHTBenchmark(cases: [XCTUnwrap(SHTBenchCase.named("gl16"))], batches: [2], threads: [1],
                                         precisions: ["float64", "float32"], algorithm: "automatic", fftPlanning: "estimate",
                                         budget: 0, minRuns: 1)
        let rows = try benchmark.run()
        XCTAssertEqual(rows.count, 4)
        for row in rows {
            let error = try XCTUnwrap(row["roundtrip_rel_l2"] as? Double)
            XCTAssertLessThan(error, row["precision"] as? String == "float64" ? 1e-12 : 1e-5)
            XCTAssertEqual(row["case"] as? String, "gl16")
        }
    }
}
