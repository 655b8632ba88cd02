import HensCore
import XCTest
@testable import Scores

/// hens' one 64-bit mixer and stream, pinned: member seeds, perturbation noise, rank tie-breaks
/// and bootstrap draws of existing runs depend on these exact bits.
final class SplitMix64Tests: XCTestCase {
    /// The reference SplitMix64 outputs for seed 0 (the published test vector).
    func testStreamSeededWithZero() {
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(g.next(), 0x06C4_5D18_8009_454F)
    }

    /// `mix` is one step (increment, then finalise): the first output of the stream; the plain
    /// finaliser keeps 0 at 0, which is why seed chains use the step.
    func testStepAndFinaliser() {
        XCTAssertEqual(SplitMix64.mix(0), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(SplitMix64.finalize(0), 0)
        XCTAssertEqual(SplitMix64.finalize(SplitMix64.goldenGamma), SplitMix64.mix(0))
        for seed: UInt64 in [1, 7, 0xDEAD_BEEF, .max] {
            var g = SplitMix64(seed: seed)
            XCTAssertEqual(g.next(), SplitMix64.mix(seed))
        }
        var seeded = SeededGenerator(seed: 7)   // the common name is the same type
        XCTAssertEqual(seeded.next(), 0x63CB_E1E4_5932_0DD7)
        XCTAssertEqual(seeded.next(), 0x044C_3CD7_F43C_661C)
    }

    /// The counter-based hash of tie-breaks and bootstrap draws: the (index + 1)-th output of the
    /// stream seeded with `seed`, with the values it had before the stream was shared.
    func testPointPassHashIsTheStreamAtAnIndex() {
        XCTAssertEqual(EnsemblePointPass.hash(0, 0), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(EnsemblePointPass.hash(7, 3), 0x953A_EB70_673E_29CB)
        XCTAssertEqual(EnsemblePointPass.hash(.max, 12_345), 0x33AE_A165_8BA2_D28A)
        var g = SplitMix64(seed: 99)
        for index: UInt64 in 0..<5 { XCTAssertEqual(EnsemblePointPass.hash(99, index), g.next()) }
    }
}
