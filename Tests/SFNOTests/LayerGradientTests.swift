import HensCore
import Spherical
import XCTest
@testable import SFNO

/// Float64 central-difference checks of every layer's hand-written backward pass, each with
/// the loss L = Σ R ⊙ output for a fixed random R (so ∂L/∂output = R).
final class LayerGradientTests: SFNOTestCase {
    /// Tiles of 64 columns, so fields of 150 points span three tiles.
    private let tiles = ColumnTiles(hidden: 4096)

    func testPointwiseLinearWithBias() {
        let cin = 3, cout = 4, points = 150
        let layer = PointwiseLinear(inChannels: cin, outChannels: cout, weight: 0, bias: cin * cout)
        var params: [Double] = randomValues(cin * cout + cout, seed: 1)
        var x: [Double] = randomValues(cin * points, seed: 2)
        var r: [Double] = randomValues(cout * points, seed: 3)
        func loss() -> Double {
            var y = [Double](repeating: 0, count: cout * points)
            params.withPointer { p in x.withPointer { xp in y.withPointer { layer.forwardTiled(p, xp, $0, points: points, tiles: tiles) } } }
            return dot(y, r)
        }
        var gp = [Double](repeating: 0, count: params.count), gx = [Double](repeating: 0, count: x.count)
        r.withPointer { rp in
            x.withPointer { xp in gp.withPointer { layer.backwardParameters(gradY: rp, ldgy: points, x: xp, ldx: points, points: points, gradParameters: $0) } }
            params.withPointer { p in gx.withPointer { layer.backwardInputTiled(p, gradY: rp, gradX: $0, points: points, tiles: tiles, accumulate: false) } }
        }
        assertGradient(finiteDifferenceCheck(indices: Array(params.indices), analytic: { gp[$0] }) { i, d in
            params[i] += d; defer { params[i] -= d }; return loss()
        }, "linear ∂W, ∂b")
        assertGradient(finiteDifferenceCheck(indices: Array(x.indices), analytic: { gx[$0] }) { i, d in
            x[i] += d; defer { x[i] -= d }; return loss()
        }, "linear ∂x")
    }

    func testGELU() {
        let n = 400
        var x: [Double] = (0..<n).map { -7 + 14 * Double($0) / Double(n - 1) }
        let r: [Double] = randomValues(n, seed: 4)
        func loss() -> Double {
            var y = [Double](repeating: 0, count: n)
            x.withPointer { xp in y.withPointer { GELU.forward(xp, $0, count: n) } }
            return dot(y, r)
        }
        var g = r
        x.withPointer { xp in g.withPointer { GELU.backward(xp, gradient: $0, count: n) } }
        assertGradient(finiteDifferenceCheck(indices: Array(x.indices), analytic: { g[$0] }) { i, d in
            x[i] += d; defer { x[i] -= d }; return loss()
        }, "GELU")
    }

    /// The Float32 kernels (rational erf, fast exp) against libm in Float64.
    func testFloatGELUAccuracy() {
        let n = 20_001
        let xs: [Float] = (0..<n).map { Float(-10 + 20 * Double($0) / Double(n - 1)) }
        var y = [Float](repeating: 0, count: n), value = y, slope = y
        var x = xs
        x.withPointer { xp in
            y.withPointer { GELU.forward(xp, $0, count: n) }
            value.withPointer { v in slope.withPointer { GELU.valueAndDerivative(xp, value: v, derivative: $0, count: n) } }
        }
        var worstValue = 0.0, worstSlope = 0.0
        for i in 0..<n {
            let v = Double(xs[i])
            let phi = 0.5 * (1 + erf(v / 2.0.squareRoot()))
            let exact = v * phi, exactSlope = phi + v * exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            worstValue = max(worstValue, abs(Double(y[i]) - exact) / max(1, abs(exact)))
            worstSlope = max(worstSlope, abs(Double(slope[i]) - exactSlope))
            XCTAssertEqual(y[i], value[i])
        }
        XCTAssertLessThan(worstValue, 1e-6, "gelu")
        XCTAssertLessThan(worstSlope, 1e-6, "gelu′")
    }

    func testInstanceNorm() {
        let c = 3, points = 150
        let norm = InstanceNorm(channels: c, weight: 0, bias: c)
        var params: [Double] = randomValues(2 * c, seed: 5, scale: 0.3)
        for i in 0..<c { params[i] += 1 }
        var x: [Double] = randomValues(c * points, seed: 6, scale: 2)
        for i in x.indices { x[i] += Double(i / points) } // different means per channel
        var r: [Double] = randomValues(c * points, seed: 7)
        func loss() -> Double {
            var stats = [Double](repeating: 0, count: 2 * c), y = [Double](repeating: 0, count: c * points)
            x.withPointer { xp in
                stats.withPointer { norm.statistics(xp, ld: points, points: points, into: $0) }
                params.withPointer { p in stats.withPointer { s in y.withPointer { norm.apply(p, stats: s, xp, ldx: points, $0, ldy: points, columns: points) } } }
            }
            return dot(y, r)
        }
        var stats = [Double](repeating: 0, count: 2 * c)
        var gp = [Double](repeating: 0, count: 2 * c), gx = [Double](repeating: 0, count: c * points)
        x.withPointer { xp in
            stats.withPointer { norm.statistics(xp, ld: points, points: points, into: $0) }
            params.withPointer { p in stats.withPointer { s in r.withPointer { rp in gx.withPointer { g in gp.withPointer {
                norm.backward(p, stats: s, x: xp, gradY: rp, gradX: g, points: points, gradParameters: $0)
            } } } } }
        }
        assertGradient(finiteDifferenceCheck(indices: Array(params.indices), analytic: { gp[$0] }) { i, d in
            params[i] += d; defer { params[i] -= d }; return loss()
        }, "instance norm ∂γ, ∂β")
        assertGradient(finiteDifferenceCheck(indices: Array(x.indices), analytic: { gx[$0] }) { i, d in
            x[i] += d; defer { x[i] -= d }; return loss()
        }, "instance norm ∂x")
    }

