import XCTest
@testable import Training

final class ScheduleTests: XCTestCase {
    func testCosineWithWarmup() {
        let s = LearningRateSchedule(kind: .cosine, base: 1, minimum: 0.1, warmupSteps: 2, totalSteps: 10)
        XCTAssertEqual(s.learningRate(step: 0), 0.5, accuracy: 1e-15)   // warm-up 1/2
        XCTAssertEqual(s.learningRate(step: 1), 1, accuracy: 1e-15)     // warm-up 2/2, cosine at 0
        XCTAssertEqual(s.learningRate(step: 2), 1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(step: 6), 0.55, accuracy: 1e-15)  // halfway: min + (base − min)/2
        XCTAssertEqual(s.learningRate(step: 4), 0.1 + 0.9 * 0.5 * (1 + cos(.pi / 4)), accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(step: 10), 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(step: 50), 0.1, accuracy: 1e-15)  // clamped past the end
        let constant = LearningRateSchedule(kind: .constant, base: 0.2, warmupSteps: 4, totalSteps: 10)
        for (step, expected) in [0.05, 0.1, 0.15, 0.2, 0.2, 0.2].enumerated() {
            XCTAssertEqual(constant.learningRate(step: step), expected, accuracy: 1e-15)
        }
    }

    func testPlateauReducesAfterPatience() {
        var p = ReduceLROnPlateau(learningRate: 1, factor: 0.5, patience: 2, minimum: 0.2)
        p.record(1.0)       // best 1
        p.record(0.99995)   // within the 1e-4 relative threshold: a bad epoch
        XCTAssertEqual(p.badEpochs, 1)
        p.record(1.0)       // bad 2 = patience: not yet
        XCTAssertEqual(p.learningRate, 1)
        p.record(1.0)       // bad 3 > patience: halve
        XCTAssertEqual(p.learningRate, 0.5)
        XCTAssertEqual(p.badEpochs, 0)
        p.record(0.5)       // improvement resets
        XCTAssertEqual(p.best, 0.5)
        for _ in 0..<3 { p.record(0.6) }
        XCTAssertEqual(p.learningRate, 0.25)
        for _ in 0..<3 { p.record(0.6) }
        XCTAssertEqual(p.learningRate, 0.2)  // floored at the minimum
    }

    func testPlateauCooldown() {
        var p = ReduceLROnPlateau(learningRate: 1, factor: 0.1, patience: 0, cooldown: 2)
        p.record(1)
        p.record(1)  // bad 1 > 0: reduce, start cooldown
        XCTAssertEqual(p.learningRate, 0.1, accuracy: 1e-15)
        p.record(1)
        p.record(1)  // cooldown swallows two bad epochs
        XCTAssertEqual(p.learningRate, 0.1, accuracy: 1e-15)
        p.record(1)
        XCTAssertEqual(p.learningRate, 0.01, accuracy: 1e-15)
    }

    func testScheduleStateRoundTripsThroughResumeJSON() throws {
        var s = LearningRateSchedule(kind: .plateau, base: 0.1, warmupSteps: 3, totalSteps: 100,
                                     plateau: ReduceLROnPlateau(learningRate: 0.1, patience: 0))
        let fresh = ResumeState(schedule: s, shuffleSeed: 9)
        XCTAssertEqual(try ResumeState.decode(fresh.jsonText(), source: "x").schedule, s)  // best = +∞ survives
        s.endEpoch(validationLoss: 0.3)
        s.endEpoch(validationLoss: 0.31)
        XCTAssertEqual(s.learningRate(step: 10), 0.05, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(step: 0), 0.05 / 3, accuracy: 1e-15)
        let decoded = try ResumeState.decode(ResumeState(schedule: s, shuffleSeed: 9).jsonText(), source: "x")
        XCTAssertEqual(decoded.schedule, s)
        XCTAssertEqual(decoded.shuffleSeed, 9)
    }
}
