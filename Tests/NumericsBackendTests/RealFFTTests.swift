import XCTest
@testable import NumericsBackend

/// Real FFT plans: analytic spectra, round trips, batched loops, reproducible planning.
final class RealFFTTests: XCTestCase {
    func testCosineSpectrumAndRoundTrip() throws {
        let n = 12
        var x = (0..<n).map { j in 3 + 2 * cos(2 * Double.pi * 2 * Double(j) / Double(n)) }
        var spectrum = [Double](repeating: 0, count: 2 * (n / 2 + 1))
        let forward = try RealFFTPlan<Double>(.forward, length: n, loops: [], input: &x, output: &spectrum)
        let inverse = try RealFFTPlan<Double>(.inverse, length: n, loops: [], input: &spectrum, output: &x)
        let original = x
        forward.execute(&x, &spectrum)
        // Unnormalised sums: X₀ = 3n, X₂ = 2·n/2 = n, every other bin 0 (tolerance: a few ulps of n).
        for k in 0...(n / 2) {
            let expected = k == 0 ? 3.0 * Double(n) : k == 2 ? Double(n) : 0
            XCTAssertEqual(spectrum[2 * k], expected, accuracy: 1e-12, "re X\(k)")
            XCTAssertEqual(spectrum[2 * k + 1], 0, accuracy: 1e-12, "im X\(k)")
        }
        var back = [Double](repeating: 0, count: n)
        inverse.execute(&spectrum, &back)
        for j in 0..<n { XCTAssertEqual(back[j] / Double(n), original[j], accuracy: 1e-13) }
    }

    func testBatchedLoopsEqualSingleTransformsInFloat() throws {
        // Three rows of 10 reals → three rows of 6 complex numbers, row stride 10 in, 6 out.
        let n = 10, rows = 3, width = n / 2 + 1
        var input = (0..<(rows * n)).map { Float(sin(Double($0) * 0.37)) }
        var output = [Float](repeating: 0, count: rows * width * 2)
        let batched = try RealFFTPlan<Float>(.forward, length: n, loops: [FFTLoop(count: rows, inputStride: n, outputStride: width)],
                                             input: &input, output: &output)
        batched.execute(&input, &output)
        var row = [Float](repeating: 0, count: n), single = [Float](repeating: 0, count: 2 * width)
        let one = try RealFFTPlan<Float>(.forward, length: n, loops: [], input: &row, output: &single)
        for r in 0..<rows {
            row = Array(input[(r * n)..<((r + 1) * n)])
            one.execute(&row, &single)
            // Another plan shape need not round the same (README, determinism contract): 1e-5 relative to the row's size.
            for i in 0..<(2 * width) { XCTAssertEqual(output[r * 2 * width + i], single[i], accuracy: 1e-5 * Float(n), "row \(r) value \(i)") }
        }
    }

    func testEstimatePlansAreReproducible() throws {
        // Two independently made `.estimate` plans give bit-identical results (no timing involved).
        let n = 96
        var x = (0..<n).map { Float(cos(Double($0 * $0) * 0.01)) }
        var a = [Float](repeating: 0, count: n + 2), b = a
        let first = try RealFFTPlan<Float>(.forward, length: n, loops: [], input: &x, output: &a)
        let second = try RealFFTPlan<Float>(.forward, length: n, loops: [], input: &x, output: &b)
        first.execute(&x, &a)
        second.execute(&x, &b)
        XCTAssertEqual(a, b)
    }
}
