import Foundation
import HensCore
import HensTestSupport
import XCTest

/// Damaged inputs never crash hens: copies of the real data samples and of a small checkpoint,
/// mutated by a seeded generator (bit flips, truncation, header byte edits, dimension lengths
/// swapped), go through `hens inspect`, `hens ingest` and `hens skill`. Every run ends with exit 0
/// or a documented error code (README "Exit codes") and one `hens: error:` line; never a signal,
/// a Swift runtime trap or exit 70. A damaged checkpoint is either refused or (when the damage hit
/// bytes no reader looks at) gives exactly the intact checkpoint's scores.
///
/// `HENS_FUZZ_CASES` changes the number of cases (default 560), `HENS_FUZZ_SEED` the seed,
/// `HENS_FUZZ_LOG=FILE` writes one line per run (case, mutation, exit, message); a failing case
/// keeps its file under `$TMPDIR/hens-fuzz-failures/` and names it.
final class FuzzTests: XCTestCase {
    /// How a copy is damaged.
    enum Mutation: String, CaseIterable {
        case bitFlip = "bit-flip"
        case truncation
        case headerEdit = "header-edit"
        case dimensionSwap = "dimension-swap"
    }

    /// A file to damage: its bytes, the dimension lengths its header holds, and how it is read.
    struct Target: Sendable {
        let name: String
        let bytes: [UInt8]
        let dimensionLengths: [UInt64]
        let isCheckpoint: Bool
        /// NetCDF-3 stores lengths as big-endian 32-bit words; HDF5 as little-endian 64-bit ones.
        var isClassic: Bool { bytes.starts(with: [0x43, 0x44, 0x46]) }
    }

    /// What the runs of all cases produced, gathered from the worker threads.
    final class Tally: @unchecked Sendable {  // unchecked: every access holds `lock`
        private let lock = NSLock()
        private(set) var cases: [Mutation: Int] = [:]
        private(set) var exits: [String: Int] = [:]
        private(set) var failures: [String] = []
        private(set) var harmlessCheckpointMutations = 0
        /// One line per run: case, command, exit and its message (for `HENS_FUZZ_LOG`).
        private(set) var log: [String] = []

        func record(_ mutation: Mutation, exits codes: [String], failures found: [String], harmless: Bool, log lines: [String]) {
            lock.lock()
            defer { lock.unlock() }
            log += lines
            cases[mutation, default: 0] += 1
            for code in codes { exits[code, default: 0] += 1 }
            failures += found
            if harmless { harmlessCheckpointMutations += 1 }
        }
    }

    static let samples = ["era5-eda-newcds.nc", "era5-eda-oldcds.nc", "gfs-2p5deg.nc", "missing-values.nc",
                          "ncep-air-small.nc", "ncep-uwnd-global.nc"]

    /// The files the cases damage and what the intact checkpoint scores: read-only once built,
    /// so the worker threads share it.
    struct Fixture: Sendable {
        let work: String
        let dataset: String
        let targets: [Target]
        /// `hens skill`'s output for the intact checkpoint (`Fixture.scores`).
        let intactSkill: String
    }

    private var fixture: Fixture?

