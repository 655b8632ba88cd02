import DatasetIO
import Foundation
import HensCore
import Spherical
import XCTest
import Config
@testable import Ensemble
import HensTestSupport

/// `hens forecast` end to end on a tiny data set with two tiny random-weight SFNO checkpoints:
/// regenerated members, ± pairs, shards versus one process, resume after a kill, summary memory,
/// refused inputs and the dry run.
final class ForecastRunTests: XCTestCase {
    private var root = ""
    private var grid: SphericalGrid!
    private var statistics: DatasetStatistics!

    override func setUpWithError() throws {
        root = try temporaryFolder("hens-forecast")
        // test: 2 trajectories × 12 times (initial states need 2 earlier and 3 later analyses);
        // valid is too short for breeding 2 cycles plus 3 steps.
        (grid, statistics) = try ForecastFixture.writeDataset(
            at: root + "/data",
            splits: [.init(name: "train", trajectories: 1, times: 4), .init(name: "valid", trajectories: 1, times: 4),
                     .init(name: "test", trajectories: 2, times: 12)],
            stepHours: 6, seed: 11)
        try ForecastFixture.writeCheckpoint(to: root + "/ck-1.nc", grid: grid, statistics: statistics, seed: 1)
        try ForecastFixture.writeCheckpoint(to: root + "/ck-2.nc", grid: grid, statistics: statistics, seed: 2)
    }

