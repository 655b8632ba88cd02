import DatasetIO
import Foundation
import SFNO
import Spherical
import XCTest
@testable import Training

/// The real model under the trainer, at a size that trains in seconds: the loss falls, and a
/// handful of samples is fitted almost exactly.
final class SFNOTrainingTests: TrainingTestCase {
    func tinySFNO(seed: UInt64) throws -> SFNOModel<Float> {
        let config = SFNOConfig(variant: .makani, grid: .legendreGauss, nlat: SyntheticDataset.nlat,
                                nlon: SyntheticDataset.nlon, inChannels: 2, outChannels: 2, scaleFactor: 1,
                                embedDim: 8, layers: 2)
        return try SFNOModel<Float>(config: config, seed: seed)
    }

    func config(epochs: Int, batch: Int, lr: Double) -> TrainingConfig {
        var c = TrainingConfig()
        c.epochs = epochs
        c.batchSize = batch
        c.learningRate = lr
        c.schedule = .constant
        c.loss = .absolute
        c.validationLeads = 2
        c.validationSamples = 2
        return c
    }

    func trainLosses(_ trainer: Trainer, seed: UInt64) throws -> (steps: [Double], epochs: [EpochRecord]) {
        var steps: [Double] = [], epochs: [EpochRecord] = []
        try trainer.train(try tinySFNO(seed: seed), seed: seed, output: TrainingOutput(directory: dir + "/out", seed: seed)) { event in
            switch event {
            case .step(let p): steps.append(p.loss)
            case .epoch(let r): epochs.append(r)
            case .resumed: break
            }
        }
        return (steps, epochs)
    }

    func testLossDecreases() throws {
        try SyntheticDataset.write(to: dir)
        let trainer = try Trainer(config: config(epochs: 4, batch: 4, lr: 3e-3), data: try TrainingDataset(directory: dir),
                                  modelConfig: "tiny")
        let (_, epochs) = try trainLosses(trainer, seed: 1)
        XCTAssertEqual(epochs.count, 4)
        XCTAssertLessThan(epochs.last!.trainLoss, 0.5 * epochs.first!.trainLoss)
        XCTAssertLessThan(epochs.last!.validation.loss, epochs.first!.validation.loss)
    }

    func testOverfitsAHandfulOfSamples() throws {
        // One trajectory of 3 times: 2 training pairs, one batch, many steps.
        try SyntheticDataset.write(to: dir, splits: ["train": 1, "valid": 1], times: 3)
        let trainer = try Trainer(config: config(epochs: 300, batch: 2, lr: 3e-3), data: try TrainingDataset(directory: dir),
                                  modelConfig: "tiny")
        let (steps, _) = try trainLosses(trainer, seed: 2)
        XCTAssertEqual(steps.count, 300)
        XCTAssertLessThan(steps.last!, 0.02 * steps.first!)
    }
}
