import HensCore
import Spherical
import XCTest
@testable import SFNO

final class ModelForwardTests: SFNOTestCase {
    /// Big enough for several column tiles, both grids and every kind of block.
    private func mediumConfig(_ variant: SFNOVariant) -> SFNOConfig {
        SFNOConfig(variant: variant, grid: .equiangular, nlat: variant == .makani ? 32 : 33, nlon: 64,
                   inChannels: 5, outChannels: 4, scaleFactor: 2, embedDim: 16, layers: 3, posEmbed: .direct)
    }

    private func run<T: SHTScalar>(_ model: SFNOModel<T>, _ input: [T], batch: Int, workspace: SFNOWorkspace<T>) -> [T] {
        var out = [T](repeating: .nan, count: batch * model.config.outChannels * model.fieldCount)
        input.withUnsafeBufferPointer { i in
            out.withPointer { model.forward(i.baseAddress!, output: $0, batch: batch, workspace: workspace) }
        }
        return out
    }

    /// A member's output is bit-for-bit the same alone (B = 1) or inside a batch of 8, and
    /// two runs give identical results: determinism contract (A) for the forecast batch size
    /// (the model runs the members of a batch one after another, through kernels of one shape).
    func testMembersDoNotDependOnTheBatch() throws {
        for variant in SFNOVariant.allCases {
            let config = mediumConfig(variant)
            let model = try SFNOModel<Float>(config: config, seed: 1)
            perturbParameters(model, seed: 2, scale: 0.05)
            let batch = 8, inCount = config.inChannels * config.dataPoints, outCount = config.outChannels * config.dataPoints
            let input: [Float] = randomValues(batch * inCount, seed: 3)
            let workspace = model.makeWorkspace()
            let all = run(model, input, batch: batch, workspace: workspace)
            XCTAssertTrue(all.allSatisfy { $0.isFinite }, "\(variant): non-finite output")
            for b in [0, 3, 7] {
                let alone = run(model, Array(input[(b * inCount)..<((b + 1) * inCount)]), batch: 1, workspace: workspace)
                XCTAssertEqual(alone, Array(all[(b * outCount)..<((b + 1) * outCount)]), "\(variant): member \(b) differs")
            }
            XCTAssertEqual(run(model, input, batch: batch, workspace: SFNOWorkspace(model: model)), all, "\(variant): not deterministic")
        }
    }

    /// Every stage splits its work into fixed pieces (fields, ring pairs, orders, degrees,
    /// channels, column tiles), so one thread and all threads give identical results:
    /// determinism contract (A) for the thread count.
    func testResultsDoNotDependOnThreadCount() throws {
        let previous = Parallel.threadCount
        defer { Parallel.configure(threads: previous) }
        for variant in SFNOVariant.allCases {
            let config = mediumConfig(variant)
            let model = try SFNOModel<Float>(config: config, seed: 9)
            let input: [Float] = randomValues(2 * config.inChannels * config.dataPoints, seed: 10)
            Parallel.configure(threads: 1)
            let one = run(model, input, batch: 2, workspace: model.makeWorkspace())
            Parallel.configure(threads: 2)
            let two = run(model, input, batch: 2, workspace: model.makeWorkspace())
            XCTAssertEqual(one, two, "\(variant)")
        }
    }

    /// The recorded forward gives the inference output exactly. Inference reuses its output
    /// activation for y and z and writes a resampled residual over the block input, where the
    /// recording keeps each on the tape: the same kernels in the same order, so every block kind
    /// (both variants, with and without norms, with and without resampling) must agree bit for bit.
    func testRecordingMatchesInference() throws {
        var configs = SFNOVariant.allCases.map(mediumConfig)
        for variant in SFNOVariant.allCases {
            for scale in [1, 2] {
                var c = mediumConfig(variant)
                c.scaleFactor = scale
                c.normalization = .none
                c.posEmbed = .none
                configs.append(c)
            }
        }
        for config in configs {
            let variant = "\(config.variant) sf \(config.scaleFactor) \(config.normalization)"
            let model = try SFNOModel<Float>(config: config, seed: 4)
            let input: [Float] = randomValues(2 * config.inChannels * config.dataPoints, seed: 5)
            let expected = run(model, input, batch: 2, workspace: model.makeWorkspace())
            var out = [Float](repeating: 0, count: expected.count)
            let tape = input.withUnsafeBufferPointer { i in out.withPointer { model.forwardRecording(i.baseAddress!, batch: 2, output: $0) } }
            XCTAssertEqual(tape.batch, 2)
            // The same kernels in the same order (recording only keeps intermediates): exact.
            XCTAssertEqual(out, expected, "\(variant)")
        }
    }

    /// Float32 and Float64 models with the same weights agree to Float32 accuracy.
    func testFloatMatchesDouble() throws {
        for variant in SFNOVariant.allCases {
            let config = mediumConfig(variant)
            let single = try SFNOModel<Float>(config: config, seed: 6)
            perturbParameters(single, seed: 7, scale: 0.05)
            let double = try SFNOModel<Double>(config: config, seed: 0)
            double.copyParameters(from: single)
            let input: [Double] = randomValues(config.inChannels * config.dataPoints, seed: 8)
            let a = double.forward(input, batch: 1)
            let b = single.forward(input.map { Float($0) }, batch: 1)
            let scale = a.map(abs).max()!
            let worst = zip(a, b).map { abs($0 - Double($1)) }.max()!
            XCTAssertLessThan(worst / scale, 2e-5, "\(variant): float32 vs float64")
        }
    }

