@testable import Ensemble
import HensCore
import XCTest

/// `BatchPlan.counts` (what `--dry-run` and the free-space check use) must count exactly what the
/// listed plan holds, for every layout, batch size, shard and selection, without listing members.
final class BatchPlanCountsTests: XCTestCase {
    /// The listed plan's members, batches and breeding calls (distinct pairs by a set).
    private func listed(_ members: [Int], _ layout: MemberLayout, size: Int, cycles: Int?) -> (Int, Int, Int) {
        let plan = BatchPlan(members: members, layout: layout, size: size)
        let breeding = plan.batches.reduce(0) { total, batch in
            let pairs = Set(batch.compactMap { layout.member($0).pair })
            guard let cycles, !pairs.isEmpty else { return total }
            return total + cycles * (pairs.count + 1)
        }
        return (plan.batches.reduce(0) { $0 + $1.count }, plan.batches.count, breeding)
    }

    func testCountsEqualTheListedPlanForEveryLayoutShardAndSelection() throws {
        var random = SplitMix64(seed: 7)
        var compared = 0
        for checkpoints in [1, 2, 3] {
            for control in ControlMember.allCases {
                for pairing in PerturbationPairing.allCases {
                    let perturbed = pairing == .centredPairs ? 6 : 5
                    let layout = try MemberLayout(checkpoints: checkpoints, perturbedPerCheckpoint: perturbed, control: control,
                                                  pairing: pairing, baseSeed: 1, initialTime: 0)
                    for size in [1, 2, 3, 4, 7, 64] {
                        for shards in [1, 2, 3] {
                            for index in 0..<shards {
                                let shard = try ShardSpec(index: index, count: shards)
                                let selection = (0..<layout.memberCount).filter { _ in random.next() % 3 != 0 }
                                for chosen in [nil, selection] as [[Int]?] {
                                    let members = shard.members(of: layout.memberCount, selection: chosen)
                                    let block = shard.positions(of: chosen?.count ?? layout.memberCount)
                                    for cycles in [nil, 3] as [Int?] {
                                        let counted = chosen.map { BatchPlan.counts(members: $0[block], layout: layout, size: size, breedingCycles: cycles) }
                                            ?? BatchPlan.counts(members: block, layout: layout, size: size, breedingCycles: cycles)
                                        let expected = listed(members, layout, size: size, cycles: cycles)
                                        XCTAssertTrue(counted == expected, "\(checkpoints) ckpt, \(control), \(pairing), size \(size), shard \(shard): \(counted) vs \(expected)")
                                        compared += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(compared, 1000)
    }
}
