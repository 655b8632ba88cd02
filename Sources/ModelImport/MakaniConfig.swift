import Foundation
import HensCore
import SFNO
import Spherical

/// The hyper-parameters of a makani / Earth2Studio SFNO package (`config.json`, the trainer's
/// parameter dump) that decide the network and its inputs — read strictly: every key that
/// would change the numbers must hold a value hens reproduces (the network HENS ran), and any
/// other value is refused naming the key, so a package is never run as a different model.
/// Keys about training, paths or logging are ignored. Semantics: docs/makani-sfno.md.
public struct MakaniConfig: Sendable {
    /// The file read (for messages).
    public let source: String
    /// The model's prognostic channels in input order (`channel_names[in_channels]`).
    public let channels: [String]
    /// Indices of `channels` in the package's statistics (`in_channels`).
    public let channelIndices: [Int]
    /// Channels the package's statistics cover (`channel_names`).
    public let dataChannelCount: Int
    /// Rows and columns of the data grid.
    public let nlat: Int, nlon: Int
    /// Latitude layout of the data grid (`model_grid_type`).
    public let grid: GridKind
    /// Downsampling to the internal Legendre–Gauss grid.
    public let scaleFactor: Int
    /// Width inside the network (`embed_dim`).
    public let embedDim: Int
    /// Number of blocks (`num_layers`).
    public let layers: Int
    /// MLP, encoder and decoder width ratios.
    public let mlpRatio: Double, encoderRatio: Double, decoderRatio: Double
    /// Fraction of the modes kept.
    public let hardThresholdingFraction: Double
    /// Whether the input is mapped to the output by a bias-free 1×1 layer (`big_skip`).
    public let bigSkip: Bool
    /// Normalisation in the blocks (`normalization_layer`).
    public let normalization: SFNONormalization
    /// Whether the first auxiliary input is cos(solar zenith) (`add_zenith`).
    public let addZenith: Bool
    /// Sinusoidal grid-feature frequencies (`grid_num_frequencies` when `add_grid`), 0 = none.
    public let gridFrequencies: Int
    /// Whether normalised orography follows (`add_orography`).
    public let addOrography: Bool
    /// Whether the two-class land–sea mask follows (`add_landmask`).
    public let addLandMask: Bool
    /// The grid's latitudes and longitudes in degrees (`lat`, `lon`); nil when the package
    /// does not list them.
    public let latitudes: [Double]?, longitudes: [Double]?
    /// Hours per model step (`dt` × `dhours`).
    public let stepHours: Double
    /// The network's input width the package declares (`N_in_channels`), when it does.
    public let declaredInputChannels: Int?

    /// Auxiliary inputs after the prognostic channels.
    public var auxiliaryChannelCount: Int {
        (addZenith ? 1 : 0) + 2 * gridFrequencies + (addOrography ? 1 : 0) + (addLandMask ? 2 : 0)
    }

    /// The network's input width: prognostic plus auxiliary channels.
    public var inputChannels: Int { channels.count + auxiliaryChannelCount }

