import DatasetIO
import Foundation
import HensCore

extension EnsembleForecast {
    /// The inputs that decide whether an existing output folder belongs to this run: the
    /// configuration as run (with its command-line overrides), the checkpoints (their payload
    /// digests, verified when the models were loaded, rather than hashing each file again), the
    /// dataset's statistics, the skill file and the hens executable. The shard and a member
    /// selection are left out, since several shards and partial reruns share one folder.
    public func runInputs() throws -> RunInputs {
        var files = ["dataset statistics": [DatasetLayout.statsPath(config.dataset)]]
        if let skill = config.skill { files["skill"] = [skill] }
        return try RunInputs(stage: "forecast", texts: ["configuration": config.text, "checkpoints": models.map(\.digest).joined(separator: " ")],
                             files: files)
    }

    /// Checks the output folder against this run's inputs before any work (see `RunInputs`):
    /// same inputs resume, others are refused, or the folder is emptied when `restartIfChanged`.
    /// - Throws: `.invalidArgument` for a restart asked of one shard among several (it would
    ///   remove files the other shards are writing).
    @discardableResult
    public func prepareOutput(restartIfChanged: Bool, option: String) throws -> RunInputs.Outcome {
        if restartIfChanged && shard.count > 1 {
            throw HensError.invalid(option, "a single-process run: one shard of \(shard.count) cannot empty a folder the others write")
        }
        return try runInputs().prepare(folder: paths.root, restartIfChanged: restartIfChanged, option: option)
    }
}
