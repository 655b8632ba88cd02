import Foundation
import HensCore

/// A model-error calibration from `hens calibrate`: the amplitude of the per-step stochastic
/// forcing that gives a bred-vector ensemble of deterministic checkpoints the spread its
/// initial perturbations cannot (docs/calibration.md).
///
/// The amplitudes are the area-weighted RMS one-step error of the checkpoints on initial states
/// of the **valid** split, per channel, in physical units; the forcing adds correlated noise of
/// that grid-point standard deviation (times the forecast's `model_error_scale`) after every
/// step. The file names what it was fitted on, so a forecast on another grid, channel set or
/// time step — or on the split it must never be fitted on — is refused.
public struct ModelErrorFile: Codable, Equatable, Sendable {
    /// The `format` value of these files.
    public static let formatName = "hens-model-error"
    /// The version this code reads and writes.
    public static let currentVersion = 1
    /// The largest sppt amplitude accepted: 1 + σ·r turns the tendency around wherever r < −1/σ.
    public static let maximumSPPTAmplitude = 2.0

    /// Always `formatName`.
    public var format: String
    /// File format version.
    public var version: Int
    /// hens version that fitted it.
    public var hensVersion: String
    /// The checkpoints fitted (paths as given).
    public var checkpoints: [String]
    /// The data set fitted on.
    public var dataset: String
    /// The split fitted on (always `valid`).
    public var split: String
    /// Initial states used per checkpoint.
    public var samples: Int
    /// The model step, hours.
    public var stepHours: Double
    /// Rows of the grid.
    public var nlat: Int
    /// Columns of the grid.
    public var nlon: Int
    /// Channels, in the checkpoints' order.
    public var channels: [String]
    /// Physical units per channel.
    public var units: [String]
    /// The form of the forcing: `additive` (correlated noise of standard deviation `sigma` added
    /// to each channel) or `sppt` (each channel's step tendency multiplied by 1 + sigma·r, one
    /// correlated pattern r for all channels, so the perturbation keeps the model's balance).
    /// Absent means additive.
    public var kind: Kind?
    /// Forcing amplitude per channel: additive — standard deviation in physical units (the
    /// one-step error times `scales`); sppt — the dimensionless amplitude of the tendency factor.
    public var sigma: [Double]
    /// Correlation length of the forcing, metres.
    public var lengthScale: Double
    /// Per channel, the factor on the one-step error that `sigma` holds (1 before tuning).
    public var scales: [Double]?
    /// Per channel, the spread–skill ratio measured on the valid split with `sigma` (leads from
    /// `tuningFirstLead` steps on); nil when the amplitudes were not tuned.
    public var validSSR: [Double]?
    /// The first lead (steps) of the tuning's spread–skill ratios.
    public var tuningFirstLead: Int?
    /// Every tuning trial: the scales tried and the SSR measured with them.
    public var trials: [Trial]?

    /// The forms of forcing.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// Correlated noise added to each channel after every step.
        case additive
        /// Stochastically perturbed tendencies: the step's change scaled by 1 + σ_c·r.
        case sppt
    }

    /// The form of the forcing (`kind`, additive when absent).
    public var forcing: Kind { kind ?? .additive }

    /// One tuning trial of `hens calibrate --config`.
    public struct Trial: Codable, Equatable, Sendable {
        /// Per-channel factors on the one-step error.
        public var scales: [Double]
        /// Per-channel spread–skill ratio measured on the valid split.
        public var ssr: [Double]

        /// A trial.
        public init(scales: [Double], ssr: [Double]) {
            self.scales = scales
            self.ssr = ssr
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, version, kind, checkpoints, dataset, split, samples, nlat, nlon, channels, units, sigma, scales, trials
        case validSSR = "valid_ssr"
        case tuningFirstLead = "tuning_first_lead"
        case hensVersion = "hens_version"
        case stepHours = "step_hours"
        case lengthScale = "length_scale_m"
    }

    /// A calibration; format, version and hens version are filled in.
    public init(kind: Kind = .additive, checkpoints: [String], dataset: String, split: String, samples: Int, stepHours: Double,
                nlat: Int, nlon: Int, channels: [String], units: [String], sigma: [Double], lengthScale: Double) {
        format = Self.formatName
        self.kind = kind
        version = Self.currentVersion
        hensVersion = HensVersion.string
        self.checkpoints = checkpoints
        self.dataset = dataset
        self.split = split
        self.samples = samples
        self.stepHours = stepHours
        self.nlat = nlat
        self.nlon = nlon
        self.channels = channels
        self.units = units
        self.sigma = sigma
        self.lengthScale = lengthScale
    }

    /// Reads a calibration and checks that its lists agree and its numbers are sane.
    public static func read(path: String) throws -> ModelErrorFile {
        let file = try VersionedJSON.read(ModelErrorFile.self, path: path, format: formatName, version: currentVersion,
                                          noun: "model-error calibration", producer: "hens calibrate")
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        guard file.channels.count == file.sigma.count, file.channels.count == file.units.count, !file.channels.isEmpty else {
            throw fail("channels, units and sigma must have the same, non-zero length")
        }
        guard file.sigma.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw fail("sigma must be finite and non-negative") }
        if let scales = file.scales, scales.count != file.channels.count || !scales.allSatisfy({ $0.isFinite && $0 > 0 }) {
            throw fail("scales must hold one positive number per channel")
        }
        if file.forcing == .sppt, let largest = file.sigma.max(), largest > maximumSPPTAmplitude {
            throw fail("an sppt amplitude of \(largest) would turn tendencies around at most points; at most \(maximumSPPTAmplitude)")
        }
        guard file.lengthScale > 0, file.lengthScale.isFinite else { throw fail("length_scale_m must be positive") }
        guard file.split == "valid" else {
            throw fail("was fitted on the \(file.split) split; calibrations are fitted on the valid split only (rerun hens calibrate)")
        }
        return file
    }

    /// Writes the calibration atomically.
    public func write(to path: String) throws { try VersionedJSON.write(self, to: path) }

    /// Throws unless the file fits a forecast on this grid, channel list and time step, naming
    /// the first difference.
    public func checkFits(channels expected: [String], nlat: Int, nlon: Int, stepHours: Double, source: String) throws {
        func fail(_ what: String) -> HensError {
            HensError(.badInput, "\(source): made for \(what); rerun hens calibrate for this forecast's checkpoints and data")
        }
        guard self.nlat == nlat, self.nlon == nlon else { throw fail("a \(self.nlat)×\(self.nlon) grid, the forecast's is \(nlat)×\(nlon)") }
        guard channels == expected else {
            throw fail("channels \(channels.joined(separator: ", ")), the forecast's are \(expected.joined(separator: ", "))")
        }
        guard abs(self.stepHours - stepHours) < 1e-9 else { throw fail("a \(self.stepHours) h step, the data's is \(stepHours) h") }
    }
}