    override func tearDownWithError() throws {
        if !root.isEmpty {
            // A test may have left a read-only folder behind.
            _ = chmod(root + "/readonly", 0o755)
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    // MARK: Helpers

    /// The default test configuration: 9 members = 1 control + 2 checkpoints × 2 ± pairs, bred
    /// vectors (2 cycles), 3 steps, batches of 4; `overrides` replace or add keys, `nil` removes one.
    private func configText(_ overrides: [String: String?] = [:]) -> String {
        var keys: [(String, String)] = [
            ("checkpoints", "[ck-1.nc, ck-2.nc]"),
            ("dataset", "data"),
            ("init", "test"),
            ("init_count", "1"),
            ("members", "9"),
            ("control", "once"),
            ("pairing", "pairs"),
            ("perturbation", "bred-vector"),
            ("seed", "7"),
            ("steps", "3"),
            ("output_every", "1"),
            ("breeding_cycles", "2"),
            ("band_latitude", "20"),
            ("amplitudes", "{geopotential: 1.5, vorticity: 0.2}"),
            ("seed_channels", "[geopotential]"),
            ("length_scale", "1500km"),
            ("thresholds", "{geopotential: [10, 13], vorticity: [-2]}"),
            ("write_members", "true"),
            ("deflate_level", "1"),
            ("batch_size", "4"),
        ]
        for (key, value) in overrides {
            if let i = keys.firstIndex(where: { $0.0 == key }) {
                if let value { keys[i].1 = value } else { keys.remove(at: i) }
            } else if let value {
                keys.append((key, value))
            }
        }
        return keys.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
    }

    private func config(_ overrides: [String: String?] = [:]) throws -> ForecastConfig {
        var doc = try ConfigDocument(yaml: configText(overrides), source: root + "/forecast.yaml")
        return try ForecastConfig(&doc, baseDirectory: root)
    }

    private func forecast(_ overrides: [String: String?] = [:], out: String, shard: ShardSpec = .single,
                          members: String? = nil) throws -> EnsembleForecast {
        try EnsembleForecast(config: try config(overrides), output: root + "/" + out, shard: shard, memberSelection: members,
                             skill: nil)
    }

    /// Runs the (only) initial time of `forecast`; returns it with the result.
    @discardableResult
    private func run(_ forecast: EnsembleForecast) throws -> (InitialTime, ShardRunResult) {
        let initial = try forecast.initialTimes()
        XCTAssertEqual(initial.count, 1)
        return (initial[0], try forecast.run(initial[0]))
    }

    private func membersPath(_ forecast: EnsembleForecast, _ initial: InitialTime) -> String {
        forecast.paths.members(initLabel: initial.label, shard: forecast.shard)
    }

    /// Every member's fields of a member file, by member index: all channels and leads, in order.
    private func memberFields(_ path: String) throws -> [Int: [Float]] {
        let reader = try EnsembleShardReader(path: path)
        defer { reader.close() }
        var out: [Int: [Float]] = [:]
        for (slot, member) in reader.members.enumerated() {
            XCTAssertNil(out[member.index], "\(path): member \(member.index) twice")
            var values: [Float] = []
            for c in reader.layout.channels.indices {
                for lead in reader.layout.leads.indices {
                    values += try reader.read(channel: c, memberSlot: slot, lead: lead)
                }
            }
            out[member.index] = values
        }
        return out
    }

    /// Largest |a − b| relative to the largest |a|.
    private func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        XCTAssertEqual(a.count, b.count)
        let scale = a.map { Double(abs($0)) }.max() ?? 0
        let worst = zip(a, b).map { Double(abs($0 - $1)) }.max() ?? 0
        return scale > 0 ? worst / scale : worst
    }

    private func error(_ body: () throws -> Void) -> HensError? {
        do { try body() } catch let e as HensError { return e } catch {
            XCTFail("not a HensError: \(error)")
            return nil
        }
        XCTFail("no error thrown")
        return nil
    }

    // MARK: 1. Regenerated members

    func testRegeneratedMembersEqualFullRun() throws {
        let full = try forecast(out: "A")
        let (initial, result) = try run(full)
        XCTAssertEqual(result.members, 9)
        XCTAssertEqual(try full.batchPlan(initial).batches, [[0, 1, 2, 3], [4], [5, 6, 7, 8]])
        let a = try memberFields(membersPath(full, initial))
        XCTAssertEqual(a.keys.sorted(), Array(0..<9))
        XCTAssertTrue(a.values.allSatisfy { $0.allSatisfy(\.isFinite) }, "a tiny random SFNO stays finite over 3 steps")

        // --members 3,6: one member of each checkpoint, each alone in its batch.
        let some = try forecast(out: "B", members: "3,6")
        XCTAssertEqual(try some.batchPlan(initial).batches, [[3], [6]])
        try run(some)
        let b = try memberFields(membersPath(some, initial))
        XCTAssertEqual(b.keys.sorted(), [3, 6])
        // Determinism contract (A): which members are regenerated never changes a member's bits.
        for m in [3, 6] { XCTAssertEqual(b[m], a[m], "member \(m) regenerated alone is bit-identical") }
        XCTAssertNotEqual(a[3], a[6])
        let summaryB = try EnsembleSummaryFile.read(path: some.paths.mergedSummary(initLabel: initial.label))
        XCTAssertEqual(summaryB.memberIndices, [3, 6])
        XCTAssertEqual(summaryB.arrays.count.first, 2)

        // Determinism contract (A): the forecast batch size never changes a member's bits (the
        // SFNO runs the members of a batch one after another through kernels of the same shape),
        // so batches of one must be bit-identical to batches of four.
        let single = try forecast(["batch_size": "1"], out: "C")
        XCTAssertEqual(try single.batchPlan(initial).batches.count, 9)
        try run(single)
        let c = try memberFields(membersPath(single, initial))
        XCTAssertEqual(c.keys.sorted(), Array(0..<9))
        for m in 0..<9 {
            XCTAssertEqual(c[m], a[m], "member \(m): batch size 1 vs 4 bit-identical")
        }
    }

    // MARK: 2. ± pairs

    func testPairsAreCentredOnTheAnalysis() throws {
        let f = try forecast(["steps": "1"], out: "A")
        let (initial, _) = try run(f)
        let layout = try f.memberLayout(initial)
        XCTAssertEqual(layout.member(0).sign, 0)
        XCTAssertEqual(layout.member(1).sign, 1)
        XCTAssertEqual(layout.member(2).sign, -1)
        XCTAssertEqual(layout.member(1).pair, layout.member(2).pair)

        let reader = try EnsembleShardReader(path: membersPath(f, initial))
        defer { reader.close() }
        func slot(_ index: Int) throws -> Int { try XCTUnwrap(reader.members.firstIndex { $0.index == index }) }
        let (control, plus, minus) = (try slot(0), try slot(1), try slot(2))
        XCTAssertEqual(reader.members[control].sign, 0)
        XCTAssertEqual(reader.members[plus].sign, 1)
        XCTAssertEqual(reader.members[minus].sign, -1)
        XCTAssertEqual(reader.members[plus].seed, reader.members[minus].seed)
        XCTAssertEqual(reader.members[plus].seed, layout.member(1).seed)

        let analysis = try f.archive.state(at: initial.location, channels: f.models[0].channels)
        let n = f.archive.fieldCount
        let tau = [1.5, 0.2]
        for (c, name) in reader.layout.channels.map(\.name).enumerated() {
            XCTAssertEqual(name, f.models[0].channels[c])
            let a = Array(analysis[(c * n)..<((c + 1) * n)])
            let x0 = try reader.read(channel: c, memberSlot: control, lead: 0)
            let xp = try reader.read(channel: c, memberSlot: plus, lead: 0)
            let xm = try reader.read(channel: c, memberSlot: minus, lead: 0)
            XCTAssertLessThanOrEqual(relativeDifference(a, x0), 1e-5, "\(name): the control starts from the analysis")
            let centre = zip(xp, xm).map { ($0 + $1) / 2 }
            XCTAssertLessThanOrEqual(relativeDifference(x0, centre), 1e-5, "\(name): (x₊ + x₋)/2 is the analysis")
            let dx = zip(xp, x0).map { Double($0 - $1) }
            let rms = (dx.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
            XCTAssertGreaterThan(rms, 0, "\(name): x₊ differs from the analysis")
            // The bred vector is rescaled to τ per hemisphere: its size is τ's order.
            XCTAssertGreaterThan(rms, 0.1 * tau[c], name)
            XCTAssertLessThan(rms, 10 * tau[c], name)
        }
    }

    // MARK: 3. Shards

    func testShardsMergeToTheSingleProcessSummary() throws {
        let single = try forecast(out: "one")
        let (initial, _) = try run(single)
        let reference = try EnsembleSummaryFile.read(path: single.paths.mergedSummary(initLabel: initial.label))
        let singleMembers = try memberFields(membersPath(single, initial))

        var parts: [(path: String, contents: EnsembleSummaryFile.Contents)] = []
        var owners: [Int] = []
        for k in 0..<3 {
            let shard = try forecast(out: "sharded", shard: try ShardSpec(index: k, count: 3))
            let result = try shard.run(initial)
            XCTAssertEqual(result.members, 3)
            let path = shard.paths.shardSummary(initLabel: initial.label, shard: shard.shard)
            XCTAssertTrue(path.hasSuffix("summary-shard-\(k)-of-3.nc"), path)
            parts.append((path, try EnsembleSummaryFile.read(path: path)))
            let members = try memberFields(membersPath(shard, initial))
            owners += members.keys
            // Determinism contract (A): the shard split never changes a member's bits.
            for (m, fields) in members { XCTAssertEqual(fields, singleMembers[m], "member \(m) in shard \(k)/3") }
        }
        XCTAssertEqual(owners.sorted(), Array(0..<9), "the shards' member files hold every member exactly once")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/sharded/\(initial.label)/summary.nc"),
                       "only a single-shard run writes summary.nc")

        let merged = try SummaryMerge.merge(parts)
        XCTAssertEqual(merged.memberIndices, reference.memberIndices)
        XCTAssertEqual(merged.memberIndices, Array(0..<9))
        XCTAssertEqual(merged.layout, reference.layout)
        // Determinism contract (A) for the order-free statistics (count, extremes, their members,
        // exceedance counts): exact. The mean and M2 of a merge combine the shards' moments in
        // another grouping than one pass over all members (a sum in another order), so they
        // agree to double rounding only: the tolerance below.
        let (m, r) = (merged.arrays, reference.arrays)
        XCTAssertEqual(m.thresholds, r.thresholds)
        XCTAssertEqual(m.thresholds.count, 3)
        XCTAssertEqual(m.count, r.count)
        XCTAssertTrue(m.count.allSatisfy { $0 == 9 })
        XCTAssertEqual(m.minimum, r.minimum)
        XCTAssertEqual(m.maximum, r.maximum)
        XCTAssertEqual(m.argmin, r.argmin)
        XCTAssertEqual(m.argmax, r.argmax)
        XCTAssertEqual(m.exceedances, r.exceedances)
        XCTAssertTrue(m.exceedances.contains { $0 > 0 } && m.exceedances.contains { $0 < 9 }, "thresholds are exercised")
        for (name, x, y) in [("mean", m.mean, r.mean), ("m2", m.m2, r.m2)] {
            XCTAssertEqual(x.count, y.count)
            let scale = y.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0, name)
            for i in x.indices where abs(x[i] - y[i]) > 1e-9 * max(abs(x[i]), abs(y[i])) + 1e-12 * scale {
                XCTFail("\(name)[\(i)]: merged \(x[i]) vs single \(y[i])")
                break
            }
        }
    }

