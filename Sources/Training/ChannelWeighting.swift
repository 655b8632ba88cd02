import DatasetIO
import Foundation
import HensCore

/// How the loss weighs channels against each other: makani's `"auto"` rule or an explicit
/// list. Either way the weights are normalised to sum 1, so the loss scale does not depend on
/// the number of channels.
public enum ChannelWeighting: Equatable, Sendable {
    /// makani's rule from channel names (docs/formulas.md#channel-weights), then normalised.
    case auto
    /// One relative weight per channel, in data-set order, then normalised.
    case explicit([Double])

    /// The normalised weights for `channels`.
    ///
    /// With `tendencyScaling` (makani's `temp_diff_normalization`, HEAD form) each weight is
    /// then multiplied by σ_c / max(σ_Δ,c, 1e-4) from `statistics`, without renormalising, as
    /// makani does.
    public func weights(channels: [String], statistics: DatasetStatistics? = nil,
                        tendencyScaling: Bool = false) throws -> [Double] {
        let raw: [Double]
        switch self {
        case .auto:
            raw = channels.map(Self.autoWeight)
        case .explicit(let list):
            guard list.count == channels.count else {
                throw HensError.invalid("channel_weights", "one weight per channel (\(channels.count): "
                    + "\(channels.joined(separator: ", "))), got \(list.count)")
            }
            guard list.allSatisfy({ $0 >= 0 && $0.isFinite }), list.contains(where: { $0 > 0 }) else {
                throw HensError.invalid("channel_weights", "non-negative finite weights, not all zero, got \(list)")
            }
            raw = list
        }
        let total = raw.reduce(0, +)
        var weights = raw.map { $0 / total }
        if tendencyScaling {
            guard let stats = statistics else {
                throw HensError(.internal, "channel weights: tendency scaling needs the data-set statistics")
            }
            for (c, name) in channels.enumerated() {
                guard let i = stats.channels.firstIndex(of: name) else {
                    throw HensError(.badInput, "statistics: no entry for channel '\(name)'")
                }
                weights[c] *= stats.std[i] / max(stats.tendencyStd[i], 1e-4)
            }
        }
        return weights
    }

    /// makani's unnormalised "auto" weight of one channel: 0.1 for near-surface winds and
    /// surface/column fields, 1 for 2 m temperature and dew point, 0.001·p (hPa) for
    /// pressure-level z/u/v/t/r/q (`z500`, `t850`, …), and 0.01 for anything else — so the
    /// shallow-water channels (geopotential, vorticity, divergence) weigh equally.
    public static func autoWeight(_ channel: String) -> Double {
        let surface: Set<String> = ["u10m", "v10m", "u100m", "v100m", "tp", "sp", "msl", "tcwv", "sst"]
        if surface.contains(channel) { return 0.1 }
        // makani names dew point `2d`; hens' ingest names it `d2m`.
        if ["t2m", "2d", "d2m"].contains(channel) { return 1 }
        if let first = channel.first, "zuvtrq".contains(first) {
            let level = channel.dropFirst()
            if !level.isEmpty, level.allSatisfy(\.isNumber), let hPa = Double(level) { return 0.001 * hPa }
        }
        return 0.01
    }
}

extension ChannelWeighting: Codable {
    /// Encodes as the string `auto` or a list of numbers (the YAML/JSON spelling).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .auto: try container.encode("auto")
        case .explicit(let list): try container.encode(list)
        }
    }

    /// Decodes `auto` or a list of numbers.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard text == "auto" else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "channel_weights must be 'auto' or a list of numbers")
            }
            self = .auto
        } else {
            self = .explicit(try container.decode([Double].self))
        }
    }
}
