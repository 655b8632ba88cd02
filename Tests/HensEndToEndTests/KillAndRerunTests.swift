import Foundation
import HensTestSupport
import XCTest

/// SIGKILL at any moment, then the identical command again, ends with the outputs of an
/// uninterrupted run, for every long stage: generate, ingest, train (--resume), forecast,
/// mclimate, evaluate and report (README "Determinism contract", point 1: the resume point after
/// an interruption changes nothing).
///
/// Each stage runs a tiny but real job once as the reference and measures its wall time T; then,
/// for each kill plan, runs the same command, SIGKILLs it after fixed fractions of T (a plan with
/// two fractions kills the rerun too), runs it once more to completion and compares every file
/// with the reference. Every run uses the same output path, because outputs may record their own
/// path (ingest's `config` attribute); finished results are moved aside for comparison. What is
/// left beside the output counts too: no temporary file, staging folder, part or lock may remain.
final class KillAndRerunTests: XCTestCase {
    override func setUpWithError() throws {
        try HensProcess.requireExecutable()
        guard ReproducibilityTests.ncdump != nil else { throw XCTSkip("ncdump not found (Debian netcdf-bin, installed by make deps)") }
    }

    // MARK: The stages

    func testGenerate() throws {
        // Decoded comparison: HDF5 places a file's chunks in the order the threads finish the
        // fields, so two uninterrupted runs differ in bytes too; the contract is on the values.
        try checkKillAndRerun("generate swe", output: "dataset", netCDF: .decoded(ignoring: [])) { out in
            ["generate", "swe", "--config", "configs/swe-small.yaml", "--out", out,
             "--splits", "train=2,valid=1,test=1,climate=1", "--trajectory-length", "12h"]
        }
    }

    func testIngest() throws {
        // Bytes: one thread writes each file in a fixed order, with no time stamp. Onto a 0.5° grid,
        // so that the run lasts long enough (a few tenths of a second) to be killed while writing.
        try checkKillAndRerun("ingest", output: "dataset") { out in
            ["ingest", "--config", "configs/era5-sample.yaml", "--grid", "equiangular:361x720", "--regrid", "bilinear", "--out", out]
        }
    }

    func testTrainResume() throws {
        let fixture = try Self.fixture.get()
        // Decoded comparison of the checkpoint, without `created` (the time it was written) and
        // `sha256`, whose checksum covers `created`; metrics.jsonl without its timings.
        try checkKillAndRerun("train --resume", output: "checkpoints", netCDF: .decoded(ignoring: ["created", "sha256"]),
                              plans: [[0.25], [0.5], [0.8], [0.4, 0.4]]) { out in
            ["train", "--dataset", fixture.dataset, "--model", fixture.model, "--config", fixture.training, "--out", out,
             "--resume", "--epochs", "5", "--samples-per-epoch", "12", "--test-samples", "2"]
        }
    }

    func testForecast() throws {
        let fixture = try Self.fixture.get()
        try checkKillAndRerun("forecast", output: "forecast", plans: [[0.25], [0.5], [0.8], [0.4, 0.4]]) { out in
            ["forecast", "--config", fixture.forecastConfig, "--out", out]
        }
    }

    func testModelClimate() throws {
        let fixture = try Self.fixture.get()
        try checkKillAndRerun("mclimate", output: "mclimate.nc") { out in
            ["mclimate", "--config", fixture.mclimateConfig, "--out", out]
        }
    }

    func testEvaluate() throws {
        let fixture = try Self.fixture.get()
        try checkKillAndRerun("evaluate", output: "scores") { out in
            fixture.evaluateArguments + ["--out", out]
        }
    }

    func testReport() throws {
        let fixture = try Self.fixture.get()
        try checkKillAndRerun("report", output: "report") { out in
            ["report", "--scores", fixture.scores, "--forecast", fixture.forecast, "--dataset", fixture.dataset,
             "--checkpoints", fixture.checkpoints, "--map-channels", "geopotential", "--spectrum-leads", "1", "--out", out]
        }
    }

    // MARK: Kill, rerun, compare

    /// How NetCDF outputs are compared.
    enum NetCDFComparison {
        /// Byte for byte.
        case bytes
        /// `ncdump -p 9,17` (every Float32 and Float64 value to its last bit) without the named
        /// global attributes.
        case decoded(ignoring: [String])
    }

    /// Names that only an interrupted or unfinished run leaves: temporary files (`.tmp-<pid>`,
    /// Foundation's `.dat.nosync…`), staging and swapped-out folders, forecast parts, summary
    /// states and locks.
    static let leftoverMarkers = [".tmp-", ".dat.nosync", ".old-", ".part-", ".state.nc", ".lock-"]

