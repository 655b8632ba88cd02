import DatasetIO
import Foundation
import HensCore
import Spherical
import XCTest
import Config
@testable import Ensemble
import HensTestSupport

/// Forecasts with a stochastic (noise-channel) checkpoint and with model-error forcing: members
/// regenerate bit for bit from their seeds, and the spread grows with the noise amplitude.
final class StochasticForecastTests: XCTestCase {
    private var root = ""
    private var grid: SphericalGrid!
    private var statistics: DatasetStatistics!

    override func setUpWithError() throws {
        root = try temporaryFolder("hens-stochastic")
        (grid, statistics) = try ForecastFixture.writeDataset(
            at: root + "/data",
            splits: [.init(name: "train", trajectories: 1, times: 4), .init(name: "valid", trajectories: 2, times: 6),
                     .init(name: "test", trajectories: 2, times: 8)],
            stepHours: 6, seed: 5)
        try ForecastFixture.writeCheckpoint(to: root + "/stochastic.nc", grid: grid, statistics: statistics, seed: 3, noiseChannels: 2)
        try ForecastFixture.writeCheckpoint(to: root + "/deterministic.nc", grid: grid, statistics: statistics, seed: 4)
    }

    override func tearDownWithError() throws {
        if !root.isEmpty { try? FileManager.default.removeItem(atPath: root) }
    }

    /// 6 members, no initial perturbation: all spread comes from the noise.
    private func forecast(_ extra: String = "", checkpoint: String = "stochastic.nc", out: String,
                          members: String? = nil) throws -> EnsembleForecast {
        let text = """
        checkpoints: [\(checkpoint)]
        dataset: data
        init: test
        members: 6
        control: none
        pairing: independent
        \(extra.contains("perturbation:") ? "" : "perturbation: none")
        seed: 3
        steps: 3
        \(extra.contains("batch_size") ? "" : "batch_size: 4")
        \(extra)
        """
        var doc = try ConfigDocument(yaml: text, source: root + "/forecast.yaml")
        return try EnsembleForecast(config: try ForecastConfig(&doc, baseDirectory: root), output: root + "/" + out,
                                    shard: .single, memberSelection: members, skill: nil)
    }

    /// Every member's fields (all channels and leads) by member index.
    private func members(_ f: EnsembleForecast) throws -> [Int: [Float]] {
        let initial = try f.initialTimes()[0]
        try f.run(initial)
        let reader = try EnsembleShardReader(path: f.paths.members(initLabel: initial.label, shard: f.shard))
        defer { reader.close() }
        var out: [Int: [Float]] = [:]
        for (slot, member) in reader.members.enumerated() {
            out[member.index] = try reader.layout.channels.indices.flatMap { c in
                try reader.layout.leads.indices.flatMap { try reader.read(channel: c, memberSlot: slot, lead: $0) }
            }
        }
        return out
    }

    /// Mean over members and values of the squared deviation from the member mean (last lead included).
    private func spread(_ fields: [Int: [Float]]) -> Double {
        let all = fields.keys.sorted().map { fields[$0]! }
        let count = all[0].count, m = Double(all.count)
        var total = 0.0
        for i in 0..<count {
            let mean = all.reduce(0.0) { $0 + Double($1[i]) } / m
            total += all.reduce(0.0) { $0 + (Double($1[i]) - mean) * (Double($1[i]) - mean) } / m
        }
        return total / Double(count)
    }

    func testStochasticMembersRegenerateBitForBit() throws {
        let full = try members(try forecast(out: "A"))
        XCTAssertEqual(full.keys.sorted(), Array(0..<6))
        XCTAssertTrue(full.values.allSatisfy { $0.allSatisfy(\.isFinite) })
        XCTAssertNotEqual(full[0], full[1], "members draw different noise")
        let alone = try members(try forecast("batch_size: 1", out: "B", members: "4,1"))
        for m in [1, 4] { XCTAssertEqual(alone[m], full[m], "member \(m) regenerated alone, batch size 1") }
        let threads = Parallel.threadCount
        Parallel.configure(threads: threads == 1 ? 2 : 1)
        defer { Parallel.configure(threads: threads) }
        XCTAssertEqual(try members(try forecast(out: "C")), full, "another thread count")
    }

