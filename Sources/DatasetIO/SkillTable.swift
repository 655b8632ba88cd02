import Foundation
import HensCore

/// The deterministic skill of one checkpoint (`hens skill`, a JSON file): autoregressive RMSE
/// per channel at leads 1 … n on a split, in physical and normalised units, next to
/// persistence and climatology.
///
/// HENS sets the bred-vector amplitude of each channel from it: τ_c = factor × RMSE_c at a
/// chosen lead (e.g. 48 h), in physical units (`amplitudes(channels:lead:factor:)`).
/// Tables are indexed `[channel][lead]`, with `leads[i]` the number of model steps of column i.
public struct SkillTable: Codable, Equatable, Sendable {
    /// The `format` every skill file carries.
    public static let formatName = "hens-skill"
    /// The version this code reads and writes.
    public static let currentVersion = 1

    /// Always `hens-skill`.
    public var format: String
    /// File format version (1).
    public var version: Int
    /// hens version that computed the table.
    public var hensVersion: String
    /// The checkpoint scored (as given).
    public var checkpoint: String
    /// SHA-256 of the checkpoint's payload (`Checkpoint.payloadDigest()`), so a table can be
    /// matched to the weights it describes.
    public var checkpointSHA256: String
    /// The data-set folder.
    public var dataset: String
    /// The split scored (e.g. `valid`).
    public var split: String
    /// Initial states scored (evenly spaced over the split).
    public var samples: Int
    /// Channel names, the order of the per-channel lists.
    public var channels: [String]
    /// Physical units per channel (the split's `units`).
    public var units: [String]
    /// Hours per model step (the split's time step).
    public var stepHours: Double
    /// Autoregressive steps of the columns: 1 … n.
    public var leads: [Int]
    /// RMSE per channel and lead, physical units (normalised RMSE × the checkpoint's std).
    public var rmse: [[Double]]
    /// RMSE per channel and lead in normalised units (as `Validator` reports it).
    public var rmseNormalised: [[Double]]
    /// Persistence RMSE per channel and lead, physical units.
    public var persistenceRMSE: [[Double]]
    /// Climatology (training mean) RMSE per channel and lead, physical units.
    public var climatologyRMSE: [[Double]]
    /// Where the table was read from (not stored), for messages.
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case format, version, checkpoint, dataset, split, samples, channels, units, leads, rmse
        case hensVersion = "hens_version"
        case checkpointSHA256 = "checkpoint_sha256"
        case stepHours = "step_hours"
        case rmseNormalised = "rmse_normalised"
        case persistenceRMSE = "persistence_rmse"
        case climatologyRMSE = "climatology_rmse"
    }

    /// A table; see the properties (format, version and hens version are filled in).
    public init(checkpoint: String, checkpointSHA256: String, dataset: String, split: String, samples: Int,
                channels: [String], units: [String], stepHours: Double, leads: [Int], rmse: [[Double]],
                rmseNormalised: [[Double]], persistenceRMSE: [[Double]], climatologyRMSE: [[Double]]) {
        format = Self.formatName
        version = Self.currentVersion
        hensVersion = HensVersion.string
        self.checkpoint = checkpoint
        self.checkpointSHA256 = checkpointSHA256
        self.dataset = dataset
        self.split = split
        self.samples = samples
        self.channels = channels
        self.units = units
        self.stepHours = stepHours
        self.leads = leads
        self.rmse = rmse
        self.rmseNormalised = rmseNormalised
        self.persistenceRMSE = persistenceRMSE
        self.climatologyRMSE = climatologyRMSE
    }

    /// Tables are equal when their stored contents are; where they were read from does not count.
    public static func == (a: SkillTable, b: SkillTable) -> Bool {
        a.format == b.format && a.version == b.version && a.hensVersion == b.hensVersion && a.checkpoint == b.checkpoint
            && a.checkpointSHA256 == b.checkpointSHA256 && a.dataset == b.dataset && a.split == b.split
            && a.samples == b.samples && a.channels == b.channels && a.units == b.units && a.stepHours == b.stepHours
            && a.leads == b.leads && a.rmse == b.rmse && a.rmseNormalised == b.rmseNormalised
            && a.persistenceRMSE == b.persistenceRMSE && a.climatologyRMSE == b.climatologyRMSE
    }

    private var name: String { source ?? "skill table of \(checkpoint)" }

    // MARK: Amplitudes

    /// The perturbation amplitude τ_c = `factor` × RMSE_c at `lead` steps, physical units, for
    /// each channel of `channels` (in that order).
    /// - Throws: `invalidArgument` for a channel the table lacks, a lead outside its leads or a
    ///   negative or non-finite factor; `badInput` for a non-finite or negative RMSE (a model
    ///   that diverged gives no usable amplitude).
    public func amplitudes(channels names: [String], lead: Int, factor: Double) throws -> [Double] {
        guard factor.isFinite, factor >= 0 else {
            throw HensError.invalid("amplitude factor", "a finite, non-negative number, got \(factor)")
        }
        guard let column = leads.firstIndex(of: lead) else {
            throw HensError.invalid("lead", "a lead of \(name) (steps \(leads.first ?? 0)…\(leads.last ?? 0), "
                + "\(Self.hours(stepHours)) h each), got \(lead)")
        }
        return try names.map { channel in
            guard let row = channels.firstIndex(of: channel) else {
                throw HensError.invalid("channels", "channels of \(name) (\(channels.joined(separator: ", "))), got '\(channel)'")
            }
            let value = rmse[row][column]
            guard value.isFinite, value >= 0 else {
                throw HensError(.badInput, "\(name): RMSE of '\(channel)' at lead \(lead) is \(value); no amplitude can be derived")
            }
            return factor * value
        }
    }

    /// Channels whose RMSE at `lead` (steps) is at or above their climatology RMSE — the error
    /// has saturated there, so amplitudes derived from it are no longer a growing error's size —
    /// with both values; empty when the lead is not in the table.
    public func saturated(channels names: [String], lead: Int) -> [(channel: String, rmse: Double, climatology: Double)] {
        guard let column = leads.firstIndex(of: lead) else { return [] }
        return names.compactMap { name in
            guard let row = channels.firstIndex(of: name), row < climatologyRMSE.count else { return nil }
            let value = rmse[row][column], climate = climatologyRMSE[row][column]
            return value >= climate ? (name, value, climate) : nil
        }
    }

    /// The number of steps for `hours` of lead at this table's time step.
    /// - Throws: `invalidArgument` unless `hours` is a positive multiple of the step.
    public func leadSteps(hours: Double) throws -> Int {
        let steps = hours / stepHours
        guard steps >= 1, abs(steps - steps.rounded()) < 1e-6 else {
            throw HensError.invalid("lead", "a positive multiple of \(name)'s time step (\(Self.hours(stepHours)) h), got \(Self.hours(hours)) h")
        }
        return Int(steps.rounded())
    }

    /// A number of hours without a needless `.0`.
    static func hours(_ h: Double) -> String {
        h == h.rounded() && abs(h) < 1e15 ? String(Int(h)) : String(h)
    }

    // MARK: File

    /// Reads a skill table written by `write(to:)`.
    /// - Throws: `badInput` naming `path` for unreadable or malformed JSON, another format or
    ///   version, or lists whose lengths disagree.
    public static func read(path: String) throws -> SkillTable {
        var table = try VersionedJSON.read(SkillTable.self, path: path, format: formatName, version: currentVersion,
                                           noun: "skill table", producer: "hens skill")
        if let problem = table.shapeProblem { throw HensError(.badInput, "\(path): \(problem)") }
        table.source = path
        return table
    }

    /// Writes the table as JSON, atomically (a failure leaves any existing file untouched); a
    /// diverged model's infinite or NaN RMSE is spelled out rather than lost.
    public func write(to path: String) throws {
        if let problem = shapeProblem { throw HensError(.internal, "\(path): \(problem)") }
        try VersionedJSON.write(self, to: path)
    }

    /// Nil when every list has the length the channels and leads imply, else what is wrong.
    var shapeProblem: String? {
        let c = channels.count, n = leads.count
        guard c > 0, n > 0 else { return "the table has no channels or no leads" }
        guard units.count == c else { return "'units' has \(units.count) entries for \(c) channels" }
        guard leads == Array(1...n) else { return "'leads' must be the steps 1…\(n), got \(leads)" }
        guard stepHours.isFinite, stepHours > 0 else { return "'step_hours' must be positive, got \(stepHours)" }
        for (key, table) in [("rmse", rmse), ("rmse_normalised", rmseNormalised), ("persistence_rmse", persistenceRMSE),
                             ("climatology_rmse", climatologyRMSE)] {
            guard table.count == c, table.allSatisfy({ $0.count == n }) else {
                return "'\(key)' must be \(c) channels × \(n) leads"
            }
        }
        return nil
    }
}

