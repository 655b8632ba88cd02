import Foundation
import HensTestSupport
import XCTest

/// Runs the fault corpus (`FaultCorpus.cases`) against the built hens, as a user would meet
/// each fault, and prints the case counts per class. Every case must end with its documented
/// exit code and hens' own one-line message naming what is wrong, leave nothing behind (or only
/// resumable state where that is the point), never crash, and stay within its bounds: by
/// default 10 s of wall time and 1 GiB of address space (`prlimit --as`).
///
/// Full-disk cases mount a small tmpfs (CI runs as root); where mounting is not permitted they
/// are reported as skipped, by name, never passed silently.
final class FaultCorpusTests: XCTestCase {
    override func setUpWithError() throws { try HensProcess.requireExecutable() }

    /// What one case gave: the problems found (empty when it passed), or why it was skipped.
    struct Outcome {
        var problems: [String] = []
        var skipped: String?
    }

    func testTheCorpusCoversEveryClassWithAtLeast120Cases() {
        let cases = FaultCorpus.cases
        XCTAssertGreaterThanOrEqual(cases.count, 120)
        for kind in FaultCase.Kind.allCases { XCTAssertTrue(cases.contains { $0.kind == kind }, "no case of class \(kind.rawValue)") }
        let commands = Set(cases.map { $0.command.split(separator: " ").first.map(String.init) ?? "" })
        for command in ["generate", "ingest", "inspect", "train", "skill", "forecast", "merge", "mclimate", "evaluate", "scores", "compare", "report", "check"] {
            XCTAssertTrue(commands.contains(command), "no case runs hens \(command)")
        }
    }

    func testEveryCase() throws {
        let fixture = try PipelineFixture.folder()
        let cases = FaultCorpus.cases
        // Cases that only read run two at a time; full disks and signals, whose timing matters,
        // one at a time afterwards.
        let quick = cases.indices.filter { cases[$0].signal == nil && cases[$0].disk == nil }
        let collected = Outcomes(count: cases.count)
        DispatchQueue.concurrentPerform(iterations: quick.count) { k in
            collected.set(quick[k], Self.run(cases[quick[k]], fixture: fixture))
        }
        for i in cases.indices where !quick.contains(i) { collected.set(i, Self.run(cases[i], fixture: fixture)) }
        let outcomes = collected.all

        var lines: [String] = []
        for kind in FaultCase.Kind.allCases {
            let mine = cases.indices.filter { cases[$0].kind == kind }
            let skipped = mine.filter { outcomes[$0].skipped != nil }.count
            let failed = mine.filter { !outcomes[$0].problems.isEmpty }.count
            lines.append("  \(kind.rawValue): \(mine.count) cases, \(mine.count - skipped - failed) passed, \(failed) failed, \(skipped) skipped")
        }
        print("fault corpus: \(cases.count) cases\n" + lines.joined(separator: "\n"))
        for (c, outcome) in zip(cases, outcomes) {
            if let reason = outcome.skipped { print("fault corpus: skipped [\(c.kind.rawValue)] \(c.command): \(reason)") }
            for problem in outcome.problems { XCTFail("[\(c.kind.rawValue)] hens \(c.command): \(problem)") }
        }
    }

