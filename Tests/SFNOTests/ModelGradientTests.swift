import HensCore
import Spherical
import XCTest
@testable import SFNO

/// Whole-network Float64 finite-difference checks of `SFNOModel.backward`, for both block
/// variants, with L = Σ R ⊙ output over a batch of two members.
final class ModelGradientTests: SFNOTestCase {
    /// - Parameter tileWidth: column tile width; the default (16) splits every grid of these
    ///   tests into several tiles, so tile boundaries are inside the check.
    private func checkModel(_ config: SFNOConfig, parameterSamples: Int = 160, inputSamples: Int = 60, tileWidth: Int? = 16,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try SFNOModel<Double>(config: config, seed: 7)
        if let tileWidth {
            model.tiles = ColumnTiles(width: tileWidth)
            XCTAssertGreaterThan(model.tiles.count(config.internalPoints), 1, file: file, line: line)
        }
        perturbParameters(model, seed: 8)
        let batch = 2
        let inCount = batch * config.inChannels * config.dataPoints
        let outCount = batch * config.outChannels * config.dataPoints
        var input: [Double] = randomValues(inCount, seed: 9)
        var r: [Double] = randomValues(outCount, seed: 10)
        let workspace = model.makeWorkspace()
        func loss() -> Double {
            var out = [Double](repeating: 0, count: outCount)
            input.withPointer { i in out.withPointer { model.forward(i, output: $0, batch: batch, workspace: workspace) } }
            return dot(out, r)
        }
        var recorded = [Double](repeating: 0, count: outCount)
        var gp = [Double](repeating: 0, count: model.parameterCount), gx = [Double](repeating: 0, count: inCount)
        let tape = input.withPointer { i in recorded.withPointer { model.forwardRecording(i, batch: batch, output: $0) } }
        r.withPointer { rp in gx.withPointer { g in gp.withPointer { model.backward(tape, gradOutput: rp, gradInput: g, gradParameters: $0) } } }
        XCTAssertEqual(dot(recorded, r), loss(), accuracy: 1e-12 * abs(loss()), "recording forward = inference forward", file: file, line: line)

        // Every tensor gets some samples, so a wrong gradient in any layer shows.
        var indices: [Int] = []
        for (k, tensor) in model.parameterTensors.enumerated() {
            let n = max(2, parameterSamples * tensor.count / model.parameterCount)
            indices += sampleIndices(tensor.count, count: n, seed: UInt64(100 + k)).map { tensor.offset + $0 }
        }
        let parameterCheck = finiteDifferenceCheck(indices: indices, analytic: { gp[$0] }) { i, d in
            model.withParameters { $0[i] += d }
            defer { model.withParameters { $0[i] -= d } }
            return loss()
        }
        assertGradient(parameterCheck, "\(config.variant.rawValue) parameters", file: file, line: line)
        let inputCheck = finiteDifferenceCheck(indices: sampleIndices(inCount, count: inputSamples, seed: 11), analytic: { gx[$0] }) { i, d in
            input[i] += d; defer { input[i] -= d }; return loss()
        }
        assertGradient(inputCheck, "\(config.variant.rawValue) input", file: file, line: line)
        // Report what the checks reached (visible with --verbose).
        print("gradient check \(config.variant.rawValue) L=\(config.layers) norm=\(config.normalization.rawValue): parameters \(parameterCheck.maxRelative) (\(parameterCheck.checked)), input \(inputCheck.maxRelative) (\(inputCheck.checked))")
    }

    func testTHExampleGradients() throws {
        try checkModel(TinyConfigs.thExample())
    }

    func testTHExampleWithoutNormTwoBlocks() throws {
        try checkModel(TinyConfigs.thExample(layers: 2, posEmbed: .none, normalization: .none))
    }

    /// One tile per field (the production tiling on these tiny grids).
    func testTHExampleSingleTile() throws {
        try checkModel(TinyConfigs.thExample(), tileWidth: nil)
    }

    func testMakaniGradients() throws {
        try checkModel(TinyConfigs.makani())
    }

    func testMakaniWithoutNormOrBigSkip() throws {
        try checkModel(TinyConfigs.makani(layers: 2, posEmbed: .none, normalization: .none, bigSkip: false))
    }

    /// makani on a Gauss–Legendre data grid with scale factor 1: same grid inside and out,
    /// so no block resamples; a single block covers the first-is-last case.
    func testMakaniSingleBlockSameGrid() throws {
        let config = SFNOConfig(variant: .makani, grid: .legendreGauss, nlat: 6, nlon: 12, inChannels: 2, outChannels: 2,
                                scaleFactor: 1, embedDim: 3, layers: 1, posEmbed: .none)
        try checkModel(config)
    }

    /// th-example with scale factor 1: equal shapes, so the raw residual crosses from the
    /// equiangular to the Gauss–Legendre grid (torch-harmonics' quirk, perf_anchors §6).
    func testTHExampleScaleFactorOne() throws {
        let config = SFNOConfig(variant: .thExample, grid: .equiangular, nlat: 7, nlon: 12, inChannels: 2, outChannels: 2,
                                scaleFactor: 1, embedDim: 3, layers: 2)
        XCTAssertFalse(config.resamplesBetweenGrids)
        try checkModel(config)
    }

    /// Gradients added over two backward calls add up (the protocol says "adds").
    func testBackwardAccumulates() throws {
        let model = try SFNOModel<Double>(config: TinyConfigs.thExample(layers: 2), seed: 3)
        let n = model.config.inChannels * model.fieldCount, m = model.config.outChannels * model.fieldCount
        var input: [Double] = randomValues(n, seed: 1), r: [Double] = randomValues(m, seed: 2)
        var out = [Double](repeating: 0, count: m)
        var once = [Double](repeating: 0, count: model.parameterCount), twice = once
        for k in 0..<2 {
            let tape = input.withPointer { i in out.withPointer { model.forwardRecording(i, batch: 1, output: $0) } }
            r.withPointer { rp in
                if k == 0 { once.withPointer { model.backward(tape, gradOutput: rp, gradInput: nil, gradParameters: $0) } }
                twice.withPointer { model.backward(tape, gradOutput: rp, gradInput: nil, gradParameters: $0) }
            }
        }
        for i in once.indices { XCTAssertEqual(twice[i], 2 * once[i], accuracy: 1e-12 * max(1, abs(once[i]))) }
    }
}