    /// Reads and checks `path`.
    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HensError(.badInput, "\(path): cannot read the package configuration (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let keys = object as? [String: Any] else {
            throw HensError(.badInput, "\(path): not a JSON object (a makani config.json holds one)")
        }
        try self.init(keys, source: path)
    }

    /// Text keys with the only values hens reproduces, the default (when absent) first: the
    /// network HENS ran (linear Driscoll–Healy filter, Legendre–Gauss internal grid, GELU, no
    /// position embedding, z-score statistics, full-state target, no history).
    static let fixedTexts: [(key: String, allowed: [String])] = [
        ("nettype", ["SFNO", "sfno"]), ("spectral_transform", ["sht"]), ("filter_type", ["linear"]),
        ("operator_type", ["dhconv"]), ("sht_grid_type", ["legendre-gauss"]), ("activation_function", ["gelu"]),
        ("pos_embed", ["none", "None"]), ("normalization", ["zscore"]), ("target", ["default"]),
        ("complex_activation", ["real"]), ("mlp_mode", ["serial"]), ("history_normalization_mode", ["none"]),
        ("landmask_preprocessing", ["floor"]),
    ]

    /// Reads and checks a decoded `config.json`; `source` names it in messages.
    public init(_ keys: [String: Any], source: String) throws {
        let doc = JSONKeys(keys: keys, source: source)
        self.source = source
        for (key, allowed) in Self.fixedTexts { try doc.require(key, oneOf: allowed, default: allowed[0]) }
        try doc.requireNull("factorization")
        try doc.requireNull("max_modes")
        try doc.requireInteger("encoder_layers", equal: 1)
        try doc.requireInteger("n_history", equal: 0)
        try doc.requireInteger("repeat_layers", equal: 1)
        try doc.requireFlag("use_mlp", equal: true)
        try doc.requireFlag("separable", equal: false)
        try doc.requireFlag("add_cos_to_grid", equal: false)
        try doc.requireFlag("add_soiltype", equal: false)
        try doc.requireFlag("normalize_static_features", equal: false)

        let gridName = try doc.string("model_grid_type", default: "equiangular")
        guard let grid = GridKind(name: gridName), grid != .lobatto else {
            throw doc.refuse("model_grid_type", "'\(gridName)'", "equiangular or legendre-gauss")
        }
        let dataGrid = try doc.string("data_grid_type", default: gridName)
        guard dataGrid == gridName else {
            throw doc.refuse("data_grid_type", "'\(dataGrid)'", "the model_grid_type ('\(gridName)'): hens runs models on their data grid")
        }
        self.grid = grid
        nlat = try doc.positiveInteger(["img_shape_x_resampled", "img_crop_shape_x", "img_shape_x"])
        nlon = try doc.positiveInteger(["img_shape_y_resampled", "img_crop_shape_y", "img_shape_y"])
        scaleFactor = try doc.positiveInteger(["scale_factor"])
        embedDim = try doc.positiveInteger(["embed_dim"])
        layers = try doc.positiveInteger(["num_layers"])
        mlpRatio = try doc.number("mlp_ratio", default: 2)
        encoderRatio = try doc.number("encoder_ratio", default: 1)
        decoderRatio = try doc.number("decoder_ratio", default: 1)
        hardThresholdingFraction = try doc.number("hard_thresholding_fraction", default: 1)
        bigSkip = try doc.flag("big_skip", default: true)
        let norm = try doc.string("normalization_layer", default: "instance_norm")
        switch norm {
        case "instance_norm": normalization = .instance
        case "none": normalization = .none
        default: throw doc.refuse("normalization_layer", "'\(norm)'", "instance_norm or none")
        }
        addZenith = try doc.flag("add_zenith", default: false)
        if try doc.flag("add_grid", default: false) {
            let kind = try doc.string("gridtype", default: "sinusoidal")
            guard kind == "sinusoidal" else { throw doc.refuse("gridtype", "'\(kind)'", "sinusoidal") }
            gridFrequencies = try doc.positiveInteger(["grid_num_frequencies"], default: 1)
        } else {
            gridFrequencies = 0
        }
        addOrography = try doc.flag("add_orography", default: false)
        addLandMask = try doc.flag("add_landmask", default: false)
        stepHours = try doc.number("dt", default: 1) * (try doc.number("dhours", default: 6))

        let names = try doc.strings("channel_names")
        let indices = try doc.integers("in_channels", default: Array(names.indices))
        let outIndices = try doc.integers("out_channels", default: indices)
        guard !indices.isEmpty, indices.allSatisfy({ names.indices.contains($0) }), Set(indices).count == indices.count else {
            throw doc.refuse("in_channels", "\(indices)", "distinct indices into the \(names.count) channel_names")
        }
        guard outIndices == indices else {
            throw doc.refuse("out_channels", "\(outIndices)", "the in_channels (\(indices)): hens runs models that predict what they read")
        }
        channelIndices = indices
        dataChannelCount = names.count
        channels = indices.map { names[$0] }
        latitudes = try doc.optionalNumbers("lat")
        longitudes = try doc.optionalNumbers("lon")
        if let lat = latitudes, lat.count != nlat { throw doc.refuse("lat", "\(lat.count) values", "\(nlat) (img_shape_x)") }
        if let lon = longitudes, lon.count != nlon { throw doc.refuse("lon", "\(lon.count) values", "\(nlon) (img_shape_y)") }
        declaredInputChannels = try doc.optionalInteger("N_in_channels")
        if let declared = declaredInputChannels, declared != inputChannels {
            throw doc.refuse("N_in_channels", "\(declared)",
                             "\(inputChannels) = \(channels.count) channels + \(auxiliaryChannelCount) auxiliary inputs from add_zenith/add_grid/add_orography/add_landmask")
        }
    }

    /// The hens SFNO configuration of this network (makani block variant).
    public func sfnoConfig() throws -> SFNOConfig {
        let config = SFNOConfig(variant: .makani, grid: grid, nlat: nlat, nlon: nlon, inChannels: inputChannels,
                                outChannels: channels.count, scaleFactor: scaleFactor, embedDim: embedDim, layers: layers,
                                mlpRatio: mlpRatio, encoderRatio: encoderRatio, decoderRatio: decoderRatio, bigSkip: bigSkip,
                                residualPrediction: false, posEmbed: .none, normalization: normalization,
                                hardThresholdingFraction: hardThresholdingFraction)
        do { try config.validate() } catch let error as HensError {
            throw HensError(.badInput, "\(source): the network it describes is not valid for hens (\(error.message))")
        }
        return config
    }

    /// The same configuration as hens' model YAML (`model_config` of the checkpoint).
    public func sfnoYAML() -> String {
        """
        variant: makani
        grid: \(grid.rawValue)
        nlat: \(nlat)
        nlon: \(nlon)
        in_channels: \(inputChannels)
        out_channels: \(channels.count)
        scale_factor: \(scaleFactor)
        embed_dim: \(embedDim)
        layers: \(layers)
        mlp_ratio: \(mlpRatio)
        encoder_ratio: \(encoderRatio)
        decoder_ratio: \(decoderRatio)
        big_skip: \(bigSkip)
        residual_prediction: false
        pos_embed: none
        normalization: \(normalization.rawValue)
        hard_thresholding_fraction: \(hardThresholdingFraction)

        """
    }

    /// Latitudes (degrees north, north first) of the data grid: the package's `lat`, else
    /// the grid's own nodes.
    public func gridLatitudes() throws -> [Double] {
        if let latitudes { return latitudes }
        return try SphericalGrid(grid, nlat: nlat, nlon: nlon).latitudesDegrees
    }

    /// Longitudes (degrees east) of the data grid: the package's `lon`, else 360°·j/nlon.
    public func gridLongitudes() -> [Double] {
        longitudes ?? (0..<nlon).map { 360 * Double($0) / Double(nlon) }
    }
}

