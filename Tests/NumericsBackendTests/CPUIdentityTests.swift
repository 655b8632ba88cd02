import XCTest
@testable import NumericsBackend

/// CPU identity and the build's instruction-set check.
final class CPUIdentityTests: XCTestCase {
    func testHostIsDescribed() {
        let host = CPUIdentity.host
        #if arch(x86_64)
        XCTAssertFalse(host.vendor.isEmpty)
        XCTAssertTrue(host.features.contains(.sse3), host.summary)
        #endif
        XCTAssertFalse(host.summary.isEmpty)
    }

    func testThisBinaryRunsOnThisCPU() {
        // The start-up check let this process run, so nothing the build requires is missing.
        XCTAssertNil(BuildTarget.firstMissingFeature(required: BuildTarget.requiredFeatures, on: .host))
    }

    func testMissingFeatureIsNamed() {
        let avx2Machine = CPUIdentity(vendor: "AuthenticAMD", features: [.sse3, .avx, .avx2, .fma])
        XCTAssertEqual(BuildTarget.firstMissingFeature(required: [.avx2, .fma, .avx512f, .avx512bw], on: avx2Machine), "avx512f")
        XCTAssertNil(BuildTarget.firstMissingFeature(required: [.avx2, .fma], on: avx2Machine))
        XCTAssertEqual(CPUFeatures([.avx2, .avx512vl]).names, ["avx2", "avx512vl"])
    }
}