    func testPointwiseMLP() {
        let cin = 3, hidden = 5, cout = 2, points = 150
        let mlp = PointwiseMLP(fc1: PointwiseLinear(inChannels: cin, outChannels: hidden, weight: 0, bias: cin * hidden),
                               fc2: PointwiseLinear(inChannels: hidden, outChannels: cout, weight: cin * hidden + hidden,
                                                    bias: cin * hidden + hidden + hidden * cout))
        var params: [Double] = randomValues(cin * hidden + hidden + hidden * cout + cout, seed: 8)
        var x: [Double] = randomValues(cin * points, seed: 9)
        var r: [Double] = randomValues(cout * points, seed: 10)
        var pre = [Double](repeating: 0, count: hidden * points)
        func run(record: Bool) -> Double {
            var y = [Double](repeating: 0, count: cout * points)
            // One hidden tile per worker: tiles run concurrently.
            var scratch = [Double](repeating: 0, count: hidden * tiles.width * Parallel.threadCount)
            params.withPointer { p in x.withPointer { xp in y.withPointer { yp in pre.withPointer { pp in scratch.withPointer { sp in
                tiles.forEach(points) { cols, worker in
                    let o = cols.lowerBound
                    mlp.forwardTile(p, xp + o, ldx: points, yp + o, ldout: points, columns: cols.count, accumulate: false,
                                    preActivation: record ? pp + o : nil, ldPre: points, scratch: sp + worker * hidden * tiles.width)
                }
            } } } } }
            return dot(y, r)
        }
        _ = run(record: true)
        var gp = [Double](repeating: 0, count: params.count), gx = [Double](repeating: 0, count: x.count)
        var s1 = [Double](repeating: 0, count: hidden * points), s2 = s1
        params.withPointer { p in x.withPointer { xp in pre.withPointer { pp in r.withPointer { rp in gx.withPointer { g in
            s1.withPointer { a in s2.withPointer { b in gp.withPointer {
                mlp.backward(p, x: xp, preActivation: pp, gradOut: rp, gradX: g, accumulate: false, points: points,
                             tiles: tiles, scratch: (a, b), gradParameters: $0)
            } } }
        } } } } }
        assertGradient(finiteDifferenceCheck(indices: Array(params.indices), analytic: { gp[$0] }) { i, d in
            params[i] += d; defer { params[i] -= d }; return run(record: false)
        }, "MLP parameters")
        assertGradient(finiteDifferenceCheck(indices: Array(x.indices), analytic: { gx[$0] }) { i, d in
            x[i] += d; defer { x[i] -= d }; return run(record: false)
        }, "MLP ∂x")
    }