    /// Outcomes filled in by concurrent workers.
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Outcome]
        init(count: Int) { values = Array(repeating: Outcome(), count: count) }
        func set(_ i: Int, _ outcome: Outcome) { lock.withLock { values[i] = outcome } }
        var all: [Outcome] { lock.withLock { values } }
    }

    // MARK: Running one case

    static func run(_ c: FaultCase, fixture: String) -> Outcome {
        var outcome = Outcome()
        let folder = NSTemporaryDirectory() + "hens-fault-\(getpid())-\(UUID().uuidString)"
        let disk = folder + "/disk"
        func substitute(_ text: String) -> String {
            text.replacingOccurrences(of: "CASE", with: folder).replacingOccurrences(of: "DISK", with: disk)
                .replacingOccurrences(of: "FX/", with: fixture + "/")
        }
        func word(_ w: String) -> String {
            w == "OUT" ? folder + "/out" : w == "FX" ? fixture : substitute(w)
        }
        let fm = FileManager.default
        var mounted = false
        defer {
            if mounted { _ = try? HensProcess.run([disk], executable: "/bin/umount") }
            try? fm.removeItem(atPath: folder)
        }
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, text) in c.files {
                let path = folder + "/" + name
                try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(substitute(text).utf8).write(to: URL(fileURLWithPath: path))
            }
            if let size = c.disk {
                try fm.createDirectory(atPath: disk, withIntermediateDirectories: true)
                let mount = try HensProcess.run(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", disk], executable: "/bin/mount")
                guard mount.status == 0 else {
                    outcome.skipped = "cannot mount a \(size) tmpfs here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines))); run as root"
                    return outcome
                }
                mounted = true
            }
            for (source, name) in c.copies {
                try fm.copyItem(atPath: fixture + "/" + source, toPath: (c.disk != nil ? disk : folder) + "/" + name)
            }
            for (name, cut) in c.cuts {
                let data = try Data(contentsOf: URL(fileURLWithPath: HensProcess.packageRoot + "/" + cut.source))
                try data.prefix(Int(Double(data.count) * cut.keep)).write(to: URL(fileURLWithPath: folder + "/" + name))
            }
            if let (name, at) = c.flip {
                var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
                data[Int(Double(data.count) * at)] ^= 0x10
                try data.write(to: URL(fileURLWithPath: folder + "/" + name))
            }
            if let free = c.diskFree { try fill(disk, leaving: free) }
        } catch {
            outcome.problems.append("could not prepare the case: \(error)")
            return outcome
        }

        let before = snapshot(folder)
        let arguments = c.command.split(separator: " ").map { word(String($0)) }
        let result: HensProcess.Result
        do {
            // glibc reserves 64 MiB of address space per malloc arena, up to 8 arenas per core,
            // without using it: two arenas keep the address-space bound about the memory hens
            // uses, the same on 2 cores as on 128.
            result = try HensProcess.run(arguments, environment: ["MALLOC_ARENA_MAX": "2"], in: c.outsideCheckout ? folder : HensProcess.packageRoot,
                                         supervision: .init(signal: c.signal, timeLimit: c.seconds, addressSpace: c.memory))
        } catch {
            outcome.problems.append("could not run: \(error)")
            return outcome
        }
        outcome.problems = check(c, result, mentions: c.mentions.map(substitute), before: before, after: snapshot(folder))
        return outcome
    }

    /// What is wrong with `result` for case `c`.
    static func check(_ c: FaultCase, _ result: HensProcess.Result, mentions: [String], before: [String: Int], after: [String: Int]) -> [String] {
        var problems: [String] = []
        let said = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if result.timedOut { problems.append(String(format: "still running after %.0f s (bound)", c.seconds)) }
        else if result.killedBySignal { problems.append("died of signal \(result.status): \(said)") }
        else if result.status != c.status {
            problems.append(String(format: "exit %d after %.1f s, expected %d: %@", result.status, result.seconds, c.status, said))
        }
        if result.stderr.contains("Fatal error") || result.stdout.contains("Fatal error") { problems.append("crashed: \(said)") }
        if c.status == 64 {
            // The argument parser's own usage error: its message and a usage line.
            if !said.hasPrefix("Error: ") { problems.append("not a usage error: \(said)") }
        } else if result.stderrLines.count != 1 || !said.hasPrefix("hens: error: ") {
            problems.append("not one 'hens: error:' line: \(said)")
        }
        for m in mentions where !said.contains(m) { problems.append("message does not mention '\(m)': \(said)") }
        switch c.leftovers {
        case .nothing, .unchanged:
            let added = after.keys.filter { before[$0] == nil }.sorted(), removed = before.keys.filter { after[$0] == nil }.sorted()
            let changed = before.keys.filter { after[$0] != nil && after[$0] != before[$0] }.sorted()
            if !added.isEmpty || !removed.isEmpty || !changed.isEmpty {
                problems.append("left the case's files changed: added \(added.prefix(5)), removed \(removed.prefix(5)), resized \(changed.prefix(5))")
            }
        case .resumable:
            let temporaries = after.keys.filter { name in [".tmp-", ".lock-", ".old-", ".nosync"].contains { name.contains($0) } }.sorted()
            if !temporaries.isEmpty { problems.append("left temporaries: \(temporaries.prefix(5))") }
        }
        return problems
    }

    /// Every file and folder under `folder` (relative path → size; -1 for folders).
    static func snapshot(_ folder: String) -> [String: Int] {
        var entries: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return entries }
        while let name = walker.nextObject() as? String {
            let attributes = walker.fileAttributes
            let isFolder = attributes?[.type] as? FileAttributeType == .typeDirectory
            entries[name] = isFolder ? -1 : (attributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        return entries
    }

    /// Fills the file system of `folder` until only `free` bytes are left.
    static func fill(_ folder: String, leaving free: Int) throws {
        var facts = statvfs()
        guard statvfs(folder, &facts) == 0 else { return }
        let available = Int(facts.f_bavail) * Int(facts.f_frsize)
        guard available > free else { return }
        let filler = folder + "/.filler"
        guard FileManager.default.createFile(atPath: filler, contents: nil) else { return }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(count: 4096)
        for _ in 0..<((available - free) / 4096) { try handle.write(contentsOf: chunk) }
    }
}
