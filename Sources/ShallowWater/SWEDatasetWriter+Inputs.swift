import DatasetIO
import Foundation
import HensCore

extension SWEDatasetWriter {
    /// What `hens generate swe` does with its output folder, decided before any work.
    public enum OutputDecision: Equatable, Sendable {
        /// The folder holds the complete dataset of the same inputs: nothing to do.
        case upToDate
        /// Generate (into an empty folder, or over an interrupted run of the same inputs).
        case generate
        /// The folder held a dataset of other inputs and was emptied (`overwrite`).
        case replaced(changed: [String])

        /// The line a command prints about the decision, nil when there is nothing to say.
        public func message(folder: String) -> String? {
            switch self {
            case .upToDate: return "\(folder) holds this configuration's dataset already; nothing to do"
            case let .replaced(changed): return "\(folder) held a dataset of other inputs (changed: \(changed.joined(separator: ", "))); replacing it"
            case .generate: return nil
            }
        }
    }

    /// Checks `folder` against the inputs of this run (the configuration as run and the hens
    /// executable) — see `RunInputs`: same inputs and a complete dataset (its `stats.nc`, written
    /// last) are up to date; other inputs are refused unless `overwrite`; a folder holding files
    /// that are not a hens dataset is always refused, so two datasets are never mixed.
    ///
    /// A folder without a complete dataset must have room for the whole dataset on its file
    /// system (`SWEDatasetConfig.minimumDatasetBytes`); that is checked first, before anything
    /// is written, so a refused run leaves no trace.
    public static func prepareOutput(config: SWEDatasetConfig, folder: String, overwrite: Bool) throws -> OutputDecision {
        if !FileManager.default.fileExists(atPath: DatasetLayout.statsPath(folder)) {
            try DiskSpace.require(config.minimumDatasetBytes, at: folder, for: "the dataset (uncompressed Float32 fields)")
        }
        let inputs = try RunInputs(stage: "generate swe", texts: ["configuration": config.text], files: [:])
        let datasetFiles: Set<String> = [DatasetLayout.train, DatasetLayout.valid, DatasetLayout.test, DatasetLayout.climate, DatasetLayout.stats]
        let outcome = try inputs.prepare(folder: folder, restartIfChanged: overwrite, option: "--overwrite",
                                         formerOutputs: datasetFiles, refuseForeign: true)
        switch outcome {
        case .same where !overwrite && FileManager.default.fileExists(atPath: DatasetLayout.statsPath(folder)): return .upToDate
        case let .restarted(changed): return .replaced(changed: changed)
        default: return .generate
        }
    }
}
