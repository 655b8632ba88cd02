import Foundation
import HensCore
import NumericsBackend
import SFNO
import Training

/// The SFNO benchmark configurations, named as the anchor runner `bench/anchors/sfno_anchor.py`
/// names them, with the arguments common to all: torch-harmonics' example block, equiangular
/// data grid, Legendre–Gauss inside, 8 channels in and out, MLP ratio 2, instance norm, residual
/// prediction, no positional embedding, no biases outside the MLP.
public enum SFNOBenchConfig {
    /// One configuration's sizes.
    public struct Sizes: Equatable, Sendable {
        /// Data grid rows.
        public let nlat: Int
        /// Data grid columns.
        public let nlon: Int
        /// Down-sampling of the internal grid.
        public let scale: Int
        /// Embedding width E.
        public let embed: Int
        /// SFNO blocks.
        public let layers: Int
    }

    /// Name → sizes: `sS-eE-lL` on the 1.5° grid (121 × 240), `t-…` on a 64 × 128 toy grid.
    public static let table: [String: Sizes] = [
        "s2-e64-l4": Sizes(nlat: 121, nlon: 240, scale: 2, embed: 64, layers: 4),
        "s2-e128-l4": Sizes(nlat: 121, nlon: 240, scale: 2, embed: 128, layers: 4),
        "s2-e128-l8": Sizes(nlat: 121, nlon: 240, scale: 2, embed: 128, layers: 8),
        "s1-e64-l4": Sizes(nlat: 121, nlon: 240, scale: 1, embed: 64, layers: 4),
        "t-s1-e64-l4": Sizes(nlat: 64, nlon: 128, scale: 1, embed: 64, layers: 4),
    ]

    /// The configuration called `name`, or nil.
    public static func named(_ name: String) -> SFNOConfig? {
        guard let c = table[name] else { return nil }
        return SFNOConfig(variant: .thExample, grid: .equiangular, nlat: c.nlat, nlon: c.nlon, inChannels: 8, outChannels: 8,
                          scaleFactor: c.scale, embedDim: c.embed, layers: c.layers, mlpRatio: 2, residualPrediction: true,
                          posEmbed: .none, normalization: .instance, hardThresholdingFraction: 1)
    }
}

/// One training step as `hens train` takes it: forward with tape, area-weighted squared-L2
/// loss and its gradient, backward into zeroed gradients, AdamW (torch's Adam with no decay).
public final class SFNOTrainingStep {
    /// The model trained (its parameters change with every step).
    public let model: SFNOModel<Float>
    /// Samples per step.
    public let batch: Int
    private let loss: SphereLoss
    private var optimizer: AdamW
    private var gradients: [Float]
    private var prediction: [Float]
    private var gradOutput: [Float]

    /// Buffers and optimiser state for steps of `batch` samples.
    public init(model: SFNOModel<Float>, batch: Int) throws {
        let c = model.config, grid = try c.dataGrid()
        self.model = model
        self.batch = batch
        loss = SphereLoss(kind: .absolute, quadrature: GridQuadrature(ringWeights: grid.weights, nlon: grid.nlon),
                          channelWeights: [Double](repeating: 1, count: c.outChannels))
        optimizer = try AdamW(settings: AdamWSettings(), tensors: model.parameterTensors, parameterCount: model.parameterCount)
        gradients = [Float](repeating: 0, count: model.parameterCount)
        prediction = [Float](repeating: 0, count: batch * c.outChannels * c.dataPoints)
        gradOutput = prediction
    }

    /// One step on the first `batch` samples of `input` and `target`, at learning rate 1e-4.
    public func run(input: [Float], target: [Float]) {
        gradients.withUnsafeMutableBufferPointer { g in
            g.update(repeating: 0)
            prediction.withUnsafeMutableBufferPointer { p in
                gradOutput.withUnsafeMutableBufferPointer { d in
                    let tape = model.forwardRecording(input, batch: batch, output: p.baseAddress!)
                    _ = loss.evaluate(prediction: p.baseAddress!, target: target, batch: batch, gradient: d.baseAddress!)
                    model.backward(tape, gradOutput: d.baseAddress!, gradInput: nil, gradParameters: g.baseAddress!)
                }
            }
            _ = model.withParameters { optimizer.step(parameters: $0, gradients: g, learningRate: 1e-4) }
        }
    }
}
