import Foundation
import HensCore

/// The files a report is made from: the scores of `hens evaluate` (required), and where they
/// exist the forecast (maps of one case), the checkpoints (training curves) and the dataset
/// (the truth on the maps).
///
/// By default they are the folders `make demo` writes inside a run folder (`scores`,
/// `forecast`, `checkpoints`, `dataset`); each can be named instead.
public struct ReportInputs: Equatable, Sendable {
    /// Folder with `scores.csv`, `summary.json` and the other tables of `hens evaluate`.
    public var scores: String
    /// Folder of `hens forecast` (one folder per initial time), if any.
    public var forecast: String?
    /// Folder of `hens train` (one `seed-N` folder with `metrics.jsonl` per checkpoint), if any.
    public var checkpoints: String?
    /// Dataset with the truth, if any.
    public var dataset: String?

    /// Inputs of the run folder `run`, with any folder named explicitly taking precedence; the
    /// forecast and dataset recorded in `summary.json` are used when the run folder has none.
    public init(run: String?, scores: String? = nil, forecast: String? = nil, checkpoints: String? = nil,
                dataset: String? = nil) throws {
        func inRun(_ name: String) -> String? {
            guard let run else { return nil }
            let path = run + "/" + name
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        guard let scoresFolder = scores ?? run.map({ $0 + "/scores" }) else {
            throw HensError.invalid("RUN_DIR", "a run folder or --scores (the output folder of hens evaluate)")
        }
        for file in ["scores.csv", "summary.json"] where !FileManager.default.fileExists(atPath: scoresFolder + "/" + file) {
            throw HensError(.badInput, "\(scoresFolder)/\(file): not found (expected the output folder of hens evaluate)")
        }
        self.scores = scoresFolder
        let recorded = try? EvaluationSummary(path: scoresFolder + "/summary.json").options
        func existing(_ path: String?) -> String? { path.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil } }
        self.forecast = forecast ?? inRun("forecast") ?? existing(recorded?["source"])
        self.checkpoints = checkpoints ?? inRun("checkpoints")
        self.dataset = dataset ?? inRun("dataset") ?? existing(recorded?["dataset"])
        for (flag, path) in [("--forecast", forecast), ("--checkpoints", checkpoints), ("--dataset", dataset)] {
            if let path, !FileManager.default.fileExists(atPath: path) {
                throw HensError.invalid(flag, "an existing folder, got '\(path)'")
            }
        }
    }

    /// The path of the scores table `name` (e.g. `roc.csv`), if `hens evaluate` wrote it.
    public func table(_ name: String) -> String? {
        let path = scores + "/" + name
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// What `summary.json` of `hens evaluate` says about the scored run.
public struct EvaluationSummary: Equatable, Sendable {
    /// Labels of the initial times scored.
    public var inits: [String]
    /// Channels scored.
    public var channels: [String]
    /// Leads in hours.
    public var leads: [Double]
    /// Ensemble size.
    public var memberCount: Int
    /// Latitude bands.
    public var bands: [String]
    /// Whether members were missing (`--allow-partial`).
    public var partial: Bool
    /// The evaluation's settings (estimators, climatology, paths) as recorded.
    public var options: [String: String]
    /// Version of hens that scored the run.
    public var version: String

    /// Reads `summary.json`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HensError(.badInput, "\(path): not a JSON object (expected summary.json of hens evaluate)")
        }
        func field<T>(_ key: String, _ type: T.Type) throws -> T {
            guard let value = object[key] as? T else {
                throw HensError(.badInput, "\(path): field '\(key)' missing or of the wrong type (expected summary.json of hens evaluate)")
            }
            return value
        }
        inits = try field("inits", [String].self)
        channels = try field("channels", [String].self)
        leads = try field("leads_hours", [Double].self)
        memberCount = try field("member_count", Int.self)
        bands = (object["bands"] as? [String]) ?? ["global"]
        partial = (object["partial"] as? Bool) ?? false
        options = ((object["options"] as? [String: Any]) ?? [:]).compactMapValues { $0 as? String }
        version = (object["hens_version"] as? String) ?? "?"
    }
}
