import Config
import DatasetIO
import Foundation
import HensCore
import SFNO
import Scores
import Spherical
import XCTest
@testable import Training
import HensTestSupport

/// The CRPS training objective: its value against the pairwise fair CRPS, its gradient by
/// finite differences (alone and through a multistep stochastic rollout), the expected loss of a
/// perfect ensemble, and the refusals.
final class CRPSTrainingTests: TrainingTestCase {
    let fieldCount = SyntheticDataset.nlat * SyntheticDataset.nlon

    private func quadrature() -> GridQuadrature {
        GridQuadrature.forGrid(latitudes: (0..<SyntheticDataset.nlat).map { 80 - 160 * Double($0) / Double(SyntheticDataset.nlat - 1) },
                               nlon: SyntheticDataset.nlon)
    }

    /// The fair CRPS by its pairwise definition (independent of the sorted-pass kernels).
    private func pairwiseFair(_ x: [Double], _ y: Double) -> Double {
        let m = Double(x.count)
        var d = 0.0
        for u in x { for v in x { d += abs(u - v) } }
        return x.reduce(0) { $0 + abs($1 - y) } / m - d / (2 * m * (m - 1))
    }

    /// Random predictions `[b][m][c][p]` and targets `[b][c][p]`.
    private func sample(batch: Int, members: Int, channels: Int, seed: UInt64, sigma: Double = 1) -> ([Float], [Float]) {
        var g = SeededGenerator(seed: seed)
        let predictions = (0..<(batch * members * channels * fieldCount)).map { _ in Float(sigma * g.nextNormal()) }
        let targets = (0..<(batch * channels * fieldCount)).map { _ in Float(sigma * g.nextNormal()) }
        return (predictions, targets)
    }

    func testLossEqualsTheAreaWeightedFairCRPS() {
        let q = quadrature(), weights = [1.0, 0.5], m = 3, b = 2, c = 2
        let loss = EnsembleCRPSLoss(quadrature: q, channelWeights: weights, members: m)
        let (x, y) = sample(batch: b, members: m, channels: c, seed: 3)
        let value = loss.evaluate(prediction: x, target: y, batch: b)
        var expected = 0.0
        for s in 0..<b {
            for ch in 0..<c {
                for p in 0..<fieldCount {
                    let members = (0..<m).map { Double(x[((s * m + $0) * c + ch) * fieldCount + p]) }
                    expected += weights[ch] * q.pointWeights[p / SyntheticDataset.nlon]
                        * pairwiseFair(members, Double(y[(s * c + ch) * fieldCount + p]))
                }
            }
        }
        XCTAssertEqual(value, expected / Double(b), accuracy: 1e-6 * abs(expected))
    }

