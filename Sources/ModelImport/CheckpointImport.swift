import DatasetIO
import Foundation
import HensCore
import SFNO

/// `hens import`: a released makani / Earth2Studio SFNO (HENS' checkpoints) turned into a hens
/// checkpoint, without Python and without executing anything in the file.
///
/// Everything is checked before the output is created — configuration keys, statistics,
/// static fields, every tensor's presence and shape, no tensor left over — then the weights
/// are converted one tensor at a time into a streaming checkpoint writer, so a model of
/// several gigabytes is never held twice. The checkpoint carries the model configuration
/// (hens' makani variant), the channel names and normalisation, the data grid, and the step
/// inputs (cos-zenith flag, fixed channels). docs/checkpoint-import.md.
public enum CheckpointImport {
    /// What was imported (printed by the CLI, recorded in the checkpoint).
    public struct Summary: Sendable {
        /// The weights file read.
        public let weights: String
        /// The hens checkpoint written.
        public let output: String
        /// Channels in model order (hens names).
        public let channels: [String]
        /// The data grid's label.
        public let grid: String
        /// Reals in the parameter buffer.
        public let parameterCount: Int
        /// Makani's spectral layout found: `[in, out, l]` (HENS fork) or `[1, in, out, l]`.
        public let spectralLayout: String
        /// Extra inputs after the state, by name.
        public let stepInputs: [String]
        /// Hours per model step.
        public let stepHours: Double
    }

    /// Imports `package` into a hens checkpoint at `output`.
    /// - Parameter progress: called with (tensors done, tensors) while weights are converted.
    public static func run(_ package: ModelPackage, output: String, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let config = try MakaniConfig(path: package.config)
        let sfno = try config.sfnoConfig()
        let (hensTensors, parameterCount) = try sfno.parameterTable()
        let weights = try package.openWeights()
        let latitudes = try config.gridLatitudes(), longitudes = config.gridLongitudes()

        // Every check first: nothing is created for a package hens cannot run.
        let channels = try MakaniChannelNames.hensNames(config.channels, source: package.config)
        let mean = try ModelPackage.statistics(package.means, channelIndices: config.channelIndices,
                                               dataChannels: config.dataChannelCount, positive: false)
        let std = try ModelPackage.statistics(package.stds, channelIndices: config.channelIndices,
                                              dataChannels: config.dataChannelCount, positive: true)
        let stepInputs = try storedStepInputs(weights, config: config, latitudes: latitudes, longitudes: longitudes)
            ?? MakaniStaticInputs.make(config: config, latitudes: latitudes, longitudes: longitudes,
                                       orography: package.orography, landMask: package.landMask)
        var plan: [(tensor: ParameterTensor, key: String, spectral: (channelsIn: Int, channelsOut: Int, degrees: Int)?)] = []
        var used = Set(MakaniWeightExport.hensOnlyKeys)
        for tensor in hensTensors.sorted(by: { $0.offset < $1.offset }) {
            guard let (keys, conversion) = MakaniWeightMap.source(of: tensor.name) else {
                throw HensError(.internal, "no makani counterpart for hens tensor \(tensor.name)")
            }
            guard let key = keys.first(where: { weights.tensors[$0] != nil }) else {
                throw HensError(.badInput, "\(weights.path): has no tensor '\(keys[0])' (hens' '\(tensor.name)' \(tensor.shape)); "
                    + "is \(package.config) the configuration of these weights?")
            }
            let spectral = try MakaniWeightMap.check(makani: weights.tensors[key]!, hensName: tensor.name, hensShape: tensor.shape,
                                                     conversion: conversion, source: weights.path)
            plan.append((tensor, key, spectral))
            used.insert(key)
        }
        if let extra = weights.tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw HensError(.badInput, "\(weights.path): holds tensor '\(weights.tensors[extra]!.key)' \(weights.tensors[extra]!.shape) that "
                + "the network described by \(package.config) does not have (an unsupported architecture option?)")
        }
        guard plan.first?.tensor.offset == 0,
              zip(plan, plan.dropFirst()).allSatisfy({ $0.tensor.offset + $0.tensor.count == $1.tensor.offset }),
              let last = plan.last, last.tensor.offset + last.tensor.count == parameterCount else {
            throw HensError(.internal, "hens' parameter table does not tile its buffer")
        }

