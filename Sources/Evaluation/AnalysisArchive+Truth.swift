import DatasetIO


extension AnalysisArchive {
    /// Where the analysis verifying `source` at lead index `lead` is, or nil when this dataset
    /// lacks it: by valid time for ensembles with absolute times, else that many steps after
    /// the analysis the hens forecast started from.
    public func truthLocation(of source: EnsembleSource, lead: Int) -> AnalysisLocation? {
        if let seconds = source.initialSeconds {
            return location(atSeconds: seconds + source.leadHours[lead] * 3600)
        }
        guard let l = source.initialLocation, stepHours.isFinite else { return nil }
        let exact = source.leadHours[lead] / stepHours
        let steps = Int(exact.rounded())
        // A lead between two analyses (a 1-hourly forecast against 6-hourly data) has no truth.
        guard abs(exact - Double(steps)) < 1e-6 else { return nil }
        return location(-steps, before: AnalysisLocation(split: l.split, trajectory: l.trajectory, timeIndex: l.timeIndex))
    }
}
