import Foundation
import HensCore
import SFNO

/// `hens forecast --dry-run --model-config MODEL.yaml`: the forecast configuration's members ×
/// steps planned for a model architecture that has no checkpoint yet (HENS' 721 × 1440 model),
/// from the memory formula (`SFNOMemoryModel`) and a measured time per member-step. Reads no
/// checkpoint or dataset; counts rollout member-steps only (a dry run with the checkpoints also
/// counts bred-vector breeding).
public struct ModelSizePlan {
    /// The forecast configuration (members, steps, output leads and channels).
    public let config: ForecastConfig
    /// The architecture planned for.
    public let model: SFNOConfig
    /// Threads of each process.
    public let threads: Int
    /// The cluster, if one was given.
    public let cluster: ClusterPlan.Shape?
    /// Seconds per member-step at `threads` threads.
    public let secondsPerMemberStep: Double

    /// A plan; validates the model.
    public init(config: ForecastConfig, model: SFNOConfig, threads: Int, cluster: ClusterPlan.Shape?, secondsPerMemberStep: Double) throws {
        try model.validate()
        (self.config, self.model, self.threads, self.cluster, self.secondsPerMemberStep) = (config, model, threads, cluster, secondsPerMemberStep)
    }

    /// Output channels: the configuration's list, or every model output without one.
    public var outputChannels: Int { config.channels.isEmpty ? model.outChannels : config.channels.count }
    /// Rollout member-steps.
    public var memberSteps: Int { config.members * config.steps }

    /// Bytes of one process running one member at a time: the network (`SFNOMemoryModel`, one
    /// workspace), the forecast's per-member buffers (5 states and the outputs) and the streaming
    /// summary (80 bytes per lead, channel and point).
    public func processBytes() throws -> (model: Int, members: Int, summary: Int) {
        let memory = try SFNOMemoryModel(config: model, threads: threads)
        let points = model.dataPoints, leads = config.outputSteps.count
        return (memory.totalBytes(batch: 1, workspaces: 1), 4 * (5 * model.outChannels * points + outputChannels * points),
                2 * 40 * leads * outputChannels * points)
    }

    /// Member fields (Float32) and summaries (36 bytes per lead, channel and point), before compression.
    public var diskBytes: Int64 {
        let fields = [outputChannels, config.outputSteps.count, model.dataPoints]
        let members = config.writeMembers ? SizeEstimate.product(fields + [config.members, 4]) : 0
        return members &+ SizeEstimate.product(fields + [36])
    }

    /// The report text.
    public func report() throws -> String {
        let bytes = try processBytes(), total = bytes.model + bytes.members + bytes.summary
        var lines = [
            "forecast dry run for a model size (nothing written, no checkpoint read)",
            "  model: \(model.variant.rawValue) \(model.nlat)×\(model.nlon), \(model.inChannels) in, \(model.outChannels) out, embed "
                + "\(model.embedDim), \(model.layers) blocks, lmax \(model.lmax), mmax \(model.mmax)",
            "  ensemble: \(config.members) members × \(config.steps) steps = \(memberSteps) rollout member-steps "
                + "(breeding not counted); \(outputChannels) channel(s) × \(config.outputSteps.count) leads written",
            "  memory per process: \(DiskSpace.format(Int64(total))) = model \(DiskSpace.format(Int64(bytes.model))) "
                + "+ member buffers \(DiskSpace.format(Int64(bytes.members))) + streaming summary \(DiskSpace.format(Int64(bytes.summary)))",
            String(format: "  compute: %.3g s per member-step on %d thread(s) → %.0f core-hours", secondsPerMemberStep, threads,
                   Double(memberSteps) * secondsPerMemberStep * Double(threads) / 3600),
            "  disk: \(DiskSpace.format(diskBytes)) before compression",
        ]
        if let cluster {
            let plan = try ClusterPlan(shape: cluster, members: config.members, memberSteps: memberSteps,
                                       secondsPerMemberStep: secondsPerMemberStep, threadsPerProcess: threads,
                                       bytesPerProcess: total, diskBytes: diskBytes)
            lines += plan.lines()
        }
        return lines.joined(separator: "\n")
    }
}
