import Foundation
import HensCore

/// What a forecast costs on a cluster of identical nodes (`hens forecast --dry-run --nodes N
/// --cores-per-node C …`): core-hours, processes per node, wall time and disk, from the
/// member-steps, the seconds one member-step takes on one process's threads, and the memory one
/// process holds. Pure arithmetic; docs/hens-size.md has the HENS-size numbers.
///
/// - Each process runs `threadsPerProcess` threads (`--threads`) and whole members one after
///   another; `processesPerNode` = min(⌊C / threads⌋, ⌊node memory / process memory⌋).
/// - core-hours = member-steps × seconds per member-step × threads / 3600 (the cores the
///   processes hold while they compute).
/// - wall time = ⌈members / processes⌉ × (member-steps / members) × seconds per member-step.
public struct ClusterPlan: Equatable, Sendable {
    /// The cluster: `nodes` nodes of `coresPerNode` cores and (optionally) `memoryPerNode` bytes.
    public struct Shape: Equatable, Sendable {
        /// Nodes.
        public let nodes: Int
        /// Cores per node.
        public let coresPerNode: Int
        /// Bytes per node available to hens processes; nil: memory does not limit processes.
        public let memoryPerNode: Int?

        /// Validates the values; each error names its option (exit 2).
        public init(nodes: Int, coresPerNode: Int, memoryPerNode: Int? = nil) throws {
            guard (1...1_000_000).contains(nodes) else { throw HensError.invalid("--nodes", "between 1 and 1000000, got \(nodes)") }
            guard (1...100_000).contains(coresPerNode) else {
                throw HensError.invalid("--cores-per-node", "between 1 and 100000, got \(coresPerNode)")
            }
            if let m = memoryPerNode, m < 1 << 20 {
                throw HensError.invalid("--memory-per-node", "at least 1MiB, got \(m) bytes")
            }
            (self.nodes, self.coresPerNode, self.memoryPerNode) = (nodes, coresPerNode, memoryPerNode)
        }
    }

    /// The cluster.
    public let shape: Shape
    /// Members to run.
    public let members: Int
    /// Model steps of all members (rollout and breeding).
    public let memberSteps: Int
    /// Seconds per member-step on one process of `threadsPerProcess` threads.
    public let secondsPerMemberStep: Double
    /// Threads of each process.
    public let threadsPerProcess: Int
    /// Bytes one process holds.
    public let bytesPerProcess: Int
    /// Bytes written (before compression).
    public let diskBytes: Int64
    /// Processes on each node.
    public let processesPerNode: Int

    /// A plan; throws (naming the option) when a process cannot run on a node.
    public init(shape: Shape, members: Int, memberSteps: Int, secondsPerMemberStep: Double, threadsPerProcess: Int,
                bytesPerProcess: Int, diskBytes: Int64) throws {
        guard secondsPerMemberStep.isFinite, secondsPerMemberStep > 0, secondsPerMemberStep <= 1e6 else {
            throw HensError.invalid("--member-step-seconds", "a number of seconds in (0, 1e6], got \(secondsPerMemberStep)")
        }
        guard members >= 1, memberSteps >= members else {
            throw HensError.invalid("members", "at least one member with at least one step, got \(members) and \(memberSteps) member-steps")
        }
        guard threadsPerProcess >= 1, threadsPerProcess <= shape.coresPerNode else {
            throw HensError.invalid("--cores-per-node", "at least the \(threadsPerProcess) thread(s) of one process (--threads), got \(shape.coresPerNode)")
        }
        var perNode = shape.coresPerNode / threadsPerProcess
        if let memory = shape.memoryPerNode {
            guard bytesPerProcess <= memory else {
                throw HensError.invalid("--memory-per-node", "at least one process's \(DiskSpace.format(Int64(bytesPerProcess))), got "
                                        + DiskSpace.format(Int64(memory)))
            }
            perNode = min(perNode, memory / max(1, bytesPerProcess))
        }
        (self.shape, self.members, self.memberSteps, self.secondsPerMemberStep) = (shape, members, memberSteps, secondsPerMemberStep)
        (self.threadsPerProcess, self.bytesPerProcess, self.diskBytes) = (threadsPerProcess, bytesPerProcess, diskBytes)
        processesPerNode = perNode
    }

    /// Processes on the whole cluster.
    public var processes: Int { shape.nodes * processesPerNode }
    /// Core-hours of computation (cores held by the processes while they run).
    public var coreHours: Double { Double(memberSteps) * secondsPerMemberStep * Double(threadsPerProcess) / 3600 }
    /// Members the busiest process runs.
    public var membersPerProcess: Int { (members + processes - 1) / processes }
    /// Wall-clock seconds until the last process finishes.
    public var wallSeconds: Double {
        Double(membersPerProcess) * Double(memberSteps) / Double(members) * secondsPerMemberStep
    }
    /// Node-hours allocated (every node held for the wall time).
    public var nodeHours: Double { Double(shape.nodes) * wallSeconds / 3600 }

    /// The report lines (indented like the rest of the dry run).
    public func lines() -> [String] {
        let node = shape.memoryPerNode.map { " and \(DiskSpace.format(Int64($0)))" } ?? ""
        let limit = shape.memoryPerNode.map { processesPerNode < shape.coresPerNode / threadsPerProcess && $0 > 0 ? " (memory-bound)" : "" } ?? ""
        return [
            "  cluster: \(shape.nodes) node(s) × \(shape.coresPerNode) cores\(node); \(threadsPerProcess) thread(s) per process",
            "  memory per process: \(DiskSpace.format(Int64(bytesPerProcess))) → \(processesPerNode) process(es) per node\(limit), \(processes) in all",
            String(format: "  compute: %ld member-steps × %.3g s on %d thread(s) = %.0f core-hours", memberSteps, secondsPerMemberStep,
                   threadsPerProcess, coreHours),
            String(format: "  wall time: %@ (%d member(s) per process); %.0f node-hours allocated", ForecastDryRun.duration(wallSeconds),
                   membersPerProcess, nodeHours),
            "  disk: \(DiskSpace.format(diskBytes)) before compression",
        ]
    }
}