/// Typed, strictly checked look-ups in a decoded JSON object; every error names the file and key.
struct JSONKeys {
    let keys: [String: Any]
    let source: String

    func refuse(_ key: String, _ found: String, _ expected: String) -> HensError {
        HensError(.badInput, "\(source): \(key) is \(found); hens imports \(expected)")
    }

    private func isNull(_ value: Any?) -> Bool {
        guard let value else { return true }
        if value is NSNull { return true }
        if let s = value as? String, s == "None" || s == "none" || s.isEmpty { return true }
        return false
    }

    func string(_ key: String, default value: String) throws -> String {
        guard let raw = keys[key], !isNull(raw) else { return value }
        guard let s = raw as? String else { throw refuse(key, "\(raw)", "a text value") }
        return s
    }

    func require(_ key: String, oneOf allowed: [String], default value: String) throws {
        let found = try string(key, default: value)
        guard allowed.contains(found) else { throw refuse(key, "'\(found)'", "\(key) \(allowed.map { "'\($0)'" }.joined(separator: " or "))") }
    }

    func requireNull(_ key: String) throws {
        guard isNull(keys[key]) else { throw refuse(key, "\(keys[key]!)", "\(key) unset (null)") }
    }

    func flag(_ key: String, default value: Bool) throws -> Bool {
        guard let raw = keys[key], !isNull(raw) else { return value }
        if let b = raw as? Bool { return b }
        if let n = raw as? NSNumber, n == 0 || n == 1 { return n == 1 }
        throw refuse(key, "\(raw)", "true or false")
    }

    func requireFlag(_ key: String, equal expected: Bool) throws {
        let found = try flag(key, default: expected)
        guard found == expected else { throw refuse(key, "\(found)", "\(key) \(expected)") }
    }

    func number(_ key: String, default value: Double) throws -> Double {
        guard let raw = keys[key], !isNull(raw) else { return value }
        guard let n = raw as? NSNumber, type(of: raw) != Bool.self, n.doubleValue.isFinite else { throw refuse(key, "\(raw)", "a finite number") }
        return n.doubleValue
    }

    func optionalInteger(_ key: String) throws -> Int? {
        guard let raw = keys[key], !isNull(raw) else { return nil }
        guard let n = raw as? NSNumber, type(of: raw) != Bool.self, let i = Int(exactly: n.doubleValue) else {
            throw refuse(key, "\(raw)", "an integer")
        }
        return i
    }

    func requireInteger(_ key: String, equal expected: Int) throws {
        let found = try optionalInteger(key) ?? expected
        guard found == expected else { throw refuse(key, "\(found)", "\(key) \(expected)") }
    }

    /// The first of `names` present, as a positive integer of at most 1,048,576.
    func positiveInteger(_ names: [String], default value: Int? = nil) throws -> Int {
        for name in names {
            guard let found = try optionalInteger(name) else { continue }
            guard (1...1 << 20).contains(found) else { throw refuse(name, "\(found)", "a positive integer of at most 1048576") }
            return found
        }
        if let value { return value }
        throw HensError(.badInput, "\(source): missing key \(names.last!) (needed to build the network)")
    }

    func strings(_ key: String) throws -> [String] {
        guard let raw = keys[key] else { throw HensError(.badInput, "\(source): missing key \(key)") }
        guard let list = raw as? [String], !list.isEmpty else { throw refuse(key, "\(raw)", "a non-empty list of names") }
        return list
    }

    func integers(_ key: String, default value: [Int]) throws -> [Int] {
        guard let raw = keys[key], !isNull(raw) else { return value }
        guard let list = raw as? [NSNumber], list.allSatisfy({ Int(exactly: $0.doubleValue) != nil }) else {
            throw refuse(key, "\(raw)", "a list of integers")
        }
        return list.map { Int($0.doubleValue) }
    }

    func optionalNumbers(_ key: String) throws -> [Double]? {
        guard let raw = keys[key], !isNull(raw) else { return nil }
        guard let list = raw as? [NSNumber], list.allSatisfy({ $0.doubleValue.isFinite }) else {
            throw refuse(key, "a value that is not a list of numbers", "a list of finite numbers")
        }
        return list.map(\.doubleValue)
    }
}
