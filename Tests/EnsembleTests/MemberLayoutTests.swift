import XCTest
import DatasetIO
import HensCore
@testable import Ensemble

final class MemberLayoutTests: XCTestCase {
    func testPairsAreCheckpointMajorWithSharedSeeds() throws {
        let layout = try MemberLayout(checkpoints: 3, perturbedPerCheckpoint: 4, control: .none, baseSeed: 7, initialTime: 1_685_577_600)
        XCTAssertEqual(layout.memberCount, 12)
        XCTAssertEqual(layout.perturbationCount, 6)
        let members = (0..<12).map(layout.member)
        XCTAssertEqual(members.map(\.checkpoint), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        XCTAssertEqual(members.map(\.pair), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        XCTAssertEqual(members.map(\.sign), [1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1])
        for j in 0..<6 {
            XCTAssertEqual(members[2 * j].seed, members[2 * j + 1].seed)
        }
        XCTAssertEqual(Set(members.map(\.seed)).count, 6, "distinct pairs must draw distinct seeds")
    }

    func testControlOnceIsPrependedAndKeepsPairsComplete() throws {
        let with = try MemberLayout(totalMembers: 9, checkpoints: 2, control: .once, baseSeed: 1, initialTime: 0)
        let without = try MemberLayout(totalMembers: 8, checkpoints: 2, control: .none, baseSeed: 1, initialTime: 0)
        XCTAssertTrue(with.member(0).isControl)
        XCTAssertEqual(with.member(0).checkpoint, 0)
        XCTAssertEqual(with.member(0).sign, 0)
        for k in 0..<8 {
            let a = with.member(k + 1), b = without.member(k)
            XCTAssertEqual([a.checkpoint, a.pair, a.sign], [b.checkpoint, b.pair, b.sign])
            XCTAssertEqual(a.seed, b.seed)
        }
    }

    func testControlPerCheckpoint() throws {
        let layout = try MemberLayout(totalMembers: 6, checkpoints: 2, control: .perCheckpoint, baseSeed: 1, initialTime: 0)
        XCTAssertEqual((0..<6).map { layout.member($0).isControl }, [true, false, false, true, false, false])
        XCTAssertEqual((0..<6).map { layout.member($0).checkpoint }, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual((0..<6).map { layout.member($0).pair }, [nil, 0, 0, nil, 1, 1])
    }

    func testSeedDependsOnlyOnBaseTimeAndMember() throws {
        let a = try MemberLayout(checkpoints: 2, perturbedPerCheckpoint: 8, baseSeed: 42, initialTime: 100)
        // Twice the members per checkpoint: members 8..<16 move from checkpoint 1 to checkpoint 0,
        // so a seed that depended on the checkpoint, the slot within it or the ensemble size
        // would change; the documented formula only sees the pair, which is k/2 in both.
        let wider = try MemberLayout(checkpoints: 2, perturbedPerCheckpoint: 16, baseSeed: 42, initialTime: 100)
        // One more checkpoint appended: the first 16 members keep everything.
        let longer = try MemberLayout(checkpoints: 3, perturbedPerCheckpoint: 8, baseSeed: 42, initialTime: 100)
        let otherTime = try MemberLayout(checkpoints: 2, perturbedPerCheckpoint: 8, baseSeed: 42, initialTime: 100 + 21_600)
        let otherSeed = try MemberLayout(checkpoints: 2, perturbedPerCheckpoint: 8, baseSeed: 43, initialTime: 100)
        // The documented formula, spelled out, and pinned (values of the formula before
        // `SplitMix64` was shared, so seeds of existing runs are unchanged).
        let mix = SplitMix64.mix
        XCTAssertEqual(a.member(5).seed, mix(mix(mix(42) ^ 100) ^ 2))
        XCTAssertEqual(a.member(5).seed, 0x26E7_E04A_5803_6CA3)
        XCTAssertEqual(try MemberLayout(checkpoints: 1, perturbedPerCheckpoint: 12, baseSeed: 7, initialTime: -21_600).member(11).seed,
                       0x6554_1E7C_9449_FADC)
        XCTAssertEqual(wider.member(10).checkpoint, 0, "the wider layout must move member 10 to another checkpoint")
        XCTAssertEqual(a.member(10).checkpoint, 1)
        for k in 0..<a.memberCount {
            XCTAssertEqual(a.member(k).seed, wider.member(k).seed, "member \(k)")
            XCTAssertEqual(a.member(k).pair, wider.member(k).pair, "member \(k)")
            XCTAssertEqual(a.member(k), longer.member(k), "member \(k)")
            XCTAssertNotEqual(a.member(k).seed, otherTime.member(k).seed)
            XCTAssertNotEqual(a.member(k).seed, otherSeed.member(k).seed)
        }
    }

    func testIndependentPerturbations() throws {
        let layout = try MemberLayout(totalMembers: 3, checkpoints: 1, pairing: .independent, baseSeed: 0, initialTime: 0)
        XCTAssertEqual((0..<3).map { layout.member($0).pair }, [0, 1, 2])
        XCTAssertEqual((0..<3).map { layout.member($0).sign }, [1, 1, 1])
    }

    func testOddCountWithPairsIsAClearError() {
        XCTAssertThrowsError(try MemberLayout(totalMembers: 7, checkpoints: 1, baseSeed: 0, initialTime: 0)) { error in
            let e = error as? HensError
            XCTAssertEqual(e?.kind, .invalidArgument)
            XCTAssertTrue(e?.message.contains("± pairs") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try MemberLayout(checkpoints: 2, perturbedPerCheckpoint: 3, baseSeed: 0, initialTime: 0))
        XCTAssertThrowsError(try MemberLayout(totalMembers: 10, checkpoints: 3, baseSeed: 0, initialTime: 0))
        XCTAssertNoThrow(try MemberLayout(totalMembers: 13, checkpoints: 3, control: .once, baseSeed: 0, initialTime: 0))
    }

    func testSelectionParsing() throws {
        XCTAssertEqual(try MemberSelection.parse("17,42", memberCount: 64), [17, 42])
        XCTAssertEqual(try MemberSelection.parse("42, 0..2,7", memberCount: 64), [0, 1, 2, 7, 42])
        XCTAssertThrowsError(try MemberSelection.parse("64", memberCount: 64))
        XCTAssertThrowsError(try MemberSelection.parse("1,x", memberCount: 64))
        XCTAssertThrowsError(try MemberSelection.parse("3..1", memberCount: 64))
        XCTAssertThrowsError(try MemberSelection.parse("1,1", memberCount: 64))
        XCTAssertThrowsError(try MemberSelection.parse("", memberCount: 64))
    }
}
