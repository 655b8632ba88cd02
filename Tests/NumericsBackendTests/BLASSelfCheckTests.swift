import XCTest
@testable import NumericsBackend

/// The start-up self-check passes on the library in use and catches wrong products.
final class BLASSelfCheckTests: XCTestCase {
    func testLibraryPasses() {
        XCTAssertNil(BLASSelfCheck.run())
    }

    /// A GEMM that ignores β (a classic kernel bug).
    private static func ignoringBeta(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        Float.blasGEMM(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                       beta: 0, c: c, ldc: ldc)
    }

    /// A GEMM off by a relative 1e-3 in one entry of one transpose case.
    private static func slightlyWrong(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
                                      _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int, _ beta: Double,
                                      _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        Double.blasGEMM(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                        beta: beta, c: c, ldc: ldc)
        if ta && !tb { c[5 * ldc + 3] *= 1.001 }
    }

    func testWrongProductsFail() {
        XCTAssertNotNil(BLASSelfCheck.check(Float.self, multiply: Self.ignoringBeta))
        let failure = BLASSelfCheck.check(Double.self, multiply: Self.slightlyWrong)
        XCTAssertNotNil(failure)
        XCTAssertTrue(failure?.contains("(5, 3)") ?? false, failure ?? "")
    }

    func testGEMMConventions() {
        // [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]]; with Aᵀ: [[26, 30], [38, 44]].
        let a: [Double] = [1, 2, 3, 4], b: [Double] = [5, 6, 7, 8]
        var c = [Double](repeating: 1, count: 4)
        Double.gemm(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, beta: 0, c: &c, ldc: 2)
        XCTAssertEqual(c, [19, 22, 43, 50] as [Double])
        Double.gemm(transposeA: true, m: 2, n: 2, k: 2, alpha: 2, a: a, lda: 2, b: b, ldb: 2, beta: 1, c: &c, ldc: 2)
        XCTAssertEqual(c, [71, 82, 119, 138] as [Double]) // 2·AᵀB + C
    }
}