    override func setUpWithError() throws {
        try HensProcess.requireExecutable()
        let work = try temporaryFolder("hens-fuzz")
        let dataset = work + "/dataset"
        let checkpoints = work + "/checkpoints"
        try expectSuccess(["generate", "swe", "--config", "configs/swe-small.yaml", "--out", dataset, "--quiet",
                           "--splits", "train=1,valid=1,test=0,climate=0", "--trajectory-length", "2h"])
        // configs/train-swe-demo.yaml cut to one step of two samples: the checkpoint's layout is
        // what matters here, not its skill.
        let training = try String(contentsOfFile: HensProcess.packageRoot + "/configs/train-swe-demo.yaml", encoding: .utf8)
            .replacingOccurrences(of: "batch_size: 4", with: "batch_size: 2")
            .replacingOccurrences(of: "validation_samples: 4", with: "validation_samples: 1")
            .replacingOccurrences(of: "validation_leads: 12", with: "validation_leads: 1")
        try training.write(toFile: work + "/train.yaml", atomically: true, encoding: .utf8)
        try expectSuccess(["train", "--dataset", dataset, "--model", "configs/model-swe-small.yaml",
                           "--config", work + "/train.yaml", "--out", checkpoints, "--seeds", "1",
                           "--epochs", "1", "--samples-per-epoch", "2", "--test-samples", "1", "--quiet"])
        let checkpoint = checkpoints + "/seed-1/checkpoint.nc"
        try expectSuccess(Fixture.skillArguments(checkpoint, dataset: dataset, out: work + "/skill.json"))
        let intactSkill = try XCTUnwrap(Fixture.scores(work + "/skill.json"))

        let root = HensProcess.packageRoot
        let targets = try Self.samples.map { try target(root + "/data-samples/" + $0, isCheckpoint: false) }
            + [try target(checkpoint, isCheckpoint: true)]
        fixture = Fixture(work: work, dataset: dataset, targets: targets, intactSkill: intactSkill)
    }

    func testDamagedInputsNeverCrashHens() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["HENS_FUZZ_CASES"].flatMap(Int.init) ?? 560
        let seed = environment["HENS_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x4845_4E53_4655_5A5A
        let tally = Tally()
        let next = Counter()
        let fixture = try XCTUnwrap(fixture)
        let clock = Date()
        // Three runs at a time keep both cores busy while one process starts or waits on the disk.
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            while let index = next.take(below: count) {
                fixture.runCase(index, seed: seed, into: tally)
            }
        }
        let seconds = Date().timeIntervalSince(clock)
        let kinds = Mutation.allCases.map { "\($0.rawValue) \(tally.cases[$0] ?? 0)" }.joined(separator: ", ")
        let exits = tally.exits.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        print("fuzz: \(count) cases (seed \(seed)) in \(String(format: "%.0f", seconds)) s: \(kinds); runs by exit: \(exits); "
              + "checkpoint mutations that changed nothing read: \(tally.harmlessCheckpointMutations)")
        if let path = environment["HENS_FUZZ_LOG"] {
            try tally.log.sorted().joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(tally.cases.values.reduce(0, +), count)
        for failure in tally.failures.prefix(30) { XCTFail(failure) }
        if tally.failures.count > 30 { XCTFail("… and \(tally.failures.count - 30) more failures") }
    }

    /// Why a run's ending breaks the contract, or nil when it keeps it.
    static func problem(_ r: HensProcess.Result, file: String) -> String? {
        if r.timedOut { return "still running after 120 s (a hang), killed" }
        if r.killedBySignal { return "killed by signal \(r.status): \(r.stderr.suffix(300))" }
        if r.stderr.contains("Fatal error") { return "Swift runtime trap: \(r.stderr.suffix(300))" }
        if r.stderr.contains("HDF5-DIAG") { return "the HDF5 library's own error stack reached stderr" }
        switch r.status {
        case 0:
            return nil
        case 2, 3, 4:
            guard r.stderrLines.count == 1, r.stderr.hasPrefix("hens: error: ") else {
                return "exit \(r.status) without one `hens: error:` line: \(r.stderr.prefix(600))"
            }
            guard r.stderr.contains(file) else { return "the error does not name the file: \(r.stderr)" }
            return nil
        default:
            return "exit \(r.status): \(r.stderr.prefix(600))"
        }
    }

    // MARK: Mutations