    func testGradientMatchesFiniteDifferences() {
        let loss = EnsembleCRPSLoss(quadrature: quadrature(), channelWeights: [1.0, 2.0], members: 4)
        var (x, y) = sample(batch: 2, members: 4, channels: 2, seed: 5)
        var gradient = [Float](repeating: .nan, count: x.count)
        _ = loss.evaluate(prediction: x, target: y, batch: 2, gradient: &gradient, gradientScale: 0.5)
        // CRPS is piecewise linear: a step smaller than the gaps between values is exact up to rounding.
        var g = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            let i = Int(g.next() % UInt64(x.count))
            let saved = x[i], h: Float = 1e-3
            x[i] = saved + h
            let plus = loss.evaluate(prediction: x, target: y, batch: 2)
            x[i] = saved - h
            let minus = loss.evaluate(prediction: x, target: y, batch: 2)
            x[i] = saved
            let numeric = 0.5 * (plus - minus) / Double((saved + h) - (saved - h))
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-3 * abs(numeric) + 1e-9, "value \(i)")
        }
        _ = y
    }

    func testPerfectEnsembleHasTheExpectedLoss() {
        // Members and truth i.i.d. N(0, σ²): the fair CRPS is unbiased, E = σ/√π at every point,
        // so the loss is Σ_c w_c σ/√π (the quadrature sums to 1).
        let sigma = 2.0, loss = EnsembleCRPSLoss(quadrature: quadrature(), channelWeights: [1, 1], members: 4)
        var total = 0.0
        let repeats = 40
        for r in 0..<repeats {
            let (x, y) = sample(batch: 4, members: 4, channels: 2, seed: 100 + UInt64(r), sigma: sigma)
            total += loss.evaluate(prediction: x, target: y, batch: 4)
        }
        XCTAssertEqual(total / Double(repeats), 2 * sigma / Double.pi.squareRoot(), accuracy: 0.02 * 2 * sigma / Double.pi.squareRoot())
        // An ensemble that is too narrow (all members equal the mean 0) scores worse: E|y| = σ√(2/π).
        let (_, y) = sample(batch: 4, members: 4, channels: 2, seed: 7, sigma: sigma)
        let collapsed = [Float](repeating: 0, count: 4 * 4 * 2 * fieldCount)
        XCTAssertGreaterThan(loss.evaluate(prediction: collapsed, target: y, batch: 4), 1.2 * 2 * sigma / Double.pi.squareRoot())
    }

    private func stochasticToy(seed: UInt64) throws -> ChannelMapModel {
        let grid = try SphericalGrid(.equiangular, nlat: SyntheticDataset.nlat, nlon: SyntheticDataset.nlon)
        let toy = ChannelMapModel(inputChannels: 2 + 2, outputChannels: 2, fieldCount: fieldCount, seed: seed)
        toy.noise = try NoiseChannels(grid: grid, count: 2, lengthScale: 2e6)
        return toy
    }

    /// The CRPS objective through a 2-step stochastic rollout of 3 members per sample, against
    /// central differences of the parameters; the noise is the same in every evaluation (same seed).
    func testMultistepCRPSGradientMatchesFiniteDifferences() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 1, "valid": 1], times: 5)
        let data = try TrainingDataset(directory: dir)
        let trainer = try Trainer(config: makeCRPSConfig { $0.multistep = 2; $0.crpsMembers = 3 }, data: data, modelConfig: "toy")
        let toy = try stochasticToy(seed: 2)
        var input = trainer.validator.input
        input.noise = toy.noise
        let stepper = MultistepGradient(model: toy, objective: trainer.objective, input: input, steps: 2, batchSize: 2)
        let batch = TrainingBatch(capacity: 2, horizon: 2, stateCount: data.train.stateCount)
        batch.fill([TrainingSample(trajectory: 0, time: 0), TrainingSample(trajectory: 0, time: 1)], from: data.train)
        let first = stepper.compute(batch, noiseSeed: 42)
        let analytic = Array(stepper.gradients)
        XCTAssertEqual(stepper.compute(batch, noiseSeed: 42), first, "same noise seed, same loss")
        XCTAssertNotEqual(stepper.compute(batch, noiseSeed: 43), first, "the noise enters the loss")
        for i in 0..<toy.parameterCount {
            let saved = toy.parameters[i], h: Float = 1e-2
            toy.parameters[i] = saved + h
            let plus = stepper.compute(batch, noiseSeed: 42)
            toy.parameters[i] = saved - h
            let minus = stepper.compute(batch, noiseSeed: 42)
            toy.parameters[i] = saved
            let numeric = (plus - minus) / (Double(saved + h) - Double(saved - h))
            XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 3e-3 * max(1, abs(numeric)), "parameter \(i)")
        }
    }

    func makeCRPSConfig(_ change: (inout TrainingConfig) -> Void = { _ in }) -> TrainingConfig {
        var c = TrainingConfig()
        c.epochs = 2
        c.batchSize = 2
        c.learningRate = 0.02
        c.schedule = .constant
        c.loss = .crps
        c.crpsMembers = 2
        c.validationLeads = 2
        c.validationSamples = 2
        change(&c)
        return c
    }

    func testCRPSTrainingRunsAndResumesIdentically() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 2, "valid": 1], times: 8)
        let data = try TrainingDataset(directory: dir)
        let trainer = try Trainer(config: makeCRPSConfig(), data: data, modelConfig: "toy")
        let whole = try stochasticToy(seed: 1)
        let a = try trainer.train(whole, seed: 1, output: TrainingOutput(directory: dir + "/a", seed: 1))
        XCTAssertEqual(a.epochs, 2)
        XCTAssertTrue(a.lastRecord!.trainLoss.isFinite)
        let output = TrainingOutput(directory: dir + "/b", seed: 1)
        try trainer.train(try stochasticToy(seed: 1), seed: 1, output: output, stopAfterEpoch: 1)
        let resumed = try stochasticToy(seed: 1)
        try trainer.train(resumed, seed: 1, output: output, resume: true)
        XCTAssertEqual(resumed.parameters, whole.parameters, "a resumed CRPS run draws the same noise: bit-identical weights")
    }

    func testRefusals() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 1, "valid": 1], times: 5)
        let data = try TrainingDataset(directory: dir)
        XCTAssertThrowsError(try Trainer(config: makeCRPSConfig { $0.crpsMembers = 1 }, data: data, modelConfig: "toy")) { error in
            XCTAssertTrue("\(error)".contains("key 'crps_members' must be at least 2 (the fair CRPS of one member is undefined)"), "\(error)")
        }
        let crps = try Trainer(config: makeCRPSConfig(), data: data, modelConfig: "toy")
        let deterministic = ChannelMapModel(inputChannels: 2, outputChannels: 2, fieldCount: fieldCount, seed: 1)
        XCTAssertThrowsError(try crps.checkModel(deterministic)) { error in
            XCTAssertTrue("\(error)".hasPrefix("loss: crps trains a stochastic model, but the model has no noise channels"), "\(error)")
        }
        var mse = makeCRPSConfig()
        mse.loss = .absolute
        mse.crpsMembers = nil
        XCTAssertThrowsError(try Trainer(config: mse, data: data, modelConfig: "toy").checkModel(try stochasticToy(seed: 1))) { error in
            XCTAssertTrue("\(error)".contains("has 2 noise channels (a stochastic model), which only loss: crps trains"), "\(error)")
        }
        var doc = try ConfigDocument(yaml: "loss: absolute\ncrps_members: 4\n", source: "t.yaml")
        XCTAssertThrowsError(try TrainingConfig(&doc)) { error in
            XCTAssertTrue("\(error)".contains("key 'crps_members' must be absent unless loss is crps"), "\(error)")
        }
    }
}
