import HensCore
import XCTest
@testable import Ensemble

/// `ClusterPlan`: the arithmetic of `hens forecast --dry-run --nodes N --cores-per-node C`.
final class ClusterPlanTests: XCTestCase {
    /// HENS' shape: 7,424 members × 60 steps at 180 s per member-step on 2 threads, 16 GB a process,
    /// on 10 nodes of 128 cores and 256 GiB.
    func testHENSShapedPlan() throws {
        let shape = try ClusterPlan.Shape(nodes: 10, coresPerNode: 128, memoryPerNode: 256 << 30)
        let plan = try ClusterPlan(shape: shape, members: 7424, memberSteps: 7424 * 60, secondsPerMemberStep: 180,
                                   threadsPerProcess: 2, bytesPerProcess: 16_000_000_000, diskBytes: 1 << 40)
        // Cores allow 64 processes per node, memory ⌊274.9 GB / 16 GB⌋ = 17.
        XCTAssertEqual(plan.processesPerNode, 17)
        XCTAssertEqual(plan.processes, 170)
        XCTAssertEqual(plan.coreHours, 7424 * 60 * 180 * 2 / 3600, accuracy: 1e-6)   // 44,544 core-hours
        XCTAssertEqual(plan.membersPerProcess, 44)                                   // ⌈7424 / 170⌉
        XCTAssertEqual(plan.wallSeconds, 44 * 60 * 180, accuracy: 1e-6)
        XCTAssertEqual(plan.nodeHours, 10 * 44 * 60 * 180 / 3600, accuracy: 1e-6)
        XCTAssertTrue(plan.lines().joined().contains("memory-bound"))
        // Without a memory limit the cores decide.
        let cores = try ClusterPlan(shape: ClusterPlan.Shape(nodes: 10, coresPerNode: 128), members: 7424, memberSteps: 7424 * 60,
                                    secondsPerMemberStep: 180, threadsPerProcess: 2, bytesPerProcess: 16_000_000_000, diskBytes: 0)
        XCTAssertEqual(cores.processesPerNode, 64)
        XCTAssertEqual(cores.membersPerProcess, 12)   // ⌈7424 / 640⌉
    }

    /// Bad shapes are one-line errors naming the option (exit 2).
    func testBadValuesNameTheirOption() {
        func option(_ body: () throws -> Void) -> String? {
            do { try body() } catch let error as HensError { XCTAssertEqual(error.exitCode, 2); return "\(error)" } catch { return nil }
            return nil
        }
        XCTAssertTrue(option { _ = try ClusterPlan.Shape(nodes: 0, coresPerNode: 8) }?.contains("--nodes") ?? false)
        XCTAssertTrue(option { _ = try ClusterPlan.Shape(nodes: 2_000_000, coresPerNode: 8) }?.contains("--nodes") ?? false)
        XCTAssertTrue(option { _ = try ClusterPlan.Shape(nodes: 1, coresPerNode: -1) }?.contains("--cores-per-node") ?? false)
        XCTAssertTrue(option { _ = try ClusterPlan.Shape(nodes: 1, coresPerNode: 8, memoryPerNode: 10) }?.contains("--memory-per-node") ?? false)
        let shape = try! ClusterPlan.Shape(nodes: 1, coresPerNode: 8, memoryPerNode: 8 << 30)
        func plan(seconds: Double = 1, threads: Int = 2, bytes: Int = 1 << 30) throws {
            _ = try ClusterPlan(shape: shape, members: 4, memberSteps: 8, secondsPerMemberStep: seconds, threadsPerProcess: threads,
                                bytesPerProcess: bytes, diskBytes: 0)
        }
        for s in [0, -1, .nan, .infinity, 1e7] {
            XCTAssertTrue(option { try plan(seconds: s) }?.contains("--member-step-seconds") ?? false, "\(s)")
        }
        XCTAssertTrue(option { try plan(threads: 16) }?.contains("--cores-per-node") ?? false)
        XCTAssertTrue(option { try plan(bytes: 9 << 30) }?.contains("--memory-per-node") ?? false)
    }
}