    /// The damaged bytes and a short description of what was done (for failure messages).
    static func mutate(_ target: Target, _ mutation: Mutation, _ random: inout SplitMix64) -> ([UInt8], String) {
        var bytes = target.bytes
        let size = bytes.count
        switch mutation {
        case .bitFlip:
            let flips = Int.random(in: 1...8, using: &random)
            var positions: [Int] = []
            for _ in 0..<flips {
                // Half the flips land in the first 4 KiB, where the headers and HDF5's root
                // metadata are; the rest anywhere.
                let p = Bool.random(using: &random) ? Int.random(in: 0..<min(size, 4096), using: &random) : Int.random(in: 0..<size, using: &random)
                bytes[p] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                positions.append(p)
            }
            return (bytes, "bits flipped at \(positions)")
        case .truncation:
            let length = Bool.random(using: &random) ? Int.random(in: 0..<min(size, 2048), using: &random) : Int.random(in: 0..<size, using: &random)
            return (Array(bytes.prefix(length)), "cut to \(length) of \(size) bytes")
        case .headerEdit:
            let edits = Int.random(in: 1...4, using: &random)
            var changes: [String] = []
            for _ in 0..<edits {
                let p = Int.random(in: 0..<min(size, 1024), using: &random)
                let value: UInt8 = [0x00, 0xFF, 0x7F, 0x80, UInt8.random(in: 0...255, using: &random)].randomElement(using: &random)!
                bytes[p] = value
                changes.append("\(p)=\(value)")
            }
            return (bytes, "bytes set \(changes)")
        case .dimensionSwap:
            return swapDimensions(target, bytes, &random)
        }
    }

    /// Swaps two encoded dimension lengths of different values (or, when the file holds only one
    /// value, sets it to another), as a header with its dimensions mixed up would.
    private static func swapDimensions(_ target: Target, _ bytes: [UInt8], _ random: inout SplitMix64) -> ([UInt8], String) {
        var bytes = bytes
        let width = target.isClassic ? 4 : 8
        func encode(_ value: UInt64) -> [UInt8] {
            let little = (0..<width).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
            return target.isClassic ? little.reversed() : little
        }
        // Where each length appears: the whole header of a NetCDF-3 file, HDF5's metadata anywhere.
        let limit = target.isClassic ? min(bytes.count, 4096) : bytes.count
        var found: [(offset: Int, value: UInt64)] = []
        for value in Set(target.dimensionLengths) where value > 1 {
            let pattern = encode(value)
            var offset = 0
            while offset + width <= limit {
                if bytes[offset] == pattern[0], Array(bytes[offset..<(offset + width)]) == pattern { found.append((offset, value)) }
                offset += 1
            }
        }
        found.sort { $0.offset < $1.offset }
        guard let first = found.randomElement(using: &random) else { return (bytes, "no dimension length found") }
        let others = found.filter { $0.value != first.value }
        if let second = others.randomElement(using: &random) {
            bytes.replaceSubrange(first.offset..<(first.offset + width), with: encode(second.value))
            bytes.replaceSubrange(second.offset..<(second.offset + width), with: encode(first.value))
            return (bytes, "lengths \(first.value)@\(first.offset) and \(second.value)@\(second.offset) swapped")
        }
        let value = [0, 1, first.value * 2, UInt64(UInt32.max)].randomElement(using: &random)!
        bytes.replaceSubrange(first.offset..<(first.offset + width), with: encode(value))
        return (bytes, "length \(first.value)@\(first.offset) set to \(value)")
    }

    // MARK: Fixtures

    private func expectSuccess(_ arguments: [String]) throws {
        let r = try HensProcess.run(arguments)
        guard r.status == 0 else { throw FixtureFailure(message: "hens \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
    }

    /// A target read from disk, its dimension lengths taken from `hens inspect`'s dimensions line.
    private func target(_ path: String, isCheckpoint: Bool) throws -> Target {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let r = try HensProcess.run(["inspect", path])
        XCTAssertEqual(r.status, 0, "the intact \(path) is inspected: \(r.stderr)")
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("dimensions: ") } ?? ""
        let lengths = line.dropFirst("dimensions: ".count).split(separator: ",").compactMap { entry in
            entry.split(separator: "=").last.flatMap { UInt64($0.split(separator: " ").first ?? "") }
        }
        return Target(name: (path as NSString).lastPathComponent, bytes: bytes, dimensionLengths: lengths, isCheckpoint: isCheckpoint)
    }

    /// Copies a failing case's file where it survives the test's clean-up.
    static func keep(_ file: String, _ index: Int) -> String {
        let folder = NSTemporaryDirectory() + "hens-fuzz-failures"
        let kept = folder + "/case-\(index)-" + (file as NSString).lastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: kept)
        try? FileManager.default.copyItem(atPath: file, toPath: kept)
        return kept
    }
}

