import DatasetIO
import Foundation
import HensCore
import SFNO

/// `hens import --to safetensors`: a hens checkpoint of the makani variant written back as a
/// package other tools read — a folder with `model.safetensors` (makani's state-dict names
/// with the `model.` prefix, spectral weights in the HENS fork's `[in, out, l]` layout, complex
/// values as Float32 with a trailing [re, im] axis), its JSON sidecar, `config.json`,
/// `global_means.npy` and `global_stds.npy`. The fixed input channels hens computed at import
/// travel as one extra tensor (`hens.static_inputs`, names in the metadata), so `hens import`
/// of the folder restores the same checkpoint.
public enum MakaniWeightExport {
    /// The extra tensor holding the fixed input channels `[channel][lat][lon]`.
    public static let staticKey = "hens.static_inputs"
    /// The metadata key listing their names (comma-separated).
    static let staticNamesKey = "hens_static_channels"
    /// Keys in an exported file that are not network weights.
    static var hensOnlyKeys: [String] { [staticKey] }

    /// The fixed channel names an export recorded, when `weights` is one.
    static func storedStaticNames(_ weights: ReleasedWeights) -> [String]? {
        guard let text = weights.metadata[staticNamesKey] else { return nil }
        return text.isEmpty ? [] : text.split(separator: ",").map(String.init)
    }