    // MARK: 4. Resume

    /// Checks a killed run's leftovers: the state file, `parts` part files, and no final files.
    private func checkInterrupted(_ f: EnsembleForecast, _ initial: InitialTime, parts: Int,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let dir = f.paths.directory(initLabel: initial.label)
        let files = ForecastFixture.files(under: dir)
        let state = (f.paths.summaryState(initLabel: initial.label, shard: f.shard) as NSString).lastPathComponent
        let expected = [state] + (0..<parts).map { "members-shard-0-of-1.part-\($0).nc" }
        XCTAssertEqual(files, expected.sorted(), "after the interruption", file: file, line: line)
    }

    /// Compares a resumed run's outputs with an uninterrupted one's, exactly.
    private func checkSameOutputs(_ f: EnsembleForecast, _ reference: EnsembleForecast, _ initial: InitialTime,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(ForecastFixture.files(under: f.paths.directory(initLabel: initial.label)),
                       ["members-shard-0-of-1.nc", "summary-shard-0-of-1.nc", "summary.nc"], "no state or part file left",
                       file: file, line: line)
        // Determinism contract (A): the resume point never changes members or summaries (the
        // summary of a resumed run is accumulated in the same order as an uninterrupted one).
        XCTAssertEqual(try memberFields(membersPath(f, initial)), try memberFields(membersPath(reference, initial)),
                       "member fields", file: file, line: line)
        for path in [{ (p: ForecastPaths) in p.mergedSummary(initLabel: initial.label) },
                     { (p: ForecastPaths) in p.shardSummary(initLabel: initial.label, shard: .single) }] {
            let got = try EnsembleSummaryFile.read(path: path(f.paths))
            let want = try EnsembleSummaryFile.read(path: path(reference.paths))
            XCTAssertEqual(got.arrays, want.arrays, "summary statistics", file: file, line: line)
            XCTAssertEqual(got.memberIndices, want.memberIndices, file: file, line: line)
            XCTAssertEqual(got.layout, want.layout, file: file, line: line)
            XCTAssertEqual(got.run, want.run, "provenance", file: file, line: line)
        }
    }

