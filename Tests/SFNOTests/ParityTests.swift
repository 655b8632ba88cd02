import Foundation
import Spherical
import XCTest
@testable import SFNO

/// The torch-harmonics fixture `parity/th-example-tiny.json` (format `hens-sfno-parity-v1`,
/// see parity/README.md): a 0.9.3 example SFNO (17×32 equiangular, sf 2, E 8, 2 blocks),
/// its float64 output for a batch of two, and every gradient of L = Σ output ⊙ R.
final class ParityTests: SFNOTestCase {
    struct Tensor: Decodable {
        let name: String
        let shape: [Int]
        let complex: Bool
        let values: [Double]
    }
    struct Loss: Decodable {
        let value: Double
        let loss_weights: Tensor
    }
    struct Fixture: Decodable {
        let format: String
        let state_dict: [Tensor]
        let input: Tensor
        let output: Tensor
        let loss: Loss
        let grad_input: Tensor
        let grad_params: [Tensor]
    }

    /// The model the fixture describes, in hens terms.
    static let config = SFNOConfig(variant: .thExample, grid: .equiangular, nlat: 17, nlon: 32, inChannels: 3, outChannels: 3,
                                   scaleFactor: 2, embedDim: 8, layers: 2, mlpRatio: 2, residualPrediction: true,
                                   posEmbed: .none, normalization: .instance)

    static func loadFixture() throws -> Fixture {
        guard let url = Bundle.module.url(forResource: "th-example-tiny", withExtension: "json", subdirectory: "parity") else {
            throw XCTSkip("parity/th-example-tiny.json is not in the test bundle")
        }
        // JSONDecoder with [Double] reads Python's repr exactly (parity/README.md).
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// hens' name for a torch parameter.
    static func hensName(_ torch: String) -> String {
        torch.replacingOccurrences(of: ".global_conv.", with: ".spectral.")
            .replacingOccurrences(of: ".mlp.fwd.0.", with: ".mlp.fc1.")
            .replacingOccurrences(of: ".mlp.fwd.2.", with: ".mlp.fc2.")
    }

    /// Position in hens' tensor of element `k` of the torch tensor (flat, C order of the stored
    /// shape). Only the spectral weight is permuted: torch (out, in, l, re/im) → hens (l, out, in, re/im).
    static func hensIndex(_ tensor: Tensor, _ k: Int) -> Int {
        guard tensor.complex else { return k }
        let (o, i, l) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
        let part = k % 2, degree = (k / 2) % l, input = (k / (2 * l)) % i, output = k / (2 * l * i)
        precondition(output < o)
        return ((degree * o + output) * i + input) * 2 + part
    }

    /// Loads the fixture's weights into a model of either precision.
    static func load<T: SHTScalar>(_ fixture: Fixture, into model: SFNOModel<T>) throws {
        XCTAssertEqual(fixture.state_dict.count, model.parameterTensors.count)
        try model.withParameters { p in
            for t in fixture.state_dict {
                guard let mine = model.parameterTensor(named: hensName(t.name)) else {
                    throw XCTSkip("no hens tensor for \(t.name)")
                }
                XCTAssertEqual(mine.count, t.values.count, t.name)
                for k in t.values.indices { p[mine.offset + hensIndex(t, k)] = T(t.values[k]) }
            }
        }
    }

    /// Largest |a − b| over the largest |b|.
    static func relativeError<T: SHTScalar>(_ a: [T], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        let scale = b.map(abs).max() ?? 1
        return zip(a, b).map { abs($0.double - $1) }.max()! / scale
    }

    struct Result {
        /// Largest |Δ| over the largest |reference| (per tensor for the parameters).
        var output = 0.0, loss = 0.0, gradInput = 0.0
        var gradParameters: [String: Double] = [:]
        var worstParameter: Double { gradParameters.values.max() ?? 0 }
    }

    /// Forward and backward of the fixture in precision T; relative errors against it.
    static func compare<T: SHTScalar>(_ type: T.Type) throws -> Result {
        let fixture = try loadFixture()
        XCTAssertEqual(fixture.format, "hens-sfno-parity-v1")
        let model = try SFNOModel<T>(config: config, seed: 0)
        try load(fixture, into: model)
        let batch = fixture.input.shape[0]
        XCTAssertEqual(fixture.input.shape, [batch, 3, 17, 32])
        var input = fixture.input.values.map { T($0) }
        var output = [T](repeating: 0, count: fixture.output.values.count)
        let tape = input.withPointer { i in output.withPointer { model.forwardRecording(i, batch: batch, output: $0) } }
        var r = fixture.loss.loss_weights.values.map { T($0) }
        var gradInput = [T](repeating: 0, count: input.count), gradParameters = [T](repeating: 0, count: model.parameterCount)
        r.withPointer { rp in gradInput.withPointer { gi in gradParameters.withPointer {
            model.backward(tape, gradOutput: rp, gradInput: gi, gradParameters: $0)
        } } }
        var result = Result()
        result.output = relativeError(output, fixture.output.values)
        // Relative to Σ|output ⊙ R|: the loss is a sum with cancellation, so |L| is no scale.
        let magnitude = zip(output, r).map { abs($0.double * $1.double) }.reduce(0, +)
        result.loss = abs(dot(output, r) - fixture.loss.value) / magnitude
        result.gradInput = relativeError(gradInput, fixture.grad_input.values)
        for t in fixture.grad_params {
            let mine = model.parameterTensor(named: hensName(t.name))!
            let values = t.values.indices.map { gradParameters[mine.offset + hensIndex(t, $0)] }
            result.gradParameters[t.name] = relativeError(values, t.values)
        }
        return result
    }

    func testFloat64MatchesTorchHarmonics() throws {
        let r = try Self.compare(Double.self)
        print("parity float64: output \(r.output), loss \(r.loss), ∂input \(r.gradInput), worst ∂parameter \(r.worstParameter)")
        XCTAssertLessThan(r.output, 1e-12)
        XCTAssertLessThan(r.loss, 1e-12)
        XCTAssertLessThan(r.gradInput, 1e-12)
        for (name, e) in r.gradParameters { XCTAssertLessThan(e, 1e-12, name) }
    }

    func testFloat32MatchesTorchHarmonics() throws {
        let r = try Self.compare(Float.self)
        print("parity float32: output \(r.output), loss \(r.loss), ∂input \(r.gradInput), worst ∂parameter \(r.worstParameter) "
              + "(\(r.gradParameters.max { $0.value < $1.value }!.key))")
        XCTAssertLessThan(r.output, 1e-5)
        XCTAssertLessThan(r.loss, 1e-5)
        XCTAssertLessThan(r.gradInput, 1e-5)
        for (name, e) in r.gradParameters { XCTAssertLessThan(e, 1e-5, name) }
    }

    /// The mapping itself: a spectral weight element lands where the contraction reads it.
    func testSpectralIndexMapping() {
        let t = Tensor(name: "w", shape: [3, 2, 4], complex: true, values: [])
        // torch (o=2, i=1, l=3, im) → hens (l=3, o=2, i=1, im)
        let k = ((2 * 2 + 1) * 4 + 3) * 2 + 1
        XCTAssertEqual(Self.hensIndex(t, k), ((3 * 3 + 2) * 2 + 1) * 2 + 1)
    }
}