extension SkillTable {
    /// The time step in hours of a CF time axis (`times` in `units`, e.g. `hours since 2000-01-01`).
    /// - Throws: `badInput` naming `source` for fewer than two times, unknown units or
    ///   unequal steps.
    public static func stepHours(times: [Double], units: String, source: String) throws -> Double {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(source): \(message)") }
        // CF units through the one parser every time axis in hens goes through.
        let hoursPerUnit: Double, word: String
        do {
            hoursPerUnit = try CFTimeUnits(units, calendar: .standard).secondsPerUnit / 3600
            word = units.split(separator: " ").first.map(String.init) ?? units
        } catch {
            throw fail("\(error)")
        }
        guard times.count >= 2 else { throw fail("needs at least two times to know the time step, has \(times.count)") }
        let step = times[1] - times[0]
        guard step > 0, step.isFinite else { throw fail("times must increase, got \(times[0]) then \(times[1]) \(word)") }
        for (i, (a, b)) in zip(times, times.dropFirst()).enumerated() where abs((b - a) - step) > 1e-6 * step {
            throw fail("time steps are not uniform: \(step) \(word) first, \(b - a) \(word) after time index \(i)")
        }
        return step * hoursPerUnit
    }

    /// Lines for a terminal: channel, units and RMSE at `leads` (steps; those beyond the table
    /// are skipped), with persistence at the last of them for comparison.
    public func summaryLines(leads wanted: [Int]) -> [String] {
        let columns = wanted.compactMap { leads.firstIndex(of: $0) }
        guard let last = columns.last else { return [] }
        let width = max(7, channels.map(\.count).max() ?? 0), unitWidth = max(5, units.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func left(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        var header = pad("channel", width) + "  " + pad("units", unitWidth)
        for c in columns { header += "  " + left("\(Self.hours(Double(leads[c]) * stepHours)) h", 11) }
        header += "  " + left("persist.", 11)
        var lines = [header]
        for (row, channel) in channels.enumerated() {
            var line = pad(channel, width) + "  " + pad(units[row], unitWidth)
            for c in columns { line += "  " + left(String(format: "%.4g", rmse[row][c]), 11) }
            line += "  " + left(String(format: "%.4g", persistenceRMSE[row][last]), 11)
            lines.append(line)
        }
        return lines
    }
}