    func testResumeAfterInterruption() throws {
        // Batches of 2: [0, 1], [2, 3], [4], [5, 6], [7, 8].
        let reference = try forecast(["batch_size": "2"], out: "reference")
        let (initial, full) = try run(reference)
        XCTAssertEqual(try reference.batchPlan(initial).batches.count, 5)
        XCTAssertEqual(full.resumedBatches, 0)

        // Killed after the first batch, then restarted with the same configuration.
        let killed = try forecast(["batch_size": "2"], out: "once")
        killed.interruptAfterBatches = 1
        XCTAssertThrowsError(try killed.run(initial)) { XCTAssertTrue("\($0)".contains("interrupted after batch 0"), "\($0)") }
        checkInterrupted(killed, initial, parts: 1)
        let state = try EnsembleSummaryFile.read(path: killed.paths.summaryState(initLabel: initial.label, shard: .single))
        XCTAssertEqual(state.memberIndices, [0, 1])
        XCTAssertEqual(state.run.attributes["batches_done"], "1")
        let restarted = try forecast(["batch_size": "2"], out: "once")
        let resumed = try restarted.run(initial)
        XCTAssertEqual(resumed.resumedBatches, 1)
        XCTAssertEqual(resumed.members, 9)
        XCTAssertFalse(resumed.skipped)
        XCTAssertLessThan(resumed.memberSteps, full.memberSteps, "the completed batch is not run again")
        try checkSameOutputs(restarted, reference, initial)
        // Complete: a third run does nothing.
        XCTAssertTrue(try forecast(["batch_size": "2"], out: "once").run(initial).skipped)

        // Killed after 2 batches, restarted and killed again after 1 more, then finished.
        let twice = try forecast(["batch_size": "2"], out: "twice")
        twice.interruptAfterBatches = 2
        XCTAssertThrowsError(try twice.run(initial))
        checkInterrupted(twice, initial, parts: 2)
        let again = try forecast(["batch_size": "2"], out: "twice")
        again.interruptAfterBatches = 1
        XCTAssertThrowsError(try again.run(initial)) { XCTAssertTrue("\($0)".contains("interrupted after batch 2"), "\($0)") }
        checkInterrupted(again, initial, parts: 3)
        let last = try forecast(["batch_size": "2"], out: "twice")
        XCTAssertEqual(try last.run(initial).resumedBatches, 3)
        try checkSameOutputs(last, reference, initial)
    }