    /// Runs `arguments(OUT)` uninterrupted, then once per plan: killed after each fraction of the
    /// reference's wall time in turn, then to completion; compares every file under the run folder.
    private func checkKillAndRerun(_ stage: String, output name: String, netCDF: NetCDFComparison = .bytes,
                                   plans: [[Double]] = [[0.25], [0.5], [0.8]], arguments: (String) -> [String]) throws {
        let work = try temporaryFolder("hens-e2e-kill")
        let run = work + "/run", reference = work + "/reference"
        let out = run + "/" + name
        let fm = FileManager.default
        try fm.createDirectory(atPath: run, withIntermediateDirectories: true)
        let clock = Date()
        let first = try HensProcess.run(arguments(out) + ["--quiet"])
        let wallTime = Date().timeIntervalSince(clock)
        XCTAssertEqual(first.status, 0, "\(stage), reference run: \(first.stderr)")
        guard first.status == 0 else { return }
        try fm.moveItem(atPath: run, toPath: reference)
        let expected = try Dictionary(uniqueKeysWithValues: Self.files(under: reference).map { ($0, try normalised(reference + "/" + $0, netCDF: netCDF)) })
        XCTAssertFalse(expected.isEmpty, "\(stage): the reference run wrote nothing")
        var notes: [String] = []
        for plan in plans {
            try fm.createDirectory(atPath: run, withIntermediateDirectories: true)
            var kills: [String] = []
            for fraction in plan {
                let killed = try runKilled(arguments(out) + ["--quiet"], after: fraction * wallTime)
                kills.append(String(format: "%.2f s%@", fraction * wallTime, killed ? "" : " (finished before)"))
            }
            let label = "\(stage), killed at \(kills.joined(separator: " then "))"
            notes.append(kills.joined(separator: " then "))
            let rerun = try HensProcess.run(arguments(out) + ["--quiet"])
            XCTAssertEqual(rerun.status, 0, "\(label): the rerun failed: \(rerun.stderr)")
            let leftovers = try Self.files(under: run).filter { path in Self.leftoverMarkers.contains { path.contains($0) } }
            XCTAssertEqual(leftovers, [], "\(label): the rerun left temporary files")
            try assertSameOutputs(expected, run, netCDF: netCDF, label: label)
            try fm.removeItem(atPath: run)
        }
        print(String(format: "kill-and-rerun %@: reference %.2f s; killed at %@", stage, wallTime, notes.joined(separator: "; ")))
    }