    func testInitHistoryGivesTheBredVectorRunsInitialTimes() throws {
        let amplitudes = statistics.channels.map { "\($0): 1" }.joined(separator: ", ")
        let bred = try forecast("perturbation: bred-vector\nbreeding_cycles: 2\namplitudes: {\(amplitudes)}\ninit_count: 3",
                                checkpoint: "deterministic.nc", out: "bred")
        let plain = try forecast("init_count: 3", out: "plain")
        let aligned = try forecast("init_count: 3\ninit_history: 2", out: "aligned")
        XCTAssertEqual(try aligned.initialTimes().map(\.label), try bred.initialTimes().map(\.label))
        XCTAssertNotEqual(try plain.initialTimes().map(\.label), try bred.initialTimes().map(\.label),
                          "without init_history a run without breeding may start elsewhere")
    }

    func testStochasticCheckpointWithBredVectorsAndInSkillAndModelClimate() throws {
        let amplitudes = statistics.channels.map { "\($0): 1" }.joined(separator: ", ")
        let bred = "perturbation: bred-vector\nbreeding_cycles: 2\namplitudes: {\(amplitudes)}"
        let full = try members(try forecast(bred, out: "bred"))
        XCTAssertEqual(full.keys.sorted(), Array(0..<6))
        XCTAssertTrue(full.values.allSatisfy { $0.allSatisfy(\.isFinite) })
        let alone = try members(try forecast(bred + "\nbatch_size: 1", out: "bred-alone", members: "5"))
        XCTAssertEqual(alone[5], full[5], "bred + noise: a member regenerates alone")

        let skill = try SkillTable.compute(checkpointPath: root + "/stochastic.nc", dataset: root + "/data", samples: 2)
        XCTAssertTrue(skill.rmse.allSatisfy { $0.allSatisfy { $0.isFinite && $0 > 0 } }, "hens skill accepts a stochastic checkpoint")

        var pooled = 0
        let climate = try forecast(out: "climate")
        try climate.rollOut(try climate.initialTimes()[0], members: Array(0..<6)) { batch, _, _ in pooled += batch.count }
        XCTAssertEqual(pooled, 6 * 4, "hens mclimate's in-memory rollout runs a stochastic checkpoint (6 members × 4 leads)")
    }

    func testSpreadGrowsWithTheNoiseScale() throws {
        let spreads = try ["0", "0.5", "1", "2"].map { scale in spread(try members(try forecast("noise_scale: \(scale)", out: "s\(scale)"))) }
        XCTAssertEqual(spreads[0], 0, "noise_scale 0: the noise-free path, identical members")
        for (a, b) in zip(spreads, spreads.dropFirst()) { XCTAssertGreaterThan(b, a, "spread grows with noise_scale: \(spreads)") }
    }