    func testParameterTable() throws {
        let th = try SFNOModel<Float>(config: TinyConfigs.thExample(), seed: 1)
        XCTAssertEqual(th.parameterTensors.map(\.name), [
            "encoder.0.weight", "pos_embed",
            "blocks.0.spectral.weight", "blocks.0.norm.weight", "blocks.0.norm.bias",
            "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias", "blocks.0.mlp.fc2.weight",
            "blocks.1.spectral.weight", "blocks.1.norm.weight", "blocks.1.norm.bias",
            "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc1.bias", "blocks.1.mlp.fc2.weight",
            "blocks.2.spectral.weight", "blocks.2.norm.weight", "blocks.2.norm.bias",
            "blocks.2.mlp.fc1.weight", "blocks.2.mlp.fc1.bias", "blocks.2.mlp.fc2.weight",
            "decoder.0.weight",
        ])
        XCTAssertEqual(th.parameterTensor(named: "blocks.1.spectral.weight")?.shape, [4, 4, 4, 2])
        let mk = try SFNOModel<Float>(config: TinyConfigs.makani(), seed: 1)
        let names = Set(mk.parameterTensors.map(\.name))
        for n in ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "blocks.2.norm0.weight", "blocks.2.norm1.bias",
                  "blocks.0.skip.weight", "blocks.0.mlp.fc2.bias", "decoder.0.bias", "decoder.2.weight", "big_skip.weight"] {
            XCTAssertTrue(names.contains(n), n)
        }
        for model in [th, mk] {
            var offset = 0
            for t in model.parameterTensors {
                XCTAssertEqual(t.offset, offset, t.name)
                offset += t.count
                let decays = t.name.hasSuffix(".weight") && !t.name.contains("norm")
                XCTAssertEqual(t.decays, decays, t.name)
            }
            XCTAssertEqual(offset, model.parameterCount)
        }
    }

    /// Initial weights: the seeded draws have the documented spread, norms start at 1/0.
    func testWeightInitialisation() throws {
        let config = SFNOConfig(variant: .makani, grid: .equiangular, nlat: 32, nlon: 64, inChannels: 4, outChannels: 4,
                                scaleFactor: 2, embedDim: 32, layers: 2, posEmbed: .direct)
        let model = try SFNOModel<Float>(config: config, seed: 11)
        func values(_ name: String) -> [Double] {
            let t = model.parameterTensor(named: name)!
            return model.withParameters { p in t.range.map { Double(p[$0]) } }
        }
        func std(_ v: [Double]) -> Double { (v.map { $0 * $0 }.reduce(0, +) / Double(v.count)).squareRoot() }
        XCTAssertEqual(std(values("blocks.0.mlp.fc1.weight")), (2.0 / 32).squareRoot(), accuracy: 0.02)
        XCTAssertEqual(std(values("blocks.0.skip.weight")), (0.5 / 32).squareRoot(), accuracy: 0.01)
        // Spectral: complex std √(2/E) for l > 0 (each part √(1/E)).
        let w = values("blocks.1.spectral.weight"), perDegree = 32 * 32 * 2
        XCTAssertEqual(std(Array(w[perDegree...])), (1.0 / 32).squareRoot(), accuracy: 0.005)
        XCTAssertEqual(std(Array(w[..<perDegree])), (2.0 / 32).squareRoot(), accuracy: 0.01) // makani's √2 at l = 0
        XCTAssertEqual(std(values("pos_embed")), 0.02, accuracy: 0.001)
        XCTAssertEqual(Set(values("blocks.1.norm0.weight")), [1])
        XCTAssertEqual(Set(values("blocks.1.norm1.bias")), [0])
        // Same seed, same weights; another seed, other weights.
        let again = try SFNOModel<Float>(config: config, seed: 11), other = try SFNOModel<Float>(config: config, seed: 12)
        let a = model.withParameters { Array($0) }
        XCTAssertEqual(again.withParameters { Array($0) }, a)
        XCTAssertNotEqual(other.withParameters { Array($0) }, a)
    }

    /// The trainer's protocol view works on `SFNOModel<Float>`.
    func testTrainableModelConformance() throws {
        func exercise<M: TrainableModel>(_ model: M) -> (Int, Int) {
            let inCount = model.inputChannels * model.fieldCount, outCount = model.outputChannels * model.fieldCount
            let input = [Float](repeating: 0.5, count: inCount)
            var out = [Float](repeating: 0, count: outCount)
            let tape = input.withUnsafeBufferPointer { i in out.withPointer { model.forwardRecording(i.baseAddress!, batch: 1, output: $0) } }
            var grads = [Float](repeating: 0, count: model.parameterCount)
            let ones = [Float](repeating: 1, count: outCount)
            ones.withUnsafeBufferPointer { g in grads.withPointer { model.backward(tape, gradOutput: g.baseAddress!, gradInput: nil, gradParameters: $0) } }
            let nonzero = grads.filter { $0 != 0 }.count
            return (model.withParameters { $0.count }, nonzero)
        }
        let model = try SFNOModel<Float>(config: TinyConfigs.makani(), seed: 2)
        let (count, nonzero) = exercise(model)
        XCTAssertEqual(count, model.parameterCount)
        XCTAssertGreaterThan(nonzero, model.parameterCount / 2)
    }

    func testInvalidModelConfigurationThrows() {
        var config = TinyConfigs.thExample()
        config.embedDim = 0
        XCTAssertThrowsError(try SFNOModel<Float>(config: config, seed: 1))
    }
}