    /// Starts hens, sends SIGKILL after `seconds` unless it has ended, and waits for it.
    /// - Returns: whether the kill interrupted it.
    private func runKilled(_ arguments: [String], after seconds: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HensProcess.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: HensProcess.packageRoot)
        var environment = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "HENS_BLAS_KERNEL", "HENS_BLAS_REEXEC"] { environment.removeValue(forKey: key) }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
    }

    /// Every file under `folder` (hidden ones included), relative and sorted.
    static func files(under folder: String) throws -> [String] {
        guard let e = FileManager.default.enumerator(atPath: folder) else { return [] }
        return e.compactMap { $0 as? String }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    /// The files under `run` are those of `expected` (relative path → contents as `normalised`
    /// reads them), with the same contents.
    private func assertSameOutputs(_ expected: [String: Data], _ run: String, netCDF: NetCDFComparison, label: String) throws {
        XCTAssertEqual(try Self.files(under: run), expected.keys.sorted(), "\(label): other files than the uninterrupted run")
        for (file, contents) in expected.sorted(by: { $0.key < $1.key }) where FileManager.default.fileExists(atPath: run + "/" + file) {
            XCTAssertTrue(try normalised(run + "/" + file, netCDF: netCDF) == contents, "\(label): \(file) differs from the uninterrupted run")
        }
    }

    /// A file's contents as compared: NetCDF as `netCDF` says; JSON and JSON lines without the
    /// fields that are timings by design; the report's page without the line saying when it was
    /// made; everything else (CSV, SVG, PNG, gnuplot scripts) byte for byte.
    private func normalised(_ path: String, netCDF: NetCDFComparison) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        switch (path as NSString).pathExtension {
        case "nc":
            guard case let .decoded(ignoring) = netCDF else { return data }
            let r = try HensProcess.run(["-p", "9,17", path], executable: ReproducibilityTests.ncdump!)
            guard r.status == 0 else { throw NSError(domain: "ncdump", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "\(path): \(r.stderr)"]) }
            let kept = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
                !ignoring.contains { line.trimmingCharacters(in: .whitespaces).hasPrefix(":\($0) =") }
            }
            // The first line names the file (`netcdf train {`), the same in both folders.
            return Data(kept.joined(separator: "\n").utf8)
        case "json":
            return try Self.canonicalJSON(data)
        case "jsonl":
            return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try Self.canonicalJSON(Data($0.utf8)) }.reduce(Data(), +)
        case "html":
            let text = String(decoding: data, as: UTF8.self)
            return Data(text.replacingOccurrences(of: #"Made by hens report on [0-9T:Z-]+\."#, with: "", options: .regularExpression).utf8)
        default:
            return data
        }
    }

    /// Fields of metrics.jsonl that measure time, different in every run by design.
    static let timingFields: Set<String> = ["train_seconds", "validation_seconds", "samples_per_second"]

    /// JSON re-encoded with sorted keys and without `timingFields`.
    private static func canonicalJSON(_ data: Data) throws -> Data {
        try JSONSerialization.data(withJSONObject: withoutTimings(try JSONSerialization.jsonObject(with: data)), options: [.sortedKeys])
    }

    private static func withoutTimings(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            return object.filter { !timingFields.contains($0.key) }.mapValues(withoutTimings)
        }
        if let array = value as? [Any] { return array.map(withoutTimings) }
        return value
    }

    // MARK: Shared inputs

    /// Inputs of the later stages, made once per test process: a small shallow-water dataset, a
    /// 1-epoch checkpoint of a small SFNO, its skill table, a forecast (2 initial times × 9
    /// members × 4 steps, batches of 2), a model climate and the forecast's scores.
    struct Fixture: Sendable {
        let root: String
        var dataset: String { root + "/dataset" }
        var model: String { root + "/model.yaml" }
        var training: String { root + "/train.yaml" }
        var checkpoints: String { root + "/checkpoints" }
        var forecastConfig: String { root + "/forecast.yaml" }
        var mclimateConfig: String { root + "/mclimate.yaml" }
        var forecast: String { root + "/forecast" }
        var mclimate: String { root + "/mclimate.nc" }
        var scores: String { root + "/scores" }
        var evaluateArguments: [String] {
            ["evaluate", "--forecast", forecast, "--dataset", dataset, "--mclimate", mclimate, "--bootstrap-sizes", "2,4",
             "--bootstrap-replicates", "10", "--events", "p90", "--tails", "p95", "--spectrum-members", "2"]
        }

        static func make() throws -> Fixture {
            let f = Fixture(root: SharedTemporaryFolder.unique("kill-and-rerun"))
            try FileManager.default.createDirectory(atPath: f.root, withIntermediateDirectories: true)
            let forecastKeys = """
                checkpoints: [checkpoints/seed-1/checkpoint.nc]
                dataset: dataset
                skill: skill.json
                skill_lead: 2h
                pairing: pairs
                perturbation: bred-vector
                breeding_cycles: 1
                output_every: 1
                steps: 4
                memory: 1GiB

                """
            let files = [
                f.model: """
                    variant: makani
                    grid: legendre-gauss
                    nlat: 64
                    nlon: 128
                    scale_factor: 2
                    embed_dim: 16
                    layers: 2
                    mlp_ratio: 2
                    big_skip: true
                    pos_embed: none
                    normalization: instance

                    """,
                f.training: """
                    epochs: 1
                    batch_size: 2
                    lr: 2e-3
                    min_lr: 1e-5
                    schedule: cosine
                    warmup_steps: 2
                    grad_clip: 32
                    loss: absolute
                    samples_per_epoch: 4
                    validation_leads: 2
                    validation_samples: 2
                    seeds: [1]

                    """,
                f.forecastConfig: forecastKeys + """
                    init: test
                    init_count: 2
                    members: 9
                    control: once
                    seed: 1
                    channels: [geopotential, vorticity, divergence, wind_speed]
                    thresholds: {wind_speed: [20]}
                    batch_size: 2

                    """,
                f.mclimateConfig: forecastKeys + """
                    init: climate
                    init_count: 3
                    members: 3
                    control: once
                    seed: 7
                    channels: [geopotential]

                    """,
            ]
            for (path, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
            for arguments in [
                ["generate", "swe", "--config", "configs/swe-small.yaml", "--out", f.dataset, "--splits", "train=2,valid=1,test=1,climate=1",
                 "--trajectory-length", "12h"],
                ["train", "--dataset", f.dataset, "--model", f.model, "--config", f.training, "--out", f.checkpoints, "--test-samples", "2"],
                ["skill", "--checkpoint", f.checkpoints + "/seed-1/checkpoint.nc", "--dataset", f.dataset, "--leads", "2", "--samples", "2",
                 "--out", f.root + "/skill.json"],
                ["forecast", "--config", f.forecastConfig, "--out", f.forecast],
                ["mclimate", "--config", f.mclimateConfig, "--out", f.mclimate],
                f.evaluateArguments + ["--out", f.scores],
            ] {
                let r = try HensProcess.run(arguments + ["--quiet"])
                guard r.status == 0 else {
                    throw NSError(domain: "KillAndRerunTests", code: Int(r.status),
                                  userInfo: [NSLocalizedDescriptionKey: "fixture: hens \(arguments.joined(separator: " ")): \(r.stderr)"])
                }
            }
            return f
        }
    }

    /// Built on first use, shared by every test of the class.
    static let fixture = Result { try Fixture.make() }
}
