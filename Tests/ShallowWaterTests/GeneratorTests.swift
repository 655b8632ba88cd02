import XCTest
import Config
import DatasetIO
import HensCore
@testable import ShallowWater
import HensTestSupport

final class GeneratorTests: XCTestCase {
    let yaml = """
    grid: legendre-gauss
    nlat: 16
    nlon: 32
    dt: 600s
    dt_out: 1h
    spinup: 2h
    trajectory_length: 3h
    seed: 11
    splits: {train: 3, valid: 1, test: 1}
    channels: [geopotential, vorticity, divergence, u, v, h]
    """

    /// A path inside a per-test temporary folder; the generator creates it.
    func folder() throws -> String { try temporaryFolder("hens-gen") + "/dataset" }

    func generate(_ yaml: String, into out: String, threads: Int = 2) throws {
        // The thread count is process-wide: put the previous one back for the tests that follow.
        let previous = Parallel.threadCount
        Parallel.configure(threads: threads)
        defer { Parallel.configure(threads: previous) }
        var doc = try ConfigDocument(yaml: yaml, source: "test.yaml")
        let config = try SWEDatasetConfig(&doc)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try SWEDatasetWriter(config: config, solver: config.makeSolver(), folder: out)
            .write(progress: ProgressReporter("test", total: 1, unit: "steps", quiet: true))
    }

    /// Every field of every split, decoded.
    func contents(_ out: String) throws -> [String: [Float]] {
        var all: [String: [Float]] = [:]
        for split in ["train", "valid", "test"] {
            let r = try DatasetSplitReader(path: DatasetLayout.splitPath(out, split))
            for c in r.channels.indices {
                var values: [Float] = []
                for t in 0..<r.trajectoryCount { for i in 0..<r.timeCount { values += try r.read(channel: c, trajectory: t, timeIndex: i) } }
                all["\(split)/\(r.channels[c].name)"] = values
            }
        }
        return all
    }

    func testDatasetLayoutMetadataAndStatistics() throws {
        let out = try folder()
        try generate(yaml, into: out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: DatasetLayout.splitPath(out, "climate")), "empty split: no file")
        let train = try DatasetSplitReader(path: DatasetLayout.splitPath(out, "train"))
        XCTAssertEqual(train.channels.map(\.name), ["geopotential", "vorticity", "divergence", "u", "v", "h"])
        XCTAssertEqual(train.channels[0].units, "m2 s-2")
        XCTAssertEqual(train.channels[3].standardName, "eastward_wind")
        XCTAssertEqual(train.trajectoryCount, 3)
        XCTAssertEqual(train.times, [0, 1, 2, 3])
        XCTAssertEqual(train.latitudes.count, 16)
        XCTAssertGreaterThan(train.latitudes[0], train.latitudes[15])
        XCTAssertEqual(train.attributes["generator"], "hens generate swe")
        XCTAssertEqual(train.attributes["seed"], "11")
        XCTAssertNotNil(train.attributes["config"])
        // h = Φ/g and the mean depth is h_avg.
        let phi = try train.read(channel: 0, trajectory: 1, timeIndex: 2), h = try train.read(channel: 5, trajectory: 1, timeIndex: 2)
        XCTAssertEqual(Double(h[37]), Double(phi[37]) / 9.80616, accuracy: 1e-3)
        let stats = try DatasetStatistics.read(from: DatasetLayout.statsPath(out))
        XCTAssertEqual(stats.channels, train.channels.map(\.name))
        XCTAssertEqual(stats.mean[5], 10_000, accuracy: 5)           // mean depth
        XCTAssertEqual(stats.mean[0], 98_061.6, accuracy: 50)         // g·h_avg
        XCTAssertGreaterThan(stats.std[1], 1e-6); XCTAssertLessThan(stats.std[1], 1e-4) // vorticity ~1e-5 s⁻¹
        XCTAssertGreaterThan(stats.tendencyStd[0], 0)
        XCTAssertLessThan(stats.tendencyStd[0], stats.std[0] * 2)
        // Different splits come from different seeds.
        let valid = try DatasetSplitReader(path: DatasetLayout.splitPath(out, "valid"))
        XCTAssertNotEqual(try valid.read(channel: 1, trajectory: 0, timeIndex: 0), try train.read(channel: 1, trajectory: 0, timeIndex: 0))
    }

    /// Same seed → identical decoded contents, whatever the thread count; another seed differs.
    func testReproducible() throws {
        let a = try folder(), b = try folder(), c = try folder()
        try generate(yaml, into: a, threads: 2)
        try generate(yaml, into: b, threads: 1)
        // Determinism contract (A): the thread count never changes the data set's bits.
        XCTAssertEqual(try contents(a), try contents(b))
        try generate(yaml.replacingOccurrences(of: "seed: 11", with: "seed: 12"), into: c)
        XCTAssertNotEqual(try contents(a)["train/vorticity"], try contents(c)["train/vorticity"])
    }

    /// The AB3 history runs on across outputs: the dataset equals one uninterrupted integration.
    func testTrajectoryIsOneContinuousIntegration() throws {
        var doc = try ConfigDocument(yaml: yaml, source: "test.yaml")
        let config = try SWEDatasetConfig(&doc)
        let solver = try config.makeSolver()
        var outputs: [[Float]] = []
        try TrajectoryGenerator(config: config, solver: solver).run(split: "test", index: 0, emit: { _, fields in outputs.append(fields[1]) })
        var state = config.initialCondition(split: "test", index: 0).state(for: solver)
        var integrator = AdamsBashforth3()
        integrator.advance(&state, steps: config.spinupSteps + 3 * config.stepsPerOutput, solver: solver)
        XCTAssertEqual(outputs.last, solver.gridFields(state).vorticity.map(Float.init))
    }

    /// A bad configuration writes nothing at all.
    func testBadConfigurationLeavesNoOutput() throws {
        let out = try folder()
        XCTAssertThrowsError(try generate(yaml.replacingOccurrences(of: "dt: 600s", with: "dt: -1"), into: out))
        XCTAssertThrowsError(try generate(yaml.replacingOccurrences(of: "splits: {train: 3, valid: 1, test: 1}", with: "splits: {valid: 1}"), into: out))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        XCTAssertEqual(files, [])
    }
}
