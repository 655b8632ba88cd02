extension Evaluator {
    /// The global attributes of the score files: what was scored against what, and how each
    /// score is defined, so that a table read years later says which conventions it follows.
    /// - Parameters:
    ///   - source: the forecast folder or external files scored.
    ///   - dataset: the dataset folder holding the truth.
    public func provenance(source: String, dataset: String) -> [String: String] {
        [
            "source": source, "dataset": dataset,
            "lat_weights": options.weighting.rawValue, "seed": String(options.seed),
            "climatology": "\(options.climatologySplit) split, \(climatology.levels.map { "p" + String($0) }.joined(separator: " "))",
            "mclimate": options.modelClimate ?? "none", "crps": "crps: standard (empirical CDF, properscoring/xskillscore); crps_fair: fair (Ferro)",
            "rmse": "square root after the mean over initial times", "spread": "square root of the mean variance (ddof 1)",
            "ssr": "Fortin factor sqrt((m+1)/m)", "acc": "uncentred (WeatherBench 2); acc_centred removes the area means",
        ]
    }
}