    /// Writes the package folder `output` (replaced whole, or refused when it holds anything
    /// but a previous export) from the hens checkpoint at `checkpointPath`.
    public static func run(checkpoint checkpointPath: String, output: String) throws {
        let swap = try OutputFolderSwap(folder: output, marker: "model.safetensors.json", what: "an exported SFNO package",
                                        option: "--out")
        let reader = try CheckpointReader(path: checkpointPath)
        defer { reader.close() }
        let checkpoint = reader.header
        let config = try checkpoint.modelConfiguration(source: checkpointPath)
        guard config.variant == .makani, config.posEmbed == .none, !config.isStochastic,
              config.explicitLmax == nil, config.explicitMmax == nil else {
            throw HensError(.badInput, "\(checkpointPath): only makani-variant models without position embedding, noise channels "
                + "or explicit mode counts export to makani's layout")
        }
        let staticNames = checkpoint.stepInputs?.staticNames ?? []
        var parameters = [Float](repeating: 0, count: reader.parameterCount)
        try parameters.withUnsafeMutableBufferPointer { try reader.readParameters(into: $0) }

        var declarations: [SafeTensorsWriter.Declaration] = []
        var conversions: [MakaniWeightMap.Conversion] = []
        var complexTensors: [String: Any] = [:]
        for t in checkpoint.tensors {
            guard let (keys, conversion) = MakaniWeightMap.source(of: t.name) else {
                throw HensError(.badInput, "\(checkpointPath): tensor '\(t.name)' has no makani counterpart")
            }
            let name = "model." + keys[0]
            conversions.append(conversion)
            switch conversion {
            case .copy:
                let convolution = t.shape.count == 2 && !t.name.hasSuffix("bias")
                declarations.append(.init(name: name, elementType: .float32, shape: convolution ? t.shape + [1, 1] : t.shape))
            case .spectral:
                let shape = [t.shape[2], t.shape[1], t.shape[0]]
                declarations.append(.init(name: name, elementType: .float32, shape: shape + [2]))
                complexTensors[name] = ["dtype": "complex64", "shape": shape]
            }
        }
        let nlat = checkpoint.grid.latitudes.count, nlon = checkpoint.grid.longitudes.count
        if !staticNames.isEmpty {
            declarations.append(.init(name: staticKey, elementType: .float32, shape: [staticNames.count, nlat, nlon]))
        }

        let staging = try swap.makeStaging()
        let writer = try SafeTensorsWriter(path: staging + "/model.safetensors", tensors: declarations,
                                           metadata: ["format": "pt", staticNamesKey: staticNames.joined(separator: ",")])
        do {
            // Tensors go out straight from the parameter buffer; only spectral weights are
            // transposed, through one scratch of the largest.
            var scratch = [Float](repeating: 0, count: zip(checkpoint.tensors, conversions).filter { $1 == .spectral }.map(\.0.count).max() ?? 0)
            try parameters.withUnsafeBufferPointer { all in
                for (t, conversion) in zip(checkpoint.tensors, conversions) {
                    let values = UnsafeBufferPointer(rebasing: all[t.offset..<(t.offset + t.count)])
                    guard conversion == .spectral else {
                        try writer.write(UnsafeRawBufferPointer(values))
                        continue
                    }
                    try scratch.withUnsafeMutableBufferPointer { buffer in
                        let to = UnsafeMutableBufferPointer(rebasing: buffer[0..<t.count])
                        MakaniWeightMap.transposeSpectral(values, into: to, channelsIn: t.shape[2], channelsOut: t.shape[1],
                                                          degrees: t.shape[0], inverse: true)
                        try writer.write(UnsafeRawBufferPointer(to))
                    }
                }
            }
            if let inputs = checkpoint.stepInputs, !staticNames.isEmpty { try writer.write(inputs.staticValues) }
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }

        let channels = checkpoint.channels
        let frequencies = staticNames.filter { $0.hasPrefix("xsgrlat") }.count
        let makaniConfig: [String: Any] = [
            "nettype": "SFNO", "filter_type": "linear", "operator_type": "dhconv", "spectral_transform": "sht",
            "model_grid_type": config.grid.rawValue, "data_grid_type": config.grid.rawValue, "sht_grid_type": "legendre-gauss",
            "img_shape_x": config.nlat, "img_shape_y": config.nlon, "scale_factor": config.scaleFactor,
            "embed_dim": config.embedDim, "num_layers": config.layers, "mlp_ratio": config.mlpRatio,
            "encoder_ratio": config.encoderRatio, "decoder_ratio": config.decoderRatio, "encoder_layers": 1,
            "hard_thresholding_fraction": config.hardThresholdingFraction, "big_skip": config.bigSkip,
            "normalization_layer": config.normalization == .instance ? "instance_norm" : "none",
            "activation_function": "gelu", "pos_embed": "none", "use_mlp": true, "normalization": "zscore", "target": "default",
            "channel_names": channels, "in_channels": Array(channels.indices), "out_channels": Array(channels.indices),
            "lat": checkpoint.grid.latitudes, "lon": checkpoint.grid.longitudes,
            "add_zenith": checkpoint.stepInputs?.cosZenith ?? false, "add_grid": frequencies > 0, "gridtype": "sinusoidal",
            "grid_num_frequencies": max(1, frequencies), "add_cos_to_grid": false,
            "add_orography": staticNames.contains("xoro"), "add_landmask": staticNames.contains("xlsml"),
            "N_in_channels": config.inChannels, "N_out_channels": config.outChannels,
            "dt": 1, "dhours": storedStepHours(checkpoint) ?? 6, "hens_checkpoint": checkpointPath,
        ]
        let sidecar: [String: Any] = [
            "config": "config.json",
            "source": checkpointPath,
            "layout": "HENS fork: spectral weights [in, out, lmax]",
            "complex_convention": "a complex64 tensor of shape S is stored as float32 S + [2], last axis [real, imag]",
            "complex_tensors": complexTensors,
            "static_channels": staticNames,
        ]
        for (name, object) in [("config.json", makaniConfig), ("model.safetensors.json", sidecar)] {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try writeAtomically(data, to: staging + "/" + name)
        }
        for (name, values) in [("global_means.npy", checkpoint.statistics.mean), ("global_stds.npy", checkpoint.statistics.std)] {
            try NPYArray(elementType: .float32, shape: [1, values.count, 1, 1], values: values).write(to: staging + "/" + name)
        }
        try swap.commit()
    }

    /// Hours per step an imported checkpoint recorded (`step_hours` in its training record).
    private static func storedStepHours(_ checkpoint: Checkpoint) -> Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(checkpoint.trainingConfig.utf8)) as? [String: Any] else { return nil }
        return (object["step_hours"] as? NSNumber)?.doubleValue
    }
}
