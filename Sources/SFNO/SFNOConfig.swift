import Config
import Foundation
import HensCore
import Spherical

/// Which published SFNO block layout the model follows (Bonev et al. 2023;
/// docs/formulas.md#block-layouts).
public enum SFNOVariant: String, Codable, Sendable, CaseIterable {
    /// makani's `SphericalFourierNeuralOperatorNet` (FourCastNet-SFNO, the HENS checkpoints):
    /// 2-layer encoder/decoder, filter → norm → GELU → MLP → norm + linear outer skip, big skip.
    case makani
    /// torch-harmonics' current example `SphericalFourierNeuralOperator` (version 0.9.3):
    /// 1×1 encoder/decoder without bias, filter → norm → MLP + identity skip, optional
    /// residual prediction. Used for parity with torch-harmonics and for the SWE comparison.
    case thExample = "th-example"
}

/// Normalisation layer inside the blocks.
public enum SFNONormalization: String, Codable, Sendable, CaseIterable {
    /// `InstanceNorm2d(eps 1e-6, affine)`: unweighted mean and biased variance per (sample, channel).
    case instance
    /// No normalisation.
    case none
}

/// Positional embedding added after the encoder.
public enum SFNOPositionEmbedding: String, Codable, Sendable, CaseIterable {
    /// None.
    case none
    /// A learned tensor `[embed][nlat][nlon]` on the data grid (makani `pos_embed: direct`).
    case direct
}

/// Hyper-parameters of an SFNO: the data grid, channels, widths and which block variant.
///
/// The internal grid is always Gauss–Legendre. Mode counts (exclusive bounds, triangular:
/// `mmax ≤ lmax`) follow the chosen reference implementation unless given explicitly:
/// - `th-example`: h = (nlat − 1)/sf + 1, w = nlon/sf, lmax = mmax = ⌊min(h, w/2)·htf⌋;
/// - `makani`: h = nlat/sf, w = nlon/sf, lmax = ⌊h·htf⌋, mmax = min(lmax, ⌊(w/2 + 1)·htf⌋).
///
/// YAML keys (see `init(_:rejectUnknownKeys:)`): `variant grid nlat nlon in_channels
/// out_channels scale_factor embed_dim layers mlp_ratio encoder_ratio decoder_ratio big_skip
/// residual_prediction pos_embed normalization hard_thresholding_fraction lmax mmax
/// noise_channels noise_length_scale`.
public struct SFNOConfig: Codable, Equatable, Sendable {
    /// Which reference block layout to follow.
    public var variant: SFNOVariant
    /// Latitude layout of the data grid (rows north → south).
    public var grid: GridKind
    /// Rows of the data grid (north → south).
    public var nlat: Int
    /// Columns of the data grid (longitudes from 0).
    public var nlon: Int
    /// Channels the model reads: prognostic followed by auxiliary ones.
    public var inChannels: Int
    /// Channels the model predicts (prognostic).
    public var outChannels: Int
    /// Downsampling factor from the data grid to the internal grid.
    public var scaleFactor: Int
    /// Channels inside the network (E).
    public var embedDim: Int
    /// Number of SFNO blocks.
    public var layers: Int
    /// MLP hidden width = ⌊embedDim · mlpRatio⌋.
    public var mlpRatio: Double
    /// makani only: encoder hidden width = ⌊embedDim · encoderRatio⌋.
    public var encoderRatio: Double
    /// makani only: decoder hidden width = ⌊embedDim · decoderRatio⌋.
    public var decoderRatio: Double
    /// makani only: adds a bias-free 1×1 map of the input to the output.
    public var bigSkip: Bool
    /// th-example only: adds the first `outChannels` input channels to the output (the model
    /// predicts an increment).
    public var residualPrediction: Bool
    /// Positional embedding after the encoder.
    public var posEmbed: SFNOPositionEmbedding
    /// Normalisation inside the blocks.
    public var normalization: SFNONormalization
    /// Fraction of the modes kept (0 < htf ≤ 1).
    public var hardThresholdingFraction: Double
    /// Explicit exclusive degree bound (overrides the fraction); nil = derived.
    public var explicitLmax: Int?
    /// Explicit exclusive order bound; nil = derived.
    public var explicitMmax: Int?
    /// Noise channels among the `inChannels` (the last ones): a model with noise channels is
    /// *stochastic* — each step reads fresh seeded correlated noise there, drawn per member and
    /// step (`NoiseChannels`), and is trained on the CRPS over several members. 0 = deterministic.
    public var noiseChannels: Int = 0
    /// Correlation length of the noise channels, metres.
    public var noiseLengthScale: Double = NoiseChannels.defaultLengthScale

