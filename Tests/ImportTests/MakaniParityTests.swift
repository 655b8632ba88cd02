import DatasetIO
import Foundation
import HensCore
import HensTestSupport
import ModelImport
import SFNO
import XCTest

/// Parity with makani's own code (`Fixtures/makani`, made by `scripts/makani-fixture.py`, see
/// its README): a reduced HENS SFNO (8 channels, 33×64 equiangular, embed 32, 2 layers, 16
/// grid frequencies, zenith, orography, land mask) with random weights, saved by makani in the
/// current layout and by the HENS fork in the old one, and makani's outputs through each
/// package's own time stepping. hens imports each package and must reproduce them.
///
/// Tolerances (Float32 throughout on both sides; transforms, GEMMs and sums are ordered
/// differently, so bit equality is not expected):
/// - network input: 2e-6 absolute (the zenith channel: hens evaluates makani's Float32 formula;
///   makani's two versions of it differ by 8.6e-7 between themselves);
/// - network output after one step: 1e-5 × the largest |value| of each channel;
/// - physical output after 1 step: 1e-5 relative (max |Δ| / max |reference| per channel), after
///   4 autoregressive steps 1e-4.
final class MakaniParityTests: XCTestCase {
    /// Each input form: what is imported, and the layout whose references it must reproduce.
    static let inputs = [("hens-fork", "hens-fork"), ("makani", "makani"), ("hens-fork/model.safetensors", "hens-fork")]
    static let initialTime = 1_686_787_200.0  // 2023-06-15T00:00:00Z
    static let stepSeconds = 6 * 3600.0

    static func fixture(_ path: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("Fixtures are not in the test bundle")
        }
        return url.path + "/makani/" + path
    }

    /// Imports one input and returns the model, its checkpoint header and the import's summary.
    func importModel(_ input: String) throws -> (model: SFNOModel<Float>, header: Checkpoint, summary: CheckpointImport.Summary) {
        let out = try temporaryFolder("makani-parity") + "/model.nc"
        let summary = try CheckpointImport.run(try ModelPackage(input: try Self.fixture(input)), output: out)
        let reader = try CheckpointReader(path: out)
        defer { reader.close() }
        return (try reader.makeModel(), reader.header, summary)
    }

    /// The network input for a physical state at `time`: normalised state, then step inputs.
    static func networkInput(state: [Float], header: Checkpoint, time: Double) -> [Float] {
        let fields = header.stepInputFields!
        let n = fields.fieldCount, c = header.channels.count
        var input = [Float](repeating: 0, count: (c + fields.channelCount) * n)
        for k in 0..<c {
            let mean = Float(header.statistics.mean[k]), std = Float(header.statistics.std[k])
            for p in 0..<n { input[k * n + p] = (state[k * n + p] - mean) / std }
        }
        input.withUnsafeMutableBufferPointer { fields.fill(validTime: time, into: $0.baseAddress! + c * n) }
        return input
    }

    static func forward(_ model: SFNOModel<Float>, _ input: [Float]) -> [Float] {
        var output = [Float](repeating: 0, count: model.outputChannels * model.fieldCount)
        let workspace = model.makeWorkspace()
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { model.forward(i.baseAddress!, output: $0.baseAddress!, batch: 1, workspace: workspace) }
        }
        return output
    }

    /// max |Δ| / max |reference| per channel, the worst channel.
    static func relativeError(_ mine: [Float], _ reference: [Float], channels: Int) -> Double {
        let n = reference.count / channels
        return (0..<channels).map { k in
            let range = (k * n)..<((k + 1) * n)
            let scale = range.map { Double(abs(reference[$0])) }.max()!
            return range.map { Double(abs(mine[$0] - reference[$0])) }.max()! / scale
        }.max()!
    }

    func testImportedModelsReproduceMakani() throws {
        let state0 = try NPYArray(path: try Self.fixture("input.npy")).floatValues
        for (source, layout) in Self.inputs {
            let (model, header, summary) = try importModel(source)
            XCTAssertEqual(summary.channels, ["u10m", "v10m", "t2m", "sp", "msl", "tcwv", "z500", "t850"])
            XCTAssertEqual(summary.stepInputs.count, 36, layout)
            XCTAssertEqual(model.inputChannels, 44)
            let c = header.channels.count

            let input = Self.networkInput(state: state0, header: header, time: Self.initialTime)
            let referenceInput = try NPYArray(path: try Self.fixture("\(layout)/reference/network_input_step1.npy")).floatValues
            XCTAssertEqual(input.count, referenceInput.count)
            let inputError = zip(input, referenceInput).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(inputError, 2e-6, "\(layout): network input")

            // The network itself, on makani's own input.
            let output = Self.forward(model, referenceInput)
            let referenceOutput = try NPYArray(path: try Self.fixture("\(layout)/reference/network_output_step1.npy")).floatValues
            let networkError = Self.relativeError(output, referenceOutput, channels: c)
            XCTAssertLessThanOrEqual(networkError, 1e-5, "\(layout): network output")

            // The whole step loop, physical in and out.
            var state = state0
            for step in 1...4 {
                let next = Self.forward(model, Self.networkInput(state: state, header: header,
                                                                 time: Self.initialTime + Double(step - 1) * Self.stepSeconds))
                let n = model.fieldCount
                state = (0..<(c * n)).map { i in next[i] * Float(header.statistics.std[i / n]) + Float(header.statistics.mean[i / n]) }
                guard step == 1 || step == 4 else { continue }
                let reference = try NPYArray(path: try Self.fixture("\(layout)/reference/output_step\(step).npy")).floatValues
                let error = Self.relativeError(state, reference, channels: c)
                XCTAssertLessThanOrEqual(error, step == 1 ? 1e-5 : 1e-4, "\(layout): physical output after \(step) step(s)")
                print("makani parity \(source) step \(step): relative error \(error) (network input \(inputError), network \(networkError))")
            }
        }
    }
}
