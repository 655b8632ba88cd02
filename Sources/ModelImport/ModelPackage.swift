import DatasetIO
import Foundation
import HensCore

/// The files of a released SFNO found from what the user named: an Earth2Studio / makani
/// package folder (`config.json`, `global_means.npy`, `global_stds.npy`, optional
/// `orography.nc` / `land_mask.nc`, weights in `training_checkpoints/best_ckpt_mp0.tar`), a
/// makani training checkpoint inside such a folder, or a safetensors file with its JSON
/// sidecar (`<file>.json`). Explicit options override every default.
public struct ModelPackage: Sendable {
    /// The kind of weights file.
    public enum WeightsKind: String, Sendable {
        /// `torch.save` output (a makani training checkpoint or a bare state dict).
        case torch
        /// A safetensors file.
        case safetensors
    }

    /// The weights file.
    public let weights: String
    /// Its kind.
    public let kind: WeightsKind
    /// The package configuration (`config.json`).
    public let config: String
    /// Per-channel means and standard deviations (`.npy`).
    public let means: String, stds: String
    /// Static fields, when present.
    public let orography: String?, landMask: String?
    /// The tensors the safetensors sidecar declares complex (`complex_tensors`), when it lists them.
    public let complexKeys: Set<String>?

    /// Paths the user may give explicitly (nil: found in the package folder).
    public struct Overrides: Sendable {
        /// `--config`.
        public var config: String?
        /// `--means`, `--stds`.
        public var means: String?, stds: String?
        /// `--orography`, `--land-mask`.
        public var orography: String?, landMask: String?
        /// No overrides.
        public init(config: String? = nil, means: String? = nil, stds: String? = nil, orography: String? = nil, landMask: String? = nil) {
            self.config = config
            self.means = means
            self.stds = stds
            self.orography = orography
            self.landMask = landMask
        }
    }

    /// Finds the files for `input` (a folder or a weights file).
    public init(input: String, overrides: Overrides = Overrides()) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw HensError(.badInput, "\(input): no such package folder or weights file")
        }
        let folder: String
        if isDirectory.boolValue {
            folder = input
            let checkpoint = input + "/training_checkpoints/best_ckpt_mp0.tar"
            let safetensors = ((try? fm.contentsOfDirectory(atPath: input)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
            if fm.fileExists(atPath: checkpoint) {
                weights = checkpoint
                kind = .torch
            } else if safetensors.count == 1 {
                weights = input + "/" + safetensors[0]
                kind = .safetensors
            } else {
                throw HensError(.badInput, "\(input): no training_checkpoints/best_ckpt_mp0.tar and \(safetensors.isEmpty ? "no" : "more than one") "
                    + ".safetensors file; name the weights file instead of the folder")
            }
        } else {
            weights = input
            kind = input.hasSuffix(".safetensors") ? .safetensors : .torch
            let parent = (input as NSString).deletingLastPathComponent
            folder = (parent as NSString).lastPathComponent == "training_checkpoints"
                ? (parent as NSString).deletingLastPathComponent : (parent.isEmpty ? "." : parent)
        }
        var complexKeys: Set<String>?
        var sidecarConfig: String?
        if kind == .safetensors {
            let path = weights + ".json"
            if fm.fileExists(atPath: path) {
                guard let data = fm.contents(atPath: path),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw HensError(.badInput, "\(path): not a JSON object (the safetensors sidecar)")
                }
                complexKeys = (object["complex_tensors"] as? [String: Any]).map { Set($0.keys) }
                if let name = object["config"] as? String {
                    sidecarConfig = name.hasPrefix("/") ? name : folder + "/" + name
                }
            }
        }
        self.complexKeys = complexKeys
        func existing(_ given: String?, _ fallback: String?, what: String) throws -> String? {
            if let given {
                guard fm.fileExists(atPath: given) else { throw HensError(.badInput, "\(given): no such \(what) file") }
                return given
            }
            guard let fallback, fm.fileExists(atPath: fallback) else { return nil }
            return fallback
        }
        func required(_ given: String?, _ fallback: String, what: String, option: String) throws -> String {
            guard let found = try existing(given, fallback, what: what) else {
                throw HensError(.badInput, "\(fallback): missing \(what) (give \(option))")
            }
            return found
        }
        config = try required(overrides.config, sidecarConfig ?? folder + "/config.json", what: "package configuration", option: "--config")
        means = try required(overrides.means, folder + "/global_means.npy", what: "channel means", option: "--means")
        stds = try required(overrides.stds, folder + "/global_stds.npy", what: "channel standard deviations", option: "--stds")
        orography = try existing(overrides.orography, folder + "/orography.nc", what: "orography")
        landMask = try existing(overrides.landMask, folder + "/land_mask.nc", what: "land-mask")
    }

    /// Opens the weights.
    public func openWeights() throws -> ReleasedWeights {
        switch kind {
        case .torch: return try ReleasedWeights(torchCheckpoint: weights)
        case .safetensors: return try ReleasedWeights(safetensors: weights, complexKeys: complexKeys)
        }
    }

    /// The per-channel statistics of `channelIndices` from an `.npy` of all the package's
    /// channels (shape (1, C, 1, 1) or (C)).
    static func statistics(_ path: String, channelIndices: [Int], dataChannels: Int, positive: Bool) throws -> [Double] {
        let array = try NPYArray(path: path)
        guard array.values.count == dataChannels, array.shape.filter({ $0 != 1 }).count <= 1 else {
            throw HensError(.badInput, "\(path): shape \(array.shape) does not hold one value per channel of channel_names (\(dataChannels))")
        }
        let values = channelIndices.map { array.values[$0] }
        guard values.allSatisfy({ $0.isFinite && (!positive || $0 > 0) }) else {
            throw HensError(.badInput, "\(path): values must be finite\(positive ? " and positive" : "")")
        }
        return values
    }
}