    /// Whether the model reads noise channels (a stochastic model).
    public var isStochastic: Bool { noiseChannels > 0 }
    /// Input channels that are not noise: prognostic + auxiliary.
    public var stateInputChannels: Int { inChannels - noiseChannels }

    /// Creates a configuration with the torch-harmonics example's defaults for everything
    /// not given; call `validate()` (or `SFNOModel.init`, which does) before use.
    public init(variant: SFNOVariant = .thExample, grid: GridKind = .equiangular, nlat: Int, nlon: Int,
                inChannels: Int, outChannels: Int, scaleFactor: Int = 1, embedDim: Int, layers: Int,
                mlpRatio: Double = 2, encoderRatio: Double = 1, decoderRatio: Double = 1, bigSkip: Bool = true,
                residualPrediction: Bool = true, posEmbed: SFNOPositionEmbedding = .none,
                normalization: SFNONormalization = .instance, hardThresholdingFraction: Double = 1,
                lmax: Int? = nil, mmax: Int? = nil) {
        self.variant = variant
        self.grid = grid
        self.nlat = nlat
        self.nlon = nlon
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.scaleFactor = scaleFactor
        self.embedDim = embedDim
        self.layers = layers
        self.mlpRatio = mlpRatio
        self.encoderRatio = encoderRatio
        self.decoderRatio = decoderRatio
        self.bigSkip = bigSkip
        self.residualPrediction = residualPrediction
        self.posEmbed = posEmbed
        self.normalization = normalization
        self.hardThresholdingFraction = hardThresholdingFraction
        self.explicitLmax = lmax
        self.explicitMmax = mmax
    }

    /// Every key `init(_:rejectUnknownKeys:)` reads, for documents that embed a model section.
    public static let yamlKeys = [
        "variant", "grid", "nlat", "nlon", "in_channels", "out_channels", "scale_factor", "embed_dim", "layers",
        "mlp_ratio", "encoder_ratio", "decoder_ratio", "big_skip", "residual_prediction", "pos_embed",
        "normalization", "hard_thresholding_fraction", "lmax", "mmax", "noise_channels", "noise_length_scale",
    ]