    func testResumeRefusesAChangedRun() throws {
        let killed = try forecast(["batch_size": "2"], out: "A")
        killed.interruptAfterBatches = 1
        let initial = try killed.initialTimes()[0]
        XCTAssertThrowsError(try killed.run(initial))
        // Another batch size would put other members in the completed batches.
        let changed = try forecast(["batch_size": "3"], out: "A")
        let e = error { _ = try changed.run(initial) }
        XCTAssertEqual(e?.kind, .badInput)
        XCTAssertTrue(e?.message.contains("summary-shard-0-of-1.state.nc: left by a different run") ?? false, "\(String(describing: e))")
        checkInterrupted(killed, initial, parts: 1)
    }

    // MARK: 5. Summary memory

    func testSummaryMemoryIsIndependentOfMemberCount() throws {
        let (leads, channels, points) = (4, 2, 128)
        let thresholds: [[Float]] = [[10, 13], [-2]]
        var rng = SeededGenerator(seed: 3)
        func summary(members: Int) throws -> StreamingSummary {
            var s = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds)
            let fields = (0..<(members * points)).map { _ in Float(10 + 3 * rng.nextNormal()) }
            for lead in 0..<leads {
                for c in 0..<channels { s.update(lead: lead, channel: c, fields: fields, members: Array(0..<members)) }
            }
            return s
        }
        let empty = try StreamingSummary(leads: leads, channels: channels, points: points, thresholds: thresholds)
        let small = try summary(members: 2), large = try summary(members: 200)
        XCTAssertEqual(small.count(lead: 0, channel: 0), 2)
        XCTAssertEqual(large.count(lead: 3, channel: 1), 200)
        XCTAssertEqual(small.byteCount, large.byteCount)
        XCTAssertEqual(empty.byteCount, large.byteCount)
        XCTAssertGreaterThanOrEqual(large.byteCount, leads * channels * points * (8 + 8 + 4 + 4 + 4 + 4) + leads * 3 * points * 4)
        XCTAssertLessThan(large.byteCount, 2 * leads * channels * points * 40)