        let header = Checkpoint(
            modelConfig: config.sfnoYAML(),
            trainingConfig: trainingRecord(package: package, config: config),
            statistics: DatasetStatistics(channels: channels, mean: mean, std: std, tendencyStd: std),
            grid: CheckpointGrid(label: "\(config.grid.rawValue) \(config.nlat)×\(config.nlon)", latitudes: latitudes, longitudes: longitudes),
            epoch: 0, step: 0, seed: 0, tensors: hensTensors, parameters: [])
        var withInputs = header
        withInputs.stepInputs = stepInputs
        let largest = plan.map(\.tensor.count).max() ?? 0
        let converted = UnsafeMutableBufferPointer<Float>.allocate(capacity: largest)
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: largest)
        defer { converted.deallocate(); scratch.deallocate() }
        try Checkpoint.write(header: withInputs, parameterCount: parameterCount, to: output) { sink in
            for (done, item) in plan.enumerated() {
                let n = item.tensor.count
                let target = UnsafeMutableBufferPointer(rebasing: converted[0..<n])
                if let s = item.spectral {
                    let source = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
                    try weights.copyFloat32(item.key, into: source)
                    MakaniWeightMap.transposeSpectral(UnsafeBufferPointer(source), into: target, channelsIn: s.channelsIn,
                                                      channelsOut: s.channelsOut, degrees: s.degrees)
                } else {
                    try weights.copyFloat32(item.key, into: target)
                }
                guard target.allSatisfy(\.isFinite) else {
                    throw HensError(.badInput, "\(weights.path): tensor '\(weights.tensors[item.key]!.key)' holds non-finite values")
                }
                try sink.append(UnsafeBufferPointer(target))
                progress?(done + 1, plan.count)
            }
        }
        let layouts = Set(plan.compactMap { $0.spectral == nil ? nil : weights.tensors[$0.key]!.shape.count })
        return Summary(weights: package.weights, output: output, channels: channels, grid: header.grid.label,
                       parameterCount: parameterCount,
                       spectralLayout: layouts == [4] ? "[1, in, out, l] (current makani)" : "[in, out, l] (HENS fork)",
                       stepInputs: stepInputs.channelNames, stepHours: config.stepHours)
    }

    /// The fixed channels a hens export stored in its safetensors file, when present.
    private static func storedStepInputs(_ weights: ReleasedWeights, config: MakaniConfig, latitudes: [Double],
                                         longitudes: [Double]) throws -> CheckpointStepInputs? {
        guard let names = MakaniWeightExport.storedStaticNames(weights), let tensor = weights.tensors[MakaniWeightExport.staticKey] else {
            return nil
        }
        guard tensor.shape == [names.count, latitudes.count, longitudes.count] else {
            throw HensError(.badInput, "\(weights.path): '\(MakaniWeightExport.staticKey)' is \(tensor.shape), expected "
                + "[\(names.count), \(latitudes.count), \(longitudes.count)]")
        }
        var values = [Float](repeating: 0, count: names.count * latitudes.count * longitudes.count)
        try values.withUnsafeMutableBufferPointer { try weights.copyFloat32(MakaniWeightExport.staticKey, into: $0) }
        return CheckpointStepInputs(cosZenith: config.addZenith, staticNames: names, staticValues: values)
    }

    /// The checkpoint's `training_config`: where the model came from (JSON; `auxiliary: none`
    /// because the imported inputs are the checkpoint's step inputs, not trainer auxiliaries).
    static func trainingRecord(package: ModelPackage, config: MakaniConfig) -> String {
        let record: [String: Any] = [
            "auxiliary": "none",
            "imported_from": package.weights,
            "imported_config": package.config,
            "step_hours": config.stepHours,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data("{\"auxiliary\":\"none\"}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