    /// SHT_in → triangular contraction → ISHT_out, including a grid change and mmax < lmax.
    private func checkSpectralPath(input: SphericalGrid, output: SphericalGrid, lmax: Int, mmax: Int, channels e: Int) throws {
        let modes = TriangularModes(lmax: lmax, mmax: mmax)
        let tin = try GridTransform<Double>(grid: input, modes: modes, planning: .estimate)
        let tout = input == output ? tin : try GridTransform<Double>(grid: output, modes: modes, planning: .estimate)
        let conv = SpectralConvolution(channels: e, modes: modes, weight: 0)
        var w: [Double] = randomValues(conv.weightCount, seed: 11)
        var x: [Double] = randomValues(e * tin.points, seed: 12)
        var r: [Double] = randomValues(e * tout.points, seed: 13)
        let cc = tin.coefficientCount(fields: e)
        var cx = [Double](repeating: 0, count: cc), cy = cx
        var stack = [Double](repeating: 0, count: conv.stackCount)
        var scratch = [Double](repeating: 0, count: max(tin.scratchCount(fields: e), tout.scratchCount(fields: e)))
        var convScratch = [Double](repeating: 0, count: conv.stackCount + conv.degreeCount)
        var degreeScratch = [Double](repeating: 0, count: Parallel.threadCount * conv.degreeScratchCount)
        func loss() -> Double {
            var y = [Double](repeating: 0, count: e * tout.points)
            x.withPointer { xp in cx.withPointer { c in scratch.withPointer { tin.forward(xp, into: c, count: e, scratch: $0) } } }
            w.withPointer { wp in cx.withPointer { xp in cy.withPointer { yp in stack.withPointer { sp in degreeScratch.withPointer {
                conv.forward(wp, x: xp, y: yp, stack: sp, workerScratch: $0, workerStride: conv.degreeScratchCount)
            } } } } }
            cy.withPointer { cp in y.withPointer { yp in scratch.withPointer { tout.inverse(cp, into: yp, count: e, scratch: $0) } } }
            return dot(y, r)
        }
        _ = loss() // leaves the stack of the unperturbed input
        var gw = [Double](repeating: 0, count: w.count), gx = [Double](repeating: 0, count: x.count)
        var gy = [Double](repeating: 0, count: cc), gX = gy
        r.withPointer { rp in gy.withPointer { g in scratch.withPointer { tout.inverseAdjoint(rp, into: g, count: e, scratch: $0) } } }
        w.withPointer { wp in stack.withPointer { sp in gy.withPointer { g in gX.withPointer { gxp in convScratch.withPointer { cs in gw.withPointer {
            conv.backward(wp, stack: sp, gradY: g, gradX: gxp, accumulate: false, scratch: cs, gradParameters: $0)
        } } } } } }
        gX.withPointer { g in gx.withPointer { out in scratch.withPointer { tin.forwardAdjoint(g, into: out, count: e, scratch: $0) } } }
        let label = "\(input.label) → \(output.label), lmax \(lmax), mmax \(mmax)"
        assertGradient(finiteDifferenceCheck(indices: Array(w.indices), analytic: { gw[$0] }) { i, d in
            w[i] += d; defer { w[i] -= d }; return loss()
        }, "spectral ∂W (\(label))")
        assertGradient(finiteDifferenceCheck(indices: sampleIndices(x.count, count: 120, seed: 14), analytic: { gx[$0] }) { i, d in
            x[i] += d; defer { x[i] -= d }; return loss()
        }, "spectral ∂x (\(label))")
        // Im W at l = 0 only ever meets m = 0, whose imaginary part the inverse drops.
        for o in 0..<e { for i in 0..<e { XCTAssertEqual(gw[(o * e + i) * 2 + 1], 0, accuracy: 1e-13) } }
    }

    func testSpectralConvolutionWithGridChange() throws {
        try checkSpectralPath(input: SphericalGrid(.equiangular, nlat: 9, nlon: 16),
                              output: SphericalGrid(.legendreGauss, nlat: 5, nlon: 8), lmax: 4, mmax: 4, channels: 3)
        try checkSpectralPath(input: SphericalGrid(.legendreGauss, nlat: 5, nlon: 8),
                              output: SphericalGrid(.equiangular, nlat: 9, nlon: 16), lmax: 4, mmax: 4, channels: 3)
    }

    func testSpectralConvolutionSameGridFewerOrders() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 6, nlon: 8)
        try checkSpectralPath(input: grid, output: grid, lmax: 6, mmax: 4, channels: 2)
    }

    /// r = ISHT_out(SHT_in(x)) and its adjoint SHT_inᵀ(ISHT_outᵀ(·)).
    func testResampledResidual() throws {
        for (a, b) in [(try SphericalGrid(.equiangular, nlat: 9, nlon: 16), try SphericalGrid(.legendreGauss, nlat: 5, nlon: 8)),
                       (try SphericalGrid(.legendreGauss, nlat: 5, nlon: 8), try SphericalGrid(.equiangular, nlat: 9, nlon: 16))] {
            let modes = TriangularModes(lmax: 4, mmax: 4)
            let tin = try GridTransform<Double>(grid: a, modes: modes, planning: .estimate)
            let tout = try GridTransform<Double>(grid: b, modes: modes, planning: .estimate)
            var x: [Double] = randomValues(2 * tin.points, seed: 15)
            var r: [Double] = randomValues(2 * tout.points, seed: 16)
            var c = [Double](repeating: 0, count: tin.coefficientCount(fields: 2))
            var scratch = [Double](repeating: 0, count: max(tin.scratchCount(fields: 2), tout.scratchCount(fields: 2)))
            func loss() -> Double {
                var y = [Double](repeating: 0, count: 2 * tout.points)
                x.withPointer { xp in c.withPointer { cp in scratch.withPointer { tin.forward(xp, into: cp, count: 2, scratch: $0) } } }
                c.withPointer { cp in y.withPointer { yp in scratch.withPointer { tout.inverse(cp, into: yp, count: 2, scratch: $0) } } }
                return dot(y, r)
            }
            var gc = c, gx = x
            r.withPointer { rp in gc.withPointer { g in scratch.withPointer { tout.inverseAdjoint(rp, into: g, count: 2, scratch: $0) } } }
            gc.withPointer { g in gx.withPointer { o in scratch.withPointer { tin.forwardAdjoint(g, into: o, count: 2, scratch: $0) } } }
            assertGradient(finiteDifferenceCheck(indices: Array(x.indices), analytic: { gx[$0] }) { i, d in
                x[i] += d; defer { x[i] -= d }; return loss()
            }, "resampled residual \(a.label) → \(b.label)")
        }
    }
}