        // The forecast's summary files: the same arrays for 5 and 17 members.
        let five = try forecast(["members": "5", "write_members": "false"], out: "five")
        let seventeen = try forecast(["members": "17", "write_members": "false"], out: "seventeen")
        let (initial, _) = try run(five)
        try run(seventeen)
        let a = try EnsembleSummaryFile.read(path: five.paths.mergedSummary(initLabel: initial.label)).arrays
        let b = try EnsembleSummaryFile.read(path: seventeen.paths.mergedSummary(initLabel: initial.label)).arrays
        XCTAssertEqual(a.count, Array(repeating: 5, count: a.count.count))
        XCTAssertEqual(b.count, Array(repeating: 17, count: b.count.count))
        XCTAssertEqual([a.leadCount, a.channelCount, a.latitudeCount, a.longitudeCount], [4, 2, 8, 16])
        XCTAssertEqual([a.leadCount, a.channelCount, a.latitudeCount, a.longitudeCount],
                       [b.leadCount, b.channelCount, b.latitudeCount, b.longitudeCount])
        XCTAssertEqual(a.thresholds, b.thresholds)
        func sizes(_ x: SummaryArrays) -> [Int] {
            let perPoint: [Int] = [x.mean.count, x.m2.count, x.minimum.count, x.maximum.count, x.argmin.count, x.argmax.count]
            return [x.count.count, x.exceedances.count] + perPoint
        }
        XCTAssertEqual(sizes(a), sizes(b))
        XCTAssertEqual(a.mean.count, 4 * 2 * 8 * 16)
        XCTAssertEqual(ForecastFixture.files(under: root + "/seventeen"),
                       ["\(initial.label)/summary-shard-0-of-1.nc", "\(initial.label)/summary.nc"], "write_members: false")
    }

    // MARK: 6. Bad input

    /// Checks that `out` has no files (and, when `created` is false, does not exist at all).
    private func checkNothingWritten(_ out: String, created: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ForecastFixture.files(under: root + "/" + out), [], "nothing written", file: file, line: line)
        if !created {
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/" + out), "no output folder", file: file, line: line)
        }
    }

    func testCheckpointForAnotherGridOrChannels() throws {
        let (otherGrid, otherStatistics) = try ForecastFixture.writeDataset(
            at: root + "/other", nlat: 6, nlon: 12, splits: [.init(name: "train", trajectories: 1, times: 3)])
        try ForecastFixture.writeCheckpoint(to: root + "/ck-grid.nc", grid: otherGrid, statistics: otherStatistics, seed: 4)
        let e = error { _ = try forecast(["checkpoints": "[ck-1.nc, ck-grid.nc]"], out: "out") }
        XCTAssertEqual(e?.kind, .badInput)
        XCTAssertTrue(e?.message.contains("ck-grid.nc") ?? false, "\(String(describing: e))")
        XCTAssertTrue(e?.message.contains("grid 8×16 does not match") ?? false, "\(String(describing: e))")
        XCTAssertTrue(e?.message.contains("6×12") ?? false, "\(String(describing: e))")
        checkNothingWritten("out")

        let channels = [ChannelInfo(name: "geopotential", units: "m2 s-2"), ChannelInfo(name: "divergence", units: "s-1")]
        try ForecastFixture.writeCheckpoint(to: root + "/ck-channels.nc", grid: grid,
                                            statistics: ForecastFixture.statistics(channels: channels), seed: 4)
        let f = error { _ = try forecast(["checkpoints": "[ck-channels.nc]"], out: "out") }
        XCTAssertEqual(f?.kind, .badInput)
        XCTAssertTrue(f?.message.contains("ck-channels.nc") ?? false, "\(String(describing: f))")
        XCTAssertTrue(f?.message.contains("channels (geopotential, vorticity) do not match") ?? false, "\(String(describing: f))")
        XCTAssertTrue(f?.message.contains("(geopotential, divergence)") ?? false, "\(String(describing: f))")
        checkNothingWritten("out")
    }

    func testMissingAnalysisForBreeding() throws {
        // valid has 4 times: no initial state has 2 analyses before it and 3 after it.
        let f = try forecast(["init": "valid"], out: "out")
        let e = error { _ = try f.initialTimes() }
        XCTAssertEqual(e?.kind, .badInput)
        XCTAssertTrue(e?.message.contains("valid.nc: no initial state with 2 earlier analyses for breeding") ?? false,
                      "\(String(describing: e))")
        checkNothingWritten("out")

        // An initial time one step into a trajectory has one analysis before it, not two.
        let g = try forecast(out: "out")
        var initial = try g.initialTimes()[0]
        initial.location.timeIndex = 1
        initial.label = "early"
        let r = error { _ = try g.run(initial) }
        XCTAssertEqual(r?.kind, .badInput)
        XCTAssertTrue(r?.message.contains("no analysis 2 step(s) (12.0 h) before early, needed for breeding cycle 1 of 2") ?? false,
                      "\(String(describing: r))")
        checkNothingWritten("out", created: true)
    }

    func testUnwritableOutputFolder() throws {
        let blocker = root + "/blocker"
        try "a regular file".write(toFile: blocker, atomically: true, encoding: .utf8)
        let f = try forecast(out: "blocker/out")
        let initial = try f.initialTimes()[0]
        let e = error { _ = try f.run(initial) }
        XCTAssertEqual(e?.kind, .io)
        XCTAssertTrue(e?.message.contains("\(blocker)/out/\(initial.label): cannot create the output folder") ?? false,
                      "\(String(describing: e))")
        XCTAssertEqual(try String(contentsOfFile: blocker, encoding: .utf8), "a regular file")

        // A read-only folder (only meaningful when not running as root, who may write anyway).
        if getuid() != 0 {
            try FileManager.default.createDirectory(atPath: root + "/readonly", withIntermediateDirectories: false)
            XCTAssertEqual(chmod(root + "/readonly", 0o500), 0)
            let g = try forecast(out: "readonly/out")
            let r = error { _ = try g.run(initial) }
            XCTAssertEqual(r?.kind, .io)
            XCTAssertTrue(r?.message.contains("readonly/out") ?? false, "\(String(describing: r))")
            checkNothingWritten("readonly", created: true)
        }
    }

    func testOddMemberCountWithPairs() throws {
        let e = error { _ = try forecast(["members": "4"], out: "out") }
        XCTAssertEqual(e?.kind, .invalidArgument)
        XCTAssertTrue(e?.message.contains("members: 4 members cannot be split into 1 control(s) plus equal ± pairs on 2 checkpoint(s)") ?? false,
                      "\(String(describing: e))")
        checkNothingWritten("out")
    }

    func testUnknownConfigKey() throws {
        let e = error { _ = try forecast(["ensemble_size": "9"], out: "out") }
        XCTAssertEqual(e?.kind, .invalidArgument)
        XCTAssertTrue(e?.message.contains("forecast.yaml: unknown key 'ensemble_size'") ?? false, "\(String(describing: e))")
        checkNothingWritten("out")
    }

    func testTruncatedCheckpoint() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/ck-2.nc"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: root + "/ck-cut.nc"))
        let e = error { _ = try forecast(["checkpoints": "[ck-1.nc, ck-cut.nc]"], out: "out") }
        XCTAssertEqual(e?.kind, .badInput)
        XCTAssertTrue(e?.message.contains("\(root)/ck-cut.nc") ?? false, "\(String(describing: e))")
        checkNothingWritten("out")
    }

    // MARK: 7. Dry run

    func testDryRunReportsMembersAndMemberSteps() throws {
        let f = try forecast(out: "out")
        let initial = try f.initialTimes()
        let report = try ForecastDryRun(forecast: f, initialTimes: initial).report()
        // Rollout 9 members × 3 steps; breeding 2 cycles × (pairs + 1 control) per batch:
        // [0…3] has pairs 0, 1; [4] pair 1; [5…8] pairs 2, 3 → 2 × (3 + 2 + 3) = 16.
        XCTAssertTrue(report.contains("ensemble: 9 members"), report)
        XCTAssertTrue(report.contains("9 members per initial time, 3 batch(es) of ≤ 4"), report)
        XCTAssertTrue(report.contains("member-steps: 27 rollout + 16 breeding = 43"), report)
        checkNothingWritten("out")

        // The run takes exactly the steps the dry run announced.
        var reported = 0
        let result = try f.run(initial[0]) { reported += $0 }
        XCTAssertEqual(result.memberSteps, 43)
        XCTAssertEqual(reported, 43)
    }

    // MARK: Checkpoints as `hens train` writes them

    func testCheckpointWithoutStoredChannelCounts() throws {
        // `hens train` stores the model text as given, which may leave the channel counts to
        // default to the data's; `hens skill` accepts such checkpoints, so must `hens forecast`.
        try ForecastFixture.writeCheckpoint(to: root + "/ck-bare.nc", grid: grid, statistics: statistics, seed: 1,
                                            storeChannelCounts: false)
        let bare = try forecast(["checkpoints": "[ck-bare.nc]", "members": "3"], out: "bare")
        let full = try forecast(["checkpoints": "[ck-1.nc]", "members": "3"], out: "full")
        let (initial, _) = try run(bare)
        try run(full)
        XCTAssertEqual(try memberFields(membersPath(bare, initial)), try memberFields(membersPath(full, initial)))
    }
}