    func testModelErrorForcingSpreadsADeterministicEnsemble() throws {
        let calibration = try ModelErrorCalibration.fit(checkpoints: [root + "/deterministic.nc"], dataset: root + "/data",
                                                        samples: 4, lengthScale: 1.5e6)
        XCTAssertEqual(calibration.split, "valid")
        XCTAssertEqual(calibration.channels, statistics.channels)
        XCTAssertTrue(calibration.sigma.allSatisfy { $0 > 0 && $0.isFinite }, "\(calibration.sigma)")
        try calibration.write(to: root + "/model-error.json")
        XCTAssertEqual(try ModelErrorFile.read(path: root + "/model-error.json"), calibration)

        let plain = spread(try members(try forecast(checkpoint: "deterministic.nc", out: "plain")))
        XCTAssertEqual(plain, 0, "no perturbation, no forcing: identical members")
        let forced = try forecast("model_error: model-error.json", checkpoint: "deterministic.nc", out: "forced")
        let a = try members(forced)
        XCTAssertGreaterThan(spread(a), 0)
        let again = try members(try forecast("model_error: model-error.json\nbatch_size: 1", checkpoint: "deterministic.nc",
                                             out: "again", members: "2,5"))
        for m in [2, 5] { XCTAssertEqual(again[m], a[m], "forced member \(m) regenerated alone") }
        let larger = spread(try members(try forecast("model_error: model-error.json\nmodel_error_scale: 2",
                                                     checkpoint: "deterministic.nc", out: "larger")))
        XCTAssertGreaterThan(larger, spread(a))
        let info = try forced.runInfo(try forced.initialTimes()[0])
        XCTAssertEqual(info.attributes["model_error_split"], "valid")

        // sppt: the step's tendency perturbed by one pattern for all channels.
        var sppt = try ModelErrorCalibration.fit(kind: .sppt, checkpoints: [root + "/deterministic.nc"], dataset: root + "/data",
                                                 samples: 4, lengthScale: 1.5e6)
        XCTAssertEqual(sppt.sigma, [Double](repeating: ModelErrorCalibration.initialSPPTAmplitude, count: sppt.channels.count))
        sppt.sigma = sppt.sigma.map { _ in 0.8 }
        try sppt.write(to: root + "/sppt.json")
        let b = try members(try forecast("model_error: sppt.json", checkpoint: "deterministic.nc", out: "sppt"))
        XCTAssertGreaterThan(spread(b), 0)
        let c = try members(try forecast("model_error: sppt.json\nbatch_size: 1", checkpoint: "deterministic.nc", out: "sppt-1",
                                         members: "3"))
        XCTAssertEqual(c[3], b[3], "sppt-forced member regenerated alone")
        // Forcing a stochastic checkpoint would add noise twice: refused.
        XCTAssertThrowsError(try forecast("model_error: model-error.json", out: "both")) { error in
            XCTAssertTrue("\(error)".contains("model_error: a forcing for deterministic checkpoints"), "\(error)")
        }
    }

    func testCalibrationRefusals() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return "no error"
        }
        XCTAssertTrue(message {
            _ = try ModelErrorCalibration.fit(checkpoints: [root + "/deterministic.nc"], dataset: root + "/data", samples: 1, lengthScale: 1e6)
        }.contains("--samples: at least 2 initial states"))
        XCTAssertTrue(message {
            _ = try ModelErrorCalibration.fit(checkpoints: [root + "/stochastic.nc"], dataset: root + "/data", samples: 4, lengthScale: 1e6)
        }.contains("stochastic.nc: a stochastic checkpoint (noise_channels 2)"))
        // A calibration for another grid or step is refused before anything runs.
        var other = try ModelErrorCalibration.fit(checkpoints: [root + "/deterministic.nc"], dataset: root + "/data",
                                                  samples: 2, lengthScale: 1e6)
        other.nlat += 2
        try other.write(to: root + "/other-grid.json")
        XCTAssertTrue(message {
            _ = try forecast("model_error: other-grid.json", checkpoint: "deterministic.nc", out: "refused")
        }.contains("other-grid.json: made for a \(grid.nlat + 2)×\(grid.nlon) grid"))
        other.nlat -= 2
        other.split = "test"
        try other.write(to: root + "/test-split.json")
        XCTAssertTrue(message {
            _ = try forecast("model_error: test-split.json", checkpoint: "deterministic.nc", out: "refused")
        }.contains("was fitted on the test split"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/refused"))
        let negative = message { _ = try forecast("noise_scale: -1", out: "refused") }
        XCTAssertTrue(negative.contains("key 'noise_scale'") && negative.contains("a factor between 0 and 100, got -1"), negative)
    }
}
