import HensCore
import Foundation
import Spherical

/// Which grid a block reads or writes: the data grid or the internal Gauss–Legendre grid.
enum GridRole: Sendable {
    case data
    case inner
}

/// A pointwise stage that is either one 1×1 layer or a two-layer MLP (encoders and decoders).
enum PointwiseStage {
    case linear(PointwiseLinear)
    case mlp(PointwiseMLP)

    var hidden: Int {
        switch self {
        case .linear: return 0
        case .mlp(let m): return m.hidden
        }
    }
}

/// The whole network as a parameter table plus layer descriptions: what `SFNOModel` runs and
/// what `SFNOFLOPModel` counts.
struct SFNOArchitecture {
    let config: SFNOConfig
    let tensors: [ParameterTensor]
    let initializers: [ParameterInitializer]
    let parameterCount: Int
    let encoder: PointwiseStage
    /// Offset of the learned position embedding `[E][nlat][nlon]`, if any.
    let positionEmbedding: Int?
    let blocks: [SFNOBlockLayout]
    let decoder: PointwiseStage
    /// makani's big skip (input → output, no bias), if enabled.
    let bigSkip: PointwiseLinear?
    /// The spectral modes every block keeps.
    let modes: TriangularModes

    var embed: Int { config.embedDim }
    /// Widest hidden layer of any MLP (sizes the per-tile scratch).
    var hiddenMax: Int { max(config.mlpHidden, encoder.hidden, decoder.hidden) }
    /// Points of the larger grid.
    var pointsMax: Int { max(config.dataPoints, config.internalPoints) }
    /// Reals of one member's coefficients (E fields).
    var coefficientCount: Int { modes.count * 2 * embed }
    /// Reals of the spectral layer's stack (the same for every block).
    var stackCount: Int { blocks[0].spectral.stackCount }
    /// Reals of transform scratch for E fields on either grid.
    var transformScratchCount: Int {
        max(GridTransform<Float>.scratchCount(nlat: config.nlat, nlon: config.nlon, mmax: modes.mmax, fields: embed),
            GridTransform<Float>.scratchCount(nlat: config.internalNlat, nlon: config.internalNlon, mmax: modes.mmax,
                                              fields: embed))
    }

    init(_ config: SFNOConfig) {
        self.config = config
        var table = ParameterTable()
        let e = config.embedDim, cin = config.inChannels, cout = config.outChannels
        let eh = config.mlpHidden
        let makani = config.variant == .makani
        let instance = config.normalization == .instance

        if makani {
            let he = config.encoderHidden
            encoder = .mlp(PointwiseMLP(
                fc1: table.linear("encoder.0", in: cin, out: he, bias: true, std: (2 / Double(cin)).squareRoot()),
                fc2: table.linear("encoder.2", in: he, out: e, bias: false, std: (1 / Double(he)).squareRoot())))
        } else {
            encoder = .linear(table.linear("encoder.0", in: cin, out: e, bias: false, std: (1 / Double(cin)).squareRoot()))
        }
        if config.posEmbed == .direct {
            positionEmbedding = table.add("pos_embed", [e, config.nlat, config.nlon], decays: false,
                                          makani ? .truncatedNormal(std: 0.02, bound: 2) : .zeros)
        } else {
            positionEmbedding = nil
        }

        let lmax = config.lmax
        modes = TriangularModes(lmax: lmax, mmax: config.mmax)
        var blocks: [SFNOBlockLayout] = []
        for i in 0..<config.layers {
            let name = "blocks.\(i)"
            let input: GridRole = i == 0 ? .data : .inner
            let output: GridRole = i == config.layers - 1 ? .data : .inner
            // Spectral weights: gain 2 (GELU follows, no inner skip), std √(2/E); makani
            // scales degree 0 by a further √2 ("the first weight is not really complex").
            var scales = [Double](repeating: (2 / Double(e)).squareRoot(), count: lmax)
            if makani { scales[0] *= 2.0.squareRoot() }
            let spectralOffset = table.add("\(name).spectral.weight", [lmax, e, e, 2], decays: true,
                                           .complexNormal(degreeScales: scales))
            let spectral = SpectralConvolution(channels: e, modes: modes, weight: spectralOffset)
            let norm0 = instance ? table.norm(makani ? "\(name).norm0" : "\(name).norm", channels: e) : nil
            // MLP: fc1 std √(2/E) with zero bias; fc2 gain 1 (th, identity skip) or ½ (makani, linear skip).
            let mlp = PointwiseMLP(
                fc1: table.linear("\(name).mlp.fc1", in: e, out: eh, bias: true, std: (2 / Double(e)).squareRoot()),
                fc2: table.linear("\(name).mlp.fc2", in: eh, out: e, bias: makani,
                                  std: ((makani ? 0.5 : 1) / Double(eh)).squareRoot()))
            let norm1 = makani && instance ? table.norm("\(name).norm1", channels: e) : nil
            let skip = makani ? table.linear("\(name).skip", in: e, out: e, bias: false, std: (0.5 / Double(e)).squareRoot()) : nil
            blocks.append(SFNOBlockLayout(index: i, input: input, output: output,
                                          resamples: input != output && config.resamplesBetweenGrids,
                                          spectral: spectral, norm0: norm0, mlp: mlp, norm1: norm1, skip: skip))
        }
        self.blocks = blocks

        if makani {
            let hd = config.decoderHidden
            decoder = .mlp(PointwiseMLP(
                fc1: table.linear("decoder.0", in: e, out: hd, bias: true, std: (2 / Double(e)).squareRoot()),
                fc2: table.linear("decoder.2", in: hd, out: cout, bias: false,
                                  std: ((config.bigSkip ? 0.5 : 1) / Double(hd)).squareRoot())))
            bigSkip = config.bigSkip
                ? table.linear("big_skip", in: cin, out: cout, bias: false, std: (0.5 / Double(cin)).squareRoot()) : nil
        } else {
            decoder = .linear(table.linear("decoder.0", in: e, out: cout, bias: false, std: (1 / Double(e)).squareRoot()))
            bigSkip = nil
        }
        tensors = table.tensors
        initializers = table.initializers
        parameterCount = table.count
    }
}

/// Assigns consecutive offsets in the flat buffer and records each tensor's name, shape,
/// weight-decay flag and initialiser.
private struct ParameterTable {
    var tensors: [ParameterTensor] = []
    var initializers: [ParameterInitializer] = []
    var count = 0

    mutating func add(_ name: String, _ shape: [Int], decays: Bool, _ initializer: ParameterInitializer) -> Int {
        let tensor = ParameterTensor(name: name, shape: shape, offset: count, decays: decays)
        tensors.append(tensor)
        initializers.append(initializer)
        count += tensor.count
        return tensor.offset
    }

    /// A 1×1 convolution `name.weight` `[out, in]` (and `name.bias` `[out]`, zero, no decay).
    mutating func linear(_ name: String, in cin: Int, out cout: Int, bias: Bool, std: Double) -> PointwiseLinear {
        let w = add("\(name).weight", [cout, cin], decays: true, .normal(std: std))
        let b = bias ? add("\(name).bias", [cout], decays: false, .zeros) : nil
        return PointwiseLinear(inChannels: cin, outChannels: cout, weight: w, bias: b)
    }

    /// An affine instance norm `name.weight` (ones) and `name.bias` (zeros), neither decayed.
    mutating func norm(_ name: String, channels: Int) -> InstanceNorm {
        let w = add("\(name).weight", [channels], decays: false, .ones)
        let b = add("\(name).bias", [channels], decays: false, .zeros)
        return InstanceNorm(channels: channels, weight: w, bias: b)
    }
}
