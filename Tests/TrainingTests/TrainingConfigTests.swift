import HensCore
import XCTest
import Config
@testable import Training

final class TrainingConfigTests: XCTestCase {
    func parse(_ yaml: String) throws -> TrainingConfig {
        var doc = try ConfigDocument(yaml: yaml, source: "train.yaml")
        return try TrainingConfig(&doc)
    }

    func testDefaultsAndEveryKey() throws {
        XCTAssertEqual(try parse(""), TrainingConfig())
        let c = try parse("""
            epochs: 7
            batch_size: 2
            lr: 5e-4
            min_lr: 1e-5
            schedule: plateau
            warmup_steps: 10
            plateau_factor: 0.2
            plateau_patience: 3
            plateau_threshold: 0.01
            plateau_cooldown: 1
            betas: [0.8, 0.99]
            eps: 1e-6
            weight_decay: 0.01
            grad_clip: 32
            loss: absolute
            channel_weights: [1, 2, 3]
            temp_diff_normalization: true
            multistep: 2
            samples_per_epoch: 64
            validation_leads: 5
            validation_samples: 8
            seeds: [1, 2, 3]
            prefetch: false
            auxiliary: none
            """)
        XCTAssertEqual(c.epochs, 7)
        XCTAssertEqual(c.learningRate, 5e-4)
        XCTAssertEqual(c.schedule, .plateau)
        XCTAssertEqual(c.adamW, AdamWSettings(beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01, gradientClip: 32))
        XCTAssertEqual(c.loss, .absolute)
        XCTAssertEqual(c.channelWeights, .explicit([1, 2, 3]))
        XCTAssertTrue(c.tendencyScaling)
        XCTAssertEqual(c.multistep, 2)
        XCTAssertEqual(c.samplesPerEpoch, 64)
        XCTAssertEqual(c.seeds, [1, 2, 3])
        XCTAssertFalse(c.prefetch)
        XCTAssertEqual(try parse("seed: 42").seeds, [42])
        XCTAssertEqual(try parse("seeds: 1,2").seeds, [1, 2])
        // The JSON stored in checkpoints decodes to the same configuration.
        XCTAssertEqual(try TrainingConfig(jsonText: c.jsonText(), source: "x"), c)
    }

    func testErrorsNameTheFileAndKey() {
        func message(_ yaml: String) -> String {
            do { _ = try parse(yaml); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("epoch: 3"), "train.yaml: unknown key 'epoch'")
        XCTAssertTrue(message("schedule: linear").hasPrefix("train.yaml: key 'schedule' must be"), message("schedule: linear"))
        XCTAssertTrue(message("lr: -1").contains("key 'lr' must be a positive number"))
        XCTAssertTrue(message("betas: [0.9]").contains("key 'betas'"))
        XCTAssertTrue(message("prefetch: maybe").contains("key 'prefetch' must be true or false"))
        XCTAssertTrue(message("channel_weights: [1, x]").contains("key 'channel_weights'"))
        XCTAssertTrue(message("seed: 1\nseeds: [2]").contains("either 'seed' or 'seeds'"))
        XCTAssertTrue(message("batch_size: 4\nsamples_per_epoch: 2").contains("samples_per_epoch"))
    }

    func testResumeConflicts() {
        let a = TrainingConfig()
        var b = a
        b.seeds = [5, 6]
        b.prefetch = false
        b.validationLeads = 3
        XCTAssertNil(a.firstResumeConflict(with: b))
        b.learningRate = 0.5
        XCTAssertEqual(a.firstResumeConflict(with: b)?.key, "lr")
        var c = a
        c.gradientClip = 1
        XCTAssertEqual(a.firstResumeConflict(with: c)?.key, "grad_clip")
    }
}
