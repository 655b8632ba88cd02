import DatasetIO
import XCTest
@testable import Training

final class SamplePlanTests: TrainingTestCase {
    func testIndexingNeverCrossesTrajectories() {
        let plan = SamplePlan(trajectoryCount: 3, timeCount: 5, horizon: 2)
        XCTAssertEqual(plan.count, 9)
        XCTAssertEqual(plan.sample(0), TrainingSample(trajectory: 0, time: 0))
        XCTAssertEqual(plan.sample(2), TrainingSample(trajectory: 0, time: 2))
        XCTAssertEqual(plan.sample(3), TrainingSample(trajectory: 1, time: 0))
        XCTAssertEqual(plan.sample(8), TrainingSample(trajectory: 2, time: 2))
        for i in 0..<plan.count { XCTAssertLessThan(plan.sample(i).time + plan.horizon, 5) }
        XCTAssertEqual(SamplePlan(trajectoryCount: 2, timeCount: 2, horizon: 2).count, 0)
    }

    func testShufflingIsDeterministicPerSeedAndEpoch() {
        let plan = SamplePlan(trajectoryCount: 4, timeCount: 30, horizon: 1)
        let a = plan.order(seed: 1, epoch: 0)
        XCTAssertEqual(a, plan.order(seed: 1, epoch: 0))
        XCTAssertEqual(a.sorted(), Array(0..<plan.count))
        XCTAssertNotEqual(a, Array(0..<plan.count))
        XCTAssertNotEqual(a, plan.order(seed: 1, epoch: 1))
        XCTAssertNotEqual(a, plan.order(seed: 2, epoch: 0))
    }

    func testBatchesAndCap() {
        let plan = SamplePlan(trajectoryCount: 3, timeCount: 5, horizon: 2)
        let all = plan.batches(seed: 3, epoch: 0, batchSize: 2, samplesPerEpoch: nil)
        XCTAssertEqual(all.count, 4)  // 9 samples, last partial batch dropped
        XCTAssertEqual(Set(all.joined()).count, 8)
        XCTAssertEqual(plan.batches(seed: 3, epoch: 0, batchSize: 2, samplesPerEpoch: 5).count, 2)
        XCTAssertEqual(plan.stepsPerEpoch(batchSize: 2, samplesPerEpoch: 5), 2)
        XCTAssertEqual(plan.evenlySpaced(3), [plan.sample(0), plan.sample(3), plan.sample(6)])
        XCTAssertEqual(plan.evenlySpaced(100).count, 9)
    }

    func testBatchTargetsFollowTheirTrajectory() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 2, "valid": 1], times: 6)
        let data = try TrainingDataset(directory: dir)
        let split = data.train
        let plan = SamplePlan(trajectoryCount: 2, timeCount: 6, horizon: 3)
        let samples = [plan.sample(2), plan.sample(3), plan.sample(5)]  // (0,2), (1,0), (1,2): ends of trajectories
        let batch = TrainingBatch(capacity: 3, horizon: 3, stateCount: split.stateCount)
        batch.fill(samples, from: split)
        for (b, s) in samples.enumerated() {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: batch.initial.baseAddress! + b * split.stateCount, count: split.stateCount)),
                           split.state(trajectory: s.trajectory, time: s.time))
            for step in 1...3 {
                XCTAssertEqual(Array(UnsafeBufferPointer(start: batch.target(step: step) + b * split.stateCount, count: split.stateCount)),
                               split.state(trajectory: s.trajectory, time: s.time + step))
            }
        }
        // Normalisation: the train split's values have mean ≈ 0 and std ≈ 1 per channel.
        var sum = 0.0, squares = 0.0, count = 0.0
        for k in 0..<2 { for t in 0..<6 {
            let state = split.state(trajectory: k, time: t)
            for x in state[0..<split.fieldCount] { sum += Double(x); squares += Double(x * x); count += 1 }
        } }
        XCTAssertEqual(sum / count, 0, accuracy: 1e-5)
        XCTAssertEqual(squares / count, 1, accuracy: 1e-4)
    }

    func testPrefetchGivesTheSameBatches() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 2, "valid": 1], times: 6)
        let data = try TrainingDataset(directory: dir)
        let plan = SamplePlan(trajectoryCount: 2, timeCount: 6, horizon: 2)
        let batches = plan.batches(seed: 5, epoch: 1, batchSize: 2, samplesPerEpoch: nil)
        let on = BatchPrefetcher(split: data.train, batches: batches, batchSize: 2, horizon: 2, enabled: true)
        let off = BatchPrefetcher(split: data.train, batches: batches, batchSize: 2, horizon: 2, enabled: false)
        for i in 0..<batches.count {
            let a = on.batch(i), b = off.batch(i)
            XCTAssertEqual(a.samples, batches[i])
            XCTAssertEqual(Array(a.initial), Array(b.initial))
            XCTAssertEqual(Array(a.targets), Array(b.targets))
        }
    }
}
