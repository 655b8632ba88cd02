import Foundation
import HensCore

/// The global attributes through which a dataset remembers how `hens ingest` made it, so that
/// `--append` can continue it with the same splits, grid, regridding, calendar and member.
enum IngestRecord {
    /// `train=1979..2015; valid=2016..2017; test=2018..`: each split's date range as given.
    static let splitRanges = "split_ranges"
    /// `equiangular:121x240`, or `native` when the inputs' grid was kept (`ModelGridSpec`).
    static let modelGrid = "model_grid"
    /// `conservative`, `bilinear`, `spectral`, or `none` when not regridded.
    static let regridMethod = "regrid_method"
    /// The inputs' grid, `GridDescription.summary` (appended inputs must have the same).
    static let sourceGrid = "source_grid"
    /// ISO start of each trajectory, space-separated (the `time` axis holds offsets from the first).
    static let trajectoryStarts = "trajectory_starts"
    /// The ensemble member taken from ensemble inputs.
    static let member = "ensemble_member"
    /// The CF calendar of the inputs.
    static let calendar = "calendar"
    /// Provenance of each later `--append`, one entry per run, `; `-separated.
    static let appendedSources = "appended_sources"

    /// Encodes split ranges for `split_ranges`.
    static func encode(_ splits: [(name: String, range: DateRange)]) -> String {
        splits.map { "\($0.name)=\($0.range.text)" }.joined(separator: "; ")
    }

    /// Decodes `split_ranges`; `file` names the dataset file in errors.
    static func decodeSplits(_ text: String, file: String) throws -> [(name: String, range: DateRange)] {
        try text.split(separator: ";").map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw HensError(.badInput, "\(file): attribute '\(splitRanges)' must read 'name=range; …', got '\(text)'")
            }
            return (parts[0], try DateRange(parts[1], option: "\(file): \(splitRanges)"))
        }
    }
}
