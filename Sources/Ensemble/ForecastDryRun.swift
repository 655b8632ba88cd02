import DatasetIO
import Foundation
import HensCore

/// What `hens forecast --dry-run` prints: the work and output a run would produce, and a time
/// estimate from a short timed probe of the first checkpoint.
public struct ForecastDryRun {
    /// The prepared forecast.
    public let forecast: EnsembleForecast
    /// The initial times it would run.
    public let initialTimes: [InitialTime]

    /// A dry run of `forecast` over `initialTimes`.
    public init(forecast: EnsembleForecast, initialTimes: [InitialTime]) {
        self.forecast = forecast
        self.initialTimes = initialTimes
    }

    /// Seconds per member-step of the first checkpoint: the median of three timed calls on a
    /// batch of up to 4 members, after one warm-up call.
    public func probeSecondsPerMemberStep() -> Double {
        let model = forecast.models[0]
        let batch = min(4, forecast.batchSize)
        let input = [Float](repeating: 0, count: batch * model.stateCount)
        var output = input
        var times: [Double] = []
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                for k in 0..<4 {
                    let clock = Stopwatch()
                    model.step(i.baseAddress!, o.baseAddress!, batch, validTime: 0)
                    if k > 0 { times.append(clock.seconds / Double(batch)) }
                }
            }
        }
        return times.sorted()[times.count / 2]
    }

    /// The report text; with a cluster, its plan too (`ClusterPlan`). `secondsPerMemberStep`
    /// (measured elsewhere, at this process's thread count) replaces the probe.
    public func report(cluster: ClusterPlan.Shape? = nil, secondsPerMemberStep: Double? = nil) throws -> String {
        let f = forecast, c = f.config
        // Every initial time has the same plan but for its seeds: one count, times the number of
        // initial times; the members are counted, never listed.
        let plan = try f.planCounts(initialTimes[0]), times = initialTimes.count
        let members = times * plan.members, batches = times * plan.batches
        let rollout = times * plan.rollout, breeding = times * plan.breeding
        let layout = try f.memberLayout(initialTimes[0])
        let out = f.outputLayout(initialTimes[0])
        let size = try f.outputSize(initialTimes)
        let perStep = secondsPerMemberStep ?? probeSecondsPerMemberStep()
        let seconds = Double(rollout + breeding) * perStep
        var lines = [
            "forecast dry run (nothing written)",
            "  initial times: \(initialTimes.count) (\(initialTimes.prefix(4).map(\.label).joined(separator: ", "))\(initialTimes.count > 4 ? ", …" : ""))",
            "  ensemble: \(layout.memberCount) members = \(c.control.rawValue) control + \(layout.checkpoints) checkpoint(s) × \(layout.perturbedPerCheckpoint) perturbed (\(c.pairing.rawValue)), perturbation \(c.perturbation.rawValue)",
            "  this shard: \(f.shard) (\(f.shard.source)), \(members / max(1, initialTimes.count)) members per initial time, \(batches) batch(es) of ≤ \(f.batchSize)",
            "  member-steps: \(rollout) rollout + \(breeding) breeding = \(rollout + breeding)",
            "  outputs: \(out.channels.map(\.name).joined(separator: ", ")) × \(out.leads.count) leads on \(out.latitudes.count)×\(out.longitudes.count)",
            "  size: members \(DiskSpace.format(size.members)) before compression, summaries \(DiskSpace.format(size.summaries)); "
                + "\(DiskSpace.available(near: f.paths.root).map { DiskSpace.format($0) } ?? "unknown") free at the output",
        ]
        lines.append(String(format: "  estimate: %.1f ms per member-step on %d thread(s) → %@ (%@)", perStep * 1000,
                            Parallel.threadCount, Self.duration(seconds),
                            secondsPerMemberStep != nil ? "--member-step-seconds" : "probe of " + (f.models[0].path as NSString).lastPathComponent))
        if let cluster {
            let plan = try ClusterPlan(shape: cluster, members: members, memberSteps: rollout + breeding, secondsPerMemberStep: perStep,
                                       threadsPerProcess: Parallel.threadCount, bytesPerProcess: Int(clamping: f.processBytes),
                                       diskBytes: size.members &+ size.summaries)
            lines += plan.lines()
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ s: Double) -> String {
        s >= 3600 ? String(format: "%.1f h", s / 3600) : s >= 60 ? String(format: "%.1f min", s / 60) : String(format: "%.1f s", s)
    }
}
