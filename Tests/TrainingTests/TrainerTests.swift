import DatasetIO
import Foundation
import HensCore
import SFNO
import XCTest
@testable import Training

final class TrainerTests: TrainingTestCase {
    let fieldCount = SyntheticDataset.nlat * SyntheticDataset.nlon

    func makeConfig(_ change: (inout TrainingConfig) -> Void = { _ in }) -> TrainingConfig {
        var c = TrainingConfig()
        c.epochs = 3
        c.batchSize = 4
        c.learningRate = 0.05
        c.schedule = .constant
        c.loss = .absolute
        c.validationLeads = 3
        c.validationSamples = 4
        change(&c)
        return c
    }

    func model(seed: UInt64 = 1, perPoint: Bool = false, inputChannels: Int = 2) -> ChannelMapModel {
        ChannelMapModel(inputChannels: inputChannels, outputChannels: 2, fieldCount: fieldCount, perPoint: perPoint, seed: seed)
    }

    func testLossDecreasesAndBeatsPersistence() throws {
        try SyntheticDataset.write(to: dir)
        let trainer = try Trainer(config: makeConfig { $0.epochs = 6 }, data: try TrainingDataset(directory: dir), modelConfig: "toy")
        var records: [EpochRecord] = []
        var steps = 0
        let result = try trainer.train(model(), seed: 1, output: TrainingOutput(directory: dir + "/out", seed: 1)) { event in
            switch event {
            case .epoch(let r): records.append(r)
            case .step: steps += 1
            case .resumed: XCTFail("nothing to resume")
            }
        }
        XCTAssertEqual(result.epochs, 6)
        XCTAssertEqual(steps, 6 * trainer.stepsPerEpoch)
        XCTAssertEqual(trainer.stepsPerEpoch, 3 * 11 / 4)
        XCTAssertLessThan(records.last!.trainLoss, 0.2 * records.first!.trainLoss)
        let v = records.last!.validation
        XCTAssertLessThan(v.lossRatio, 0.5)
        for lead in 0..<3 {
            XCTAssertLessThan(v.rmseAll[lead], v.persistenceRMSEAll[lead])
            XCTAssertLessThan(v.rmseAll[lead], v.climatologyRMSEAll[lead])
        }
        // metrics.jsonl: one line per epoch, next to the checkpoint.
        let lines = try String(contentsOfFile: dir + "/out/seed-1/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["epoch"] as? Int, 1)
        XCTAssertNotNil((first["validation"] as? [String: Any])?["rmse_all"])
        // The within-epoch trace: one point per step here (8 steps < 20), in the records and the file.
        for (record, previous) in zip(records, [0] + records.map(\.step)) {
            checkLossTrace(record, epochStart: previous, window: 1)
        }
        let trace = try XCTUnwrap(first["loss_trace"] as? [[String: Any]])
        XCTAssertEqual(trace.count, trainer.stepsPerEpoch)
        XCTAssertEqual(trace.first?["step"] as? Int, 1)
        XCTAssertEqual(trace.last?["step"] as? Int, first["step"] as? Int)
        XCTAssertNotNil(trace.first?["loss"] as? Double)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try lines.map { try decoder.decode(EpochRecord.self, from: Data($0.utf8)) }
        XCTAssertEqual(decoded.map(\.lossTrace), records.map(\.lossTrace))
    }

    /// Checks `record.lossTrace` of an epoch that started after global step `epochStart`: steps
    /// strictly increasing and ending at the record's step, windows of `window` steps but the
    /// last, and the window-length-weighted mean equal to `train_loss`.
    func checkLossTrace(_ record: EpochRecord, epochStart: Int, window: Int, file: StaticString = #filePath, line: UInt = #line) {
        let trace = record.lossTrace
        XCTAssertFalse(trace.isEmpty, file: file, line: line)
        let steps = [epochStart] + trace.map(\.step)
        let lengths = zip(steps.dropFirst(), steps).map { $0 - $1 }
        XCTAssertTrue(lengths.allSatisfy { $0 > 0 }, "steps not strictly increasing: \(steps)", file: file, line: line)
        XCTAssertEqual(trace.last?.step, record.step, file: file, line: line)
        XCTAssertEqual(Array(lengths.dropLast()), Array(repeating: window, count: max(0, lengths.count - 1)), file: file, line: line)
        XCTAssertLessThanOrEqual(lengths.last ?? 0, window, file: file, line: line)
        let weighted = zip(trace, lengths).map { $0.loss * Double($1) }.reduce(0, +) / Double(record.step - epochStart)
        XCTAssertEqual(weighted, record.trainLoss, accuracy: 1e-9 * abs(record.trainLoss), file: file, line: line)
    }

    /// 43 steps per epoch: windows of 43 / 20 = 2 steps, 21 of them and a last one of 1 step.
    func testLossTraceHasWindowsAndALastPartialOne() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 4, "valid": 1])
        let config = makeConfig { c in
            c.epochs = 2
            c.batchSize = 1
            c.samplesPerEpoch = 43
            c.validationLeads = 1
            c.validationSamples = 1
        }
        let trainer = try Trainer(config: config, data: try TrainingDataset(directory: dir), modelConfig: "toy")
        XCTAssertEqual(trainer.stepsPerEpoch, 43)
        var records: [EpochRecord] = []
        try trainer.train(model(), seed: 1, output: TrainingOutput(directory: dir, seed: 1)) { event in
            if case .epoch(let r) = event { records.append(r) }
        }
        XCTAssertEqual(records.map(\.lossTrace.count), [22, 22])
        XCTAssertEqual(records.map { $0.lossTrace.map(\.step).suffix(2) }, [[42, 43], [85, 86]])
        checkLossTrace(records[0], epochStart: 0, window: 2)
        checkLossTrace(records[1], epochStart: 43, window: 2)
    }

    func testLossTraceBuilderWindows() {
        for (steps, window, points) in [(0, 1, 0), (1, 1, 1), (19, 1, 19), (20, 1, 20), (39, 1, 39), (40, 2, 20), (45, 2, 23), (100, 5, 20)] {
            var builder = LossTraceBuilder(stepsPerEpoch: steps)
            XCTAssertEqual(builder.window, window, "\(steps)")
            for i in 0..<steps { builder.add(loss: Double(i), step: 1000 + i + 1) }
            let trace = builder.finish()
            XCTAssertEqual(trace.count, points, "\(steps)")
            if steps > 0 {
                XCTAssertEqual(trace.last?.step, 1000 + steps)
                // Losses 0, 1, 2, …: each window's mean is its middle.
                XCTAssertEqual(trace.first?.loss, Double(window - 1) / 2)
            }
        }
    }

    /// Logs written before `loss_trace` existed still decode, with an empty trace.
    func testEpochRecordWithoutLossTraceDecodes() throws {
        try SyntheticDataset.write(to: dir)
        let trainer = try Trainer(config: makeConfig { $0.epochs = 1 }, data: try TrainingDataset(directory: dir), modelConfig: "toy")
        let output = TrainingOutput(directory: dir, seed: 1)
        let record = try XCTUnwrap(try trainer.train(model(), seed: 1, output: output).lastRecord)
        let line = try String(contentsOfFile: output.metricsPath, encoding: .utf8).split(separator: "\n")[0]
        // Cut the key out of the text, leaving every other byte as written.
        let old = line.replacingOccurrences(of: #""loss_trace":\[[^\]]*\],"#, with: "", options: .regularExpression)
        XCTAssertFalse(old.contains("loss_trace"))
        XCTAssertLessThan(old.count, line.count)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try decoder.decode(EpochRecord.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.lossTrace, [])
        var expected = record
        expected.lossTrace = []
        XCTAssertEqual(decoded, expected)
    }

    func testOverfitsAHandfulOfSamples() throws {
        // Two samples of pure noise: only a model with weights per point can memorise them.
        try SyntheticDataset.write(to: dir, splits: ["train": 1, "valid": 1], times: 3, dynamics: .noise)
        let config = makeConfig { c in
            c.epochs = 150
            c.batchSize = 2
            c.learningRate = 0.05
            c.validationLeads = 1
        }
        let trainer = try Trainer(config: config, data: try TrainingDataset(directory: dir), modelConfig: "toy")
        var losses: [Double] = []
        try trainer.train(model(perPoint: true), seed: 3, output: TrainingOutput(directory: dir, seed: 3)) { event in
            if case .step(let p) = event { losses.append(p.loss) }
        }
        XCTAssertGreaterThan(losses.first!, 0.5)
        XCTAssertLessThan(losses.last!, 1e-3 * losses.first!)
    }

    /// 2 epochs straight == 1 epoch, stop, resume, 1 more epoch: bit for bit, for a stateful
    /// schedule (plateau), warm-up, multistep, clipping, decay and the cap on samples.
    func testResumeIsBitIdentical() throws {
        try SyntheticDataset.write(to: dir)
        let data = try TrainingDataset(directory: dir)
        for schedule in [ScheduleKind.cosine, .plateau] {
            let config = makeConfig { c in
                c.epochs = 2
                c.schedule = schedule
                c.plateauPatience = 0
                c.warmupSteps = 3
                c.multistep = 2
                c.gradientClip = 0.5
                c.weightDecay = 0.1
                c.samplesPerEpoch = 20
            }
            let trainer = try Trainer(config: config, data: data, modelConfig: "toy")
            let straight = model(seed: 9)
            try trainer.train(straight, seed: 9, output: TrainingOutput(directory: dir + "/a-\(schedule)", seed: 9))

            let output = TrainingOutput(directory: dir + "/b-\(schedule)", seed: 9)
            let first = try trainer.train(model(seed: 9), seed: 9, output: output, stopAfterEpoch: 1)
            XCTAssertEqual(first.epochs, 1)
            var noPrefetch = config
            noPrefetch.prefetch = false  // does not affect the weights, so resuming may change it
            let resumed = model(seed: 9)
            var events: [String] = []
            let second = try Trainer(config: noPrefetch, data: data, modelConfig: "toy")
                .train(resumed, seed: 9, output: output, resume: true) { event in
                    if case .resumed(_, let epoch, let step) = event { events.append("resumed \(epoch) \(step)") }
                }
            XCTAssertEqual(events, ["resumed 1 \(trainer.stepsPerEpoch)"])
            XCTAssertEqual(second.epochs, 2)
            XCTAssertEqual(second.steps, 2 * trainer.stepsPerEpoch)
            // Determinism contract (A): the resume point never changes the weights' bits.
            XCTAssertEqual(resumed.parameters.map(\.bitPattern), straight.parameters.map(\.bitPattern), "\(schedule)")

            let a = try Checkpoint.read(from: dir + "/a-\(schedule)/seed-9/checkpoint.nc")
            let b = try Checkpoint.read(from: output.checkpointPath)
            XCTAssertEqual(a.optimizer, b.optimizer)
            XCTAssertEqual(a.trainingState, b.trainingState)
            let lines = try String(contentsOfFile: output.metricsPath, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 2)

            // Resuming a finished run trains nothing more.
            let again = try trainer.train(model(seed: 9), seed: 9, output: output, resume: true)
            XCTAssertEqual(again.epochs, 2)
            XCTAssertNil(again.lastRecord)
        }
    }

    func testResumeRefusesAnotherConfigurationOrSeed() throws {
        try SyntheticDataset.write(to: dir)
        let data = try TrainingDataset(directory: dir)
        let trainer = try Trainer(config: makeConfig { $0.epochs = 2 }, data: data, modelConfig: "toy")
        let output = TrainingOutput(directory: dir, seed: 4)
        try trainer.train(model(), seed: 4, output: output, stopAfterEpoch: 1)

        let other = try Trainer(config: makeConfig { $0.epochs = 2; $0.learningRate = 0.01 }, data: data, modelConfig: "toy")
        XCTAssertThrowsError(try other.train(model(), seed: 4, output: output, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("was trained with lr = 0.05"), "\(error)")
        }
        XCTAssertThrowsError(try trainer.train(model(), seed: 5, output: output, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("holds seed 4"), "\(error)")
        }
    }

    /// The multistep gradient (k = 3, backprop through time) against central differences.
    func testMultistepGradientMatchesFiniteDifferences() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 1, "valid": 1], times: 5)
        let data = try TrainingDataset(directory: dir)
        let trainer = try Trainer(config: makeConfig { $0.multistep = 3; $0.loss = .relative; $0.batchSize = 2; $0.validationLeads = 1 },
                                  data: data, modelConfig: "toy")
        let toy = model(seed: 2)
        let stepper = MultistepGradient(model: toy, objective: trainer.objective, input: trainer.validator.input, steps: 3, batchSize: 2)
        let batch = TrainingBatch(capacity: 2, horizon: 3, stateCount: data.train.stateCount)
        batch.fill([TrainingSample(trajectory: 0, time: 0), TrainingSample(trajectory: 0, time: 1)], from: data.train)
        _ = stepper.compute(batch)
        let analytic = Array(stepper.gradients)
        for i in 0..<toy.parameterCount {
            let saved = toy.parameters[i], h: Float = 1e-2
            toy.parameters[i] = saved + h
            let plus = stepper.compute(batch)
            toy.parameters[i] = saved - h
            let minus = stepper.compute(batch)
            toy.parameters[i] = saved
            let numeric = (plus - minus) / (Double(saved + h) - Double(saved - h))
            XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 2e-3 * max(1, abs(numeric)), "parameter \(i)")
        }
    }

    func testModelThatDoesNotFitTheDataIsRefused() throws {
        try SyntheticDataset.write(to: dir)
        let trainer = try Trainer(config: makeConfig(), data: try TrainingDataset(directory: dir), modelConfig: "toy")
        XCTAssertThrowsError(try trainer.train(model(inputChannels: 3), seed: 1, output: TrainingOutput(directory: dir, seed: 1))) { error in
            XCTAssertEqual("\(error)", "model: reads 3 input channels, but the data set's 2 channels plus auxiliary 'none' (0) "
                + "make 2; set 'auxiliary' in the training config to match the model")
        }
        let tooShort = makeConfig { $0.validationLeads = 12 }
        XCTAssertThrowsError(try Trainer(config: tooShort, data: try TrainingDataset(directory: dir), modelConfig: "toy")) { error in
            XCTAssertTrue("\(error)".hasPrefix("validation_leads: 12 leads need trajectories of at least 13 times"), "\(error)")
        }
    }

    func testCheckpointLoadsIntoAFreshModelAndEvaluates() throws {
        try SyntheticDataset.write(to: dir, splits: ["train": 3, "valid": 1, "test": 1])
        let data = try TrainingDataset(directory: dir)
        let trainer = try Trainer(config: makeConfig { $0.epochs = 2; $0.seeds = [1, 2] }, data: data, modelConfig: "block: toy")
        var trained: [UInt64: ChannelMapModel] = [:]
        let results = try trainer.trainSeeds(directory: dir + "/runs") { seed -> ChannelMapModel in
            let m = model(seed: seed)
            trained[seed] = m
            return m
        }
        XCTAssertEqual(results.map(\.seed), [1, 2])
        for result in results {
            let checkpoint = try Checkpoint.read(from: result.checkpointPath)
            XCTAssertEqual(checkpoint.modelConfig, "block: toy")
            XCTAssertEqual(checkpoint.channels, SyntheticDataset.channels)
            XCTAssertEqual(checkpoint.grid.label, "legendre-gauss 8×16")
            XCTAssertEqual(try TrainingConfig(jsonText: checkpoint.trainingConfig, source: "x"), trainer.config)
            let fresh = model(seed: 77)
            try checkpoint.loadParameters(into: fresh, source: result.checkpointPath)
            XCTAssertEqual(fresh.parameters, trained[result.seed]!.parameters)

            let test = try data.loadSplit("test")
            let reader = try DatasetSplitReader(path: test.path)
            XCTAssertNoThrow(try checkpoint.checkCompatible(with: reader, checkpoint: result.checkpointPath))
            let metrics = try trainer.evaluate(fresh, on: test, leads: 2)
            XCTAssertEqual(metrics.samples, 10)
            XCTAssertEqual(metrics.rmse.count, 2)
            XCTAssertLessThan(metrics.rmseAll[0], metrics.persistenceRMSEAll[0])
        }
        let wrong = ChannelMapModel(inputChannels: 2, outputChannels: 2, fieldCount: fieldCount, perPoint: true, seed: 1)
        let checkpoint = try Checkpoint.read(from: results[0].checkpointPath)
        XCTAssertThrowsError(try checkpoint.loadParameters(into: wrong, source: "ck.nc")) { error in
            XCTAssertTrue("\(error)".hasPrefix("ck.nc: tensor 'map.weight' has shape [2, 2], the model expects [2, 2, 128]"), "\(error)")
        }
    }
}