extension FuzzTests.Fixture {
    /// `hens skill` on one initial state and one lead: the cheapest run that loads every field
    /// of a checkpoint.
    static func skillArguments(_ checkpoint: String, dataset: String, out: String) -> [String] {
        ["skill", "--checkpoint", checkpoint, "--dataset", dataset, "--samples", "1", "--leads", "1", "--out", out,
         "--quiet", "--threads", "1"]
    }

    /// A `skill.json` without the checkpoint's path (which differs between cases), as sorted JSON.
    static func scores(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path),
              var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        object["checkpoint"] = nil
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Damages a copy of one target, runs the commands that read it and records how each ended.
    func runCase(_ index: Int, seed: UInt64, into tally: FuzzTests.Tally) {
        // Each case has its own stream, so a case is reproduced alone whatever ran beside it.
        var random = SplitMix64(seed: SplitMix64.mix(seed ^ UInt64(index)))
        let target = targets[index % targets.count]
        let mutation = FuzzTests.Mutation.allCases[(index / targets.count) % FuzzTests.Mutation.allCases.count]
        let folder = work + "/case-\(index)"
        let file = folder + "/" + target.name
        var failures: [String] = []
        var codes: [String] = []
        var harmless = false
        var log: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let (bytes, what) = FuzzTests.mutate(target, mutation, &random)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let label = "case \(index) (\(target.name), \(mutation.rawValue): \(what))"
            let runs: [[String]] = target.isCheckpoint
                ? [Self.skillArguments(file, dataset: dataset, out: folder + "/skill.json")]
                : [["inspect", file], ["ingest", file, "--out", folder + "/dataset", "--quiet", "--threads", "1"]
                    + (target.name == "ncep-air-small.nc" ? ["--allow-regional"] : [])]
            for arguments in runs {
                // A damaged file can make libhdf5 loop: hens kills its probe after 3 s here, not 30.
                let r = try HensProcess.run(arguments, environment: ["HENS_PROBE_TIMEOUT": "3"], supervision: .init(timeLimit: 120))
                codes.append(r.killedBySignal ? "signal \(r.status)" : "\(r.status)")
                log.append("\(label) \(arguments[0]): \(codes.last!) \(r.stderr.split(separator: "\n").first ?? "")")
                if let problem = FuzzTests.problem(r, file: target.name) {
                    failures.append("\(label): hens \(arguments[0]): \(problem)")
                } else if target.isCheckpoint, r.status == 0 {
                    // Only damage to bytes no reader uses may pass, and then nothing may differ.
                    if Self.scores(folder + "/skill.json") == intactSkill {
                        harmless = true
                    } else {
                        failures.append("\(label): a damaged checkpoint was read and gave other scores")
                    }
                }
            }
            if !failures.isEmpty { failures = failures.map { $0 + " — file kept at " + FuzzTests.keep(file, index) } }
        } catch {
            failures.append("case \(index): \(error)")
        }
        try? FileManager.default.removeItem(atPath: folder)
        tally.record(mutation, exits: codes, failures: failures, harmless: harmless, log: log)
    }
}

/// A fixture command that should have succeeded: fails the test (a skip would hide it).
private struct FixtureFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Hands out case indices to the worker threads.
private final class Counter: @unchecked Sendable {  // unchecked: `value` is only touched under `lock`
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
