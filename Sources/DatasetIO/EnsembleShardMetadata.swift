import Foundation
import HensCore

/// One ensemble member as recorded in a shard file's member coordinate variables.
public struct EnsembleMember: Equatable, Hashable, Sendable {
    /// Global member index (over the whole ensemble, all shards).
    public var index: Int
    /// Index of the member's checkpoint in `EnsembleRunInfo.checkpoints`.
    public var checkpoint: Int
    /// The member's random seed (all 64 bits are stored).
    public var seed: UInt64
    /// +1 or −1 for the two members of a centred pair, 0 for the unperturbed control.
    public var sign: Int8

    /// A member record; see the properties.
    public init(index: Int, checkpoint: Int, seed: UInt64, sign: Int8) {
        self.index = index
        self.checkpoint = checkpoint
        self.seed = seed
        self.sign = sign
    }
}

/// Provenance of a forecast run, written as global attributes of every shard file.
public struct EnsembleRunInfo: Equatable, Sendable {
    /// Checkpoint names (paths or ids); `EnsembleMember.checkpoint` indexes this list.
    public var checkpoints: [String]
    /// The run's base seed (stored exactly, as NC_UINT64).
    public var baseSeed: UInt64
    /// Perturbation method, e.g. `bred-vector` or `gaussian`.
    public var perturbation: String
    /// The configuration text as run (YAML).
    public var config: String
    /// Further global text attributes (the reserved names above and `Conventions`,
    /// `hens_version` take precedence).
    public var attributes: [String: String]

    /// A run description; see the properties.
    public init(checkpoints: [String], baseSeed: UInt64, perturbation: String, config: String = "",
                attributes: [String: String] = [:]) {
        self.checkpoints = checkpoints
        self.baseSeed = baseSeed
        self.perturbation = perturbation
        self.config = config
        self.attributes = attributes
    }

    /// The global text attributes this info is written as (except `base_seed`, a UInt64).
    var textAttributes: [String: String] {
        var globals = attributes.merging(NetCDFFile.hensProvenance) { _, provenance in provenance }
        // One name per line: checkpoint paths may contain commas.
        globals["checkpoints"] = checkpoints.joined(separator: "\n")
        globals["perturbation"] = perturbation
        globals["config"] = config
        return globals
    }

    /// Reads the run info back from a file's global attributes.
    static func read(from nc: NetCDFFile) throws -> EnsembleRunInfo {
        var attributes = try nc.textAttributes()
        let checkpoints = attributes.removeValue(forKey: "checkpoints") ?? ""
        let perturbation = attributes.removeValue(forKey: "perturbation") ?? ""
        let config = attributes.removeValue(forKey: "config") ?? ""
        return EnsembleRunInfo(checkpoints: checkpoints.isEmpty ? [] : checkpoints.components(separatedBy: "\n"),
                               baseSeed: try nc.uint64Attribute("base_seed") ?? 0, perturbation: perturbation,
                               config: config, attributes: attributes)
    }
}

/// How a shard file stores its fields.
public struct EnsembleShardOptions: Equatable, Sendable {
    /// Lossy quantisation algorithm for `significantDigits`.
    public enum Quantization: String, Equatable, Sendable {
        /// netCDF's BitGroom (the default of `nc_def_var_quantize` users, e.g. NCO).
        case bitGroom
        /// netCDF's Granular BitRound: slightly better compression for the same digits.
        case granularBitRound
    }

    /// Deflate level 1…9, or nil for no compression.
    public var deflateLevel: Int?
    /// Whether to shuffle bytes before deflate (helps Float32 data; ignored without deflate).
    public var shuffle: Bool
    /// Significant decimal digits kept (1…7), or nil for lossless output.
    public var significantDigits: Int?
    /// Algorithm used when `significantDigits` is set.
    public var quantization: Quantization

    /// Storage options; the default is uncompressed, lossless.
    public init(deflateLevel: Int? = nil, shuffle: Bool = true, significantDigits: Int? = nil,
                quantization: Quantization = .bitGroom) {
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
        self.significantDigits = significantDigits
        self.quantization = quantization
    }

    /// Options of part files: uncompressed and lossless. Lossless so that the assembled file is
    /// quantised exactly once (a resumed run decodes identically); uncompressed because the
    /// assembly compresses anyway, and deflate under libnetcdf's global lock costs ~10× the
    /// write itself (121×240 Float32 fields: ~7,800 fields/s plain, ~780/s at deflate level 1).
    static let part = EnsembleShardOptions()

    func validate(path: String) throws {
        if let level = deflateLevel, !(1...9).contains(level) {
            throw HensError(.invalidArgument, "\(path): deflate level must be 1…9, got \(level)")
        }
        if let digits = significantDigits, !(1...7).contains(digits) {
            throw HensError(.invalidArgument, "\(path): significant digits must be 1…7 for Float32 output, got \(digits)")
        }
    }

    /// The libnetcdf algorithm for `quantization`.
    var algorithm: NetCDFFile.QuantizeAlgorithm {
        switch quantization {
        case .bitGroom: return .bitGroom
        case .granularBitRound: return .granularBitRound
        }
    }
}

extension EnsembleRunInfo {
    /// The BLAS kernel each file of a run was written with (`hens_blas_kernel`; "unknown" for
    /// files of hens 0.1.0), one "file: kernel" per line, in the files' order.
    public static func blasKernels(_ files: [(path: String, attributes: [String: String])]) -> String {
        files.map { "\(($0.path as NSString).lastPathComponent): \($0.attributes["hens_blas_kernel"] ?? "unknown")" }
            .joined(separator: "\n")
    }

    /// A one-line note when the files of a run were written with different BLAS kernels: their
    /// members then agree only to the cross-kernel tolerance, not bit for bit (README,
    /// "Determinism contract"). nil when every file names the same kernel.
    public static func mixedKernelNote(_ files: [(path: String, attributes: [String: String])]) -> String? {
        let kernels = Set(files.map { $0.attributes["hens_blas_kernel"] ?? "unknown" })
        guard kernels.count > 1 else { return nil }
        return "the shards ran on different BLAS kernels (\(blasKernels(files).replacingOccurrences(of: "\n", with: ", "))); "
            + "their results agree to the cross-kernel tolerance, not bit for bit"
    }
}
