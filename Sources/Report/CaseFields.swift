import DatasetIO
import Evaluation
import Foundation
import HensCore

/// The fields of one case (one initial time at one lead) for the report's maps: ensemble mean
/// and spread from the forecast's streaming summary, the verifying truth from the dataset, and
/// the EFI from `extremes.nc` of `hens evaluate` — whichever of the last two exist.
public struct CaseFields: Sendable {
    /// Label of the initial time.
    public var initLabel: String
    /// The lead shown, hours.
    public var leadHours: Double
    /// Grid latitudes (north first).
    public var latitudes: [Double]
    /// Grid longitudes.
    public var longitudes: [Double]
    /// The channels, with units.
    public var channels: [ChannelInfo]
    /// Ensemble mean per channel (row-major fields).
    public var mean: [[Double]]
    /// Ensemble standard deviation (ddof 1) per channel.
    public var spread: [[Double]]
    /// Verifying analysis per channel, or nil without a dataset that has it.
    public var truth: [[Double]]?
    /// Extreme Forecast Index per channel, or nil without `extremes.nc` (no model climate).
    public var efi: [[Double]]?
}

extension CaseFields {
    /// Loads initial time `folder` (a folder of `hens forecast`) at lead `leadHours`, with truth
    /// from `dataset` and EFI from `extremes` when given; a forecast without that lead is refused.
    public init(forecastFolder folder: String, leadHours: Double, dataset: String?, extremes: String?) throws {
        let source = try ForecastSummarySource(folder: folder)
        guard let contents = try source.summary() else { throw HensError(.badInput, "\(folder)/summary.nc: no summary") }
        guard let lead = source.leadHours.firstIndex(where: { abs($0 - leadHours) < 1e-6 }) else {
            throw HensError(.badInput, "\(folder)/summary.nc: no lead \(hours(leadHours)) (expected the forecast that was scored)")
        }
        initLabel = source.label
        self.leadHours = source.leadHours[lead]
        latitudes = source.latitudes
        longitudes = source.longitudes
        let channels = contents.layout.channels
        self.channels = channels
        let points = source.latitudes.count * source.longitudes.count, arrays = contents.arrays
        func slice(_ c: Int) -> Range<Int> { let start = (lead * channels.count + c) * points; return start..<(start + points) }
        mean = channels.indices.map { Array(arrays.mean[slice($0)]) }
        spread = channels.indices.map { c in
            slice(c).map { i in arrays.count[i] > 1 ? (arrays.m2[i] / Double(arrays.count[i] - 1)).squareRoot() : .nan }
        }
        if let dataset {
            let archive = try AnalysisArchive(directory: dataset)
            if let location = archive.truthLocation(of: source, lead: lead) {
                let truthFields = try TruthFields(archive: archive, channels: channels.map(\.name), latitudes: latitudes, longitudes: longitudes)
                let values = try truthFields.fields(at: location)
                truth = channels.indices.map { c in values[(c * points)..<((c + 1) * points)].map(Double.init) }
            }
        }
        if let extremes {
            efi = try Self.efi(path: extremes, initLabel: initLabel, leadHours: self.leadHours, channels: channels.map(\.name), points: points)
        }
    }

    /// The EFI maps of one initial time and lead from `extremes.nc`, or nil when it has none.
    static func efi(path: String, initLabel: String, leadHours: Double, channels: [String], points: Int) throws -> [[Double]]? {
        let file = try LabelledArrays.read(path: path)
        guard let variable = file.variable("efi"), variable.dimensions == ["init", "lead", "channel", "lat", "lon"],
              let i = file.axis("init")?.labels?.firstIndex(of: initLabel),
              let leads = file.axis("lead")?.values, let l = leads.firstIndex(where: { abs($0 - leadHours) < 1e-6 }),
              let names = file.axis("channel")?.labels else { return nil }
        return try channels.map { name in
            guard let c = names.firstIndex(of: name) else { return [Double](repeating: .nan, count: points) }
            let start = ((i * leads.count + l) * names.count + c) * points
            guard start + points <= variable.values.count else {
                throw HensError(.badInput, "\(path): 'efi' has \(variable.values.count) values, fewer than its dimensions need")
            }
            return Array(variable.values[start..<(start + points)])
        }
    }
}