    /// Reads and validates a configuration from a YAML mapping (`ConfigDocument` conventions:
    /// each error names the source and key).
    /// - Parameter rejectUnknownKeys: throw for keys no accessor asked for (pass `false` when
    ///   the document also holds other sections' keys and its owner checks them).
    public init(_ doc: inout ConfigDocument, rejectUnknownKeys: Bool = true) throws {
        let src = doc.source
        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ value: String, _: E.Type) throws -> E where E.RawValue == String {
            guard let e = E(rawValue: value) else {
                let names = E.allCases.map(\.rawValue).joined(separator: ", ")
                throw HensError(.invalidArgument, "\(src): \(key) must be one of \(names), got '\(value)'")
            }
            return e
        }
        func flag(_ key: String, default value: Bool) throws -> Bool {
            let text = try doc.string(key, default: value ? "true" : "false").lowercased()
            switch text {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw HensError(.invalidArgument, "\(src): key '\(key)' must be true or false, got '\(text)'")
            }
        }
        let variant = try choice("variant", try doc.string("variant", default: SFNOVariant.thExample.rawValue), SFNOVariant.self)
        let gridName = try doc.string("grid", default: GridKind.equiangular.rawValue)
        guard let grid = GridKind(name: gridName) else {
            throw HensError(.invalidArgument, "\(src): grid must be legendre-gauss, equiangular or lobatto, got '\(gridName)'")
        }
        let nlat = try doc.integer("nlat")
        self.init(variant: variant, grid: grid, nlat: nlat, nlon: try doc.integer("nlon", default: 2 * nlat),
                  inChannels: try doc.integer("in_channels"), outChannels: try doc.integer("out_channels"),
                  scaleFactor: try doc.integer("scale_factor", default: 1), embedDim: try doc.integer("embed_dim"),
                  layers: try doc.integer("layers"), mlpRatio: try doc.number("mlp_ratio", default: 2),
                  encoderRatio: try doc.number("encoder_ratio", default: 1),
                  decoderRatio: try doc.number("decoder_ratio", default: 1),
                  bigSkip: try flag("big_skip", default: true),
                  residualPrediction: try flag("residual_prediction", default: variant == .thExample),
                  posEmbed: try choice("pos_embed", try doc.string("pos_embed", default: "none"), SFNOPositionEmbedding.self),
                  normalization: try choice("normalization", try doc.string("normalization", default: "instance"),
                                            SFNONormalization.self),
                  hardThresholdingFraction: try doc.number("hard_thresholding_fraction", default: 1),
                  lmax: doc.has("lmax") ? try doc.integer("lmax") : nil,
                  mmax: doc.has("mmax") ? try doc.integer("mmax") : nil)
        noiseChannels = try doc.integer("noise_channels", default: 0)
        noiseLengthScale = try doc.length("noise_length_scale", default: NoiseChannels.defaultLengthScale)
        if rejectUnknownKeys { try doc.rejectUnknownKeys() }
        do { try validate() } catch let error as HensError {
            throw HensError(error.kind, "\(src): \(error.message)")
        }
    }

    /// Reads a configuration whose `in_channels`/`out_channels` may be omitted: they default to
    /// `stateInputs` (prognostic + auxiliary) plus `noise_channels`, and to `outputs`.
    public static func withChannelDefaults(_ doc: inout ConfigDocument, stateInputs: Int, outputs: Int) throws -> SFNOConfig {
        if !doc.has("in_channels") {
            let noise = doc.has("noise_channels") ? try doc.integer("noise_channels") : 0
            doc.set("in_channels", stateInputs + noise)
        }
        if !doc.has("out_channels") { doc.set("out_channels", outputs) }
        return try SFNOConfig(&doc)
    }

    /// Parses YAML text (a top-level mapping) into a validated configuration.
    public init(yaml: String, source: String = "sfno config") throws {
        var doc = try ConfigDocument(yaml: yaml, source: source)
        try self.init(&doc)
    }

    // MARK: - Derived sizes

    /// The data grid (input and output of the model).
    public func dataGrid() throws -> SphericalGrid { try SphericalGrid(grid, nlat: nlat, nlon: nlon) }

    /// Rows of the internal Gauss–Legendre grid.
    public var internalNlat: Int {
        variant == .thExample ? (nlat - 1) / max(1, scaleFactor) + 1 : nlat / max(1, scaleFactor)
    }
    /// Columns of the internal grid.
    public var internalNlon: Int { nlon / max(1, scaleFactor) }

    /// The internal Gauss–Legendre grid the middle blocks work on.
    public func internalGrid() throws -> SphericalGrid {
        try SphericalGrid(.legendreGauss, nlat: internalNlat, nlon: internalNlon)
    }

    /// Exclusive degree bound of every spectral layer.
    public var lmax: Int {
        if let l = explicitLmax { return l }
        switch variant {
        case .thExample: return Int(Double(min(internalNlat, internalNlon / 2)) * hardThresholdingFraction)
        case .makani: return Int(Double(internalNlat) * hardThresholdingFraction)
        }
    }

    /// Exclusive order bound of every spectral layer (≤ lmax: the transforms are triangular).
    public var mmax: Int {
        if let m = explicitMmax { return min(m, lmax) }
        switch variant {
        case .thExample: return lmax
        case .makani: return min(lmax, Int(Double(internalNlon / 2 + 1) * hardThresholdingFraction))
        }
    }

    /// Hidden width of the block MLPs (torch's `int(embed_dim * mlp_ratio)`).
    public var mlpHidden: Int { Int(Double(embedDim) * mlpRatio) }
    /// Hidden width of makani's encoder.
    public var encoderHidden: Int { Int(Double(embedDim) * encoderRatio) }
    /// Hidden width of makani's decoder.
    public var decoderHidden: Int { Int(Double(embedDim) * decoderRatio) }

    /// Points of one field on the data grid.
    public var dataPoints: Int { nlat * nlon }
    /// Points of one field on the internal grid.
    public var internalPoints: Int { internalNlat * internalNlon }

    /// Whether a block moving between the data grid and the internal grid resamples its
    /// residual through ISHT_out(SHT_in(x)). torch-harmonics compares shapes only (so with
    /// scale factor 1 it adds the raw residual across grid kinds); makani also compares kinds.
    public var resamplesBetweenGrids: Bool {
        let shapeDiffers = internalNlat != nlat || internalNlon != nlon
        switch variant {
        case .thExample: return shapeDiffers
        case .makani: return shapeDiffers || grid != .legendreGauss
        }
    }

    /// Throws a `HensError` naming the first invalid value.
    public func validate() throws {
        func fail(_ key: String, _ expected: String) -> HensError { HensError.invalid(key, expected) }
        guard nlat >= 2 else { throw fail("nlat", "at least 2, got \(nlat)") }
        guard nlon >= 4 else { throw fail("nlon", "at least 4, got \(nlon)") }
        guard inChannels >= 1 else { throw fail("in_channels", "at least 1, got \(inChannels)") }
        guard outChannels >= 1 else { throw fail("out_channels", "at least 1, got \(outChannels)") }
        guard scaleFactor >= 1 else { throw fail("scale_factor", "at least 1, got \(scaleFactor)") }
        guard embedDim >= 1 else { throw fail("embed_dim", "at least 1, got \(embedDim)") }
        guard layers >= 1 else { throw fail("layers", "at least 1, got \(layers)") }
        guard mlpRatio > 0, mlpHidden >= 1 else { throw fail("mlp_ratio", "positive with embed_dim·mlp_ratio ≥ 1, got \(mlpRatio)") }
        guard encoderRatio > 0, encoderHidden >= 1 else { throw fail("encoder_ratio", "positive with embed_dim·encoder_ratio ≥ 1, got \(encoderRatio)") }
        guard decoderRatio > 0, decoderHidden >= 1 else { throw fail("decoder_ratio", "positive with embed_dim·decoder_ratio ≥ 1, got \(decoderRatio)") }
        guard hardThresholdingFraction > 0, hardThresholdingFraction <= 1 else {
            throw fail("hard_thresholding_fraction", "in (0, 1], got \(hardThresholdingFraction)")
        }
        guard internalNlat >= 1, internalNlon >= 4 else {
            throw fail("scale_factor", "leaves an internal grid of \(internalNlat)×\(internalNlon); it needs at least 1×4")
        }
        if variant == .thExample && residualPrediction && outChannels > inChannels {
            throw fail("residual_prediction", "needs out_channels ≤ in_channels (\(outChannels) > \(inChannels))")
        }
        if let l = explicitLmax, l < 1 || l > internalNlat {
            throw fail("lmax", "between 1 and the internal grid's \(internalNlat) rows, got \(l)")
        }
        if let m = explicitMmax, m < 1 { throw fail("mmax", "at least 1, got \(m)") }
        guard lmax >= 1 else { throw fail("lmax", "the derived degree bound is \(lmax); raise hard_thresholding_fraction or the grid") }
        guard mmax >= 1 else { throw fail("mmax", "the derived order bound is \(mmax); raise hard_thresholding_fraction or the grid") }
        let limit = min(internalNlon, nlon) / 2 + 1
        guard mmax <= limit else { throw fail("mmax", "at most nlon/2 + 1 = \(limit) of the smaller grid, got \(mmax)") }
        guard noiseChannels >= 0, noiseChannels < inChannels, noiseChannels <= NoiseChannels.maximumCount else {
            throw fail("noise_channels", "between 0 and min(in_channels − 1, \(NoiseChannels.maximumCount)), got \(noiseChannels)")
        }
        guard noiseLengthScale > 0, noiseLengthScale <= NoiseChannels.maximumLengthScale else {
            throw fail("noise_length_scale", "a length between 0 and \(Int(NoiseChannels.maximumLengthScale / 1000)) km, got \(noiseLengthScale) m")
        }
    }
}
