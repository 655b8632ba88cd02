import DatasetIO
import Foundation
import HensCore
import Regrid
import Spherical

/// What `hens ingest` was asked to do (from the command line, a configuration file, or both:
/// see `IngestOptions`).
public struct IngestRequest {
    public var files: [String]
    /// Channels to ingest (e.g. z500, t850); empty = every channel the files provide (with
    /// `append`: the dataset's channels).
    public var channels: [String] = []
    /// Ensemble member to take where files have an ensemble dimension (nil: 0, or with `append`
    /// the dataset's member).
    public var member: Int?
    /// Split name → date range; a time may belong to several splits (e.g. a tiny smoke test).
    public var splits: [(name: String, range: DateRange)] = []
    /// Accept regional (non-global) grids.
    public var allowRegional = false
    /// Time steps per trajectory (default: the shortest contiguous run of the split).
    public var trajectoryLength: Int?
    /// Replace an existing dataset in the output folder.
    public var overwrite = false
    /// Add the inputs' times to the dataset already in the output folder (see `DatasetIngest`).
    public var append = false
    /// Model grid to regrid onto (nil: keep the inputs' grid).
    public var grid: SphericalGrid?
    /// Regridding method (nil: conservative when coarsening, bilinear otherwise).
    public var regrid: RegridMethod?
    public var output: String
    /// The configuration file's text as run, recorded in the dataset (nil without one).
    public var configText: String?

    public init(files: [String], output: String) {
        self.files = files
        self.output = output
    }

    /// Every setting that decides a new dataset's contents, one per line: what `hens ingest`
    /// records (with the input files' digests) to tell a rerun of the same command, which finds
    /// its dataset complete, from a run of other inputs.
    public var settingsText: String {
        ["inputs: " + files.joined(separator: ", "), "channels: " + channels.joined(separator: ","),
         "member: " + (member.map(String.init) ?? "default"), "splits: " + IngestRecord.encode(splits),
         "trajectory_length: " + (trajectoryLength.map(String.init) ?? "auto"), "grid: " + ModelGridSpec.text(grid),
         "regrid: " + (regrid?.rawValue ?? "auto"), "allow_regional: \(allowRegional)"].joined(separator: "\n")
    }

    /// Sets (or replaces) one split's date range.
    public mutating func setSplit(_ name: String, _ range: DateRange) {
        if let i = splits.firstIndex(where: { $0.name == name }) { splits[i].range = range } else { splits.append((name, range)) }
    }
}

/// Turns real NetCDF files into the canonical dataset (the layout `hens generate swe` writes).
///
/// A new dataset is checked completely, then written into a temporary folder renamed into place
/// at the end. `append` adds the inputs' times to an existing dataset: same channels, grid,
/// regridding, calendar and member (refused otherwise), no time already there; each new time
/// goes to the split whose recorded date range holds it, its contiguous runs cut into
/// trajectories of that split's length. Split files are extended on working copies and renamed
/// over the originals only when everything is written, so a failure leaves the dataset as it was.
/// `stats.nc` stays that of the training split: recomputed from it when it grew, else untouched.
public struct DatasetIngest {
    public let request: IngestRequest
    /// One-line log messages (what was dropped, trajectory layout, …).
    public private(set) var log: [String] = []
    /// The output folder held this request's complete dataset already, so nothing was written.
    public private(set) var upToDate = false

    public init(_ request: IngestRequest) { self.request = request }

    /// Runs the ingest; progress on stderr (fields written) unless `quiet`.
    public mutating func run(quiet: Bool = true) throws {
        if request.append && request.overwrite {
            throw HensError.invalid("--append", "cannot be combined with --overwrite (append adds to the dataset, overwrite replaces it)")
        }
        if request.append { try appendToDataset(quiet: quiet) } else { try createDataset(quiet: quiet) }
    }

    // MARK: A new dataset

    private mutating func createDataset(quiet: Bool) throws {
        let r = request
        let folder = r.output.hasSuffix("/") ? String(r.output.dropLast()) : r.output
        // The same inputs as the dataset there (a rerun, e.g. after a run killed once its folder
        // was in place): nothing to do, as for hens generate swe. Other inputs still need --overwrite.
        // The inputs are hashed once: here when there is a record to compare with, else below.
        var record: RunInputs?
        if !r.overwrite, FileManager.default.fileExists(atPath: DatasetLayout.statsPath(folder)),
           let recorded = try? RunInputs.recorded(in: folder) {
            record = try? Self.runInputs(r)
            if let record, recorded.changes(from: record).isEmpty {
                log.append("\(r.output) holds this dataset already; nothing to do")
                upToDate = true
                return
            }
        }
        try checkOutputFolder(r)
        let inputs = try IngestInputs(files: r.files, channels: r.channels, member: r.member ?? 0, allowRegional: r.allowRegional)
        if inputs.droppedTimes > 0 { log.append("dropped \(inputs.droppedTimes) time(s) not present in every channel") }
        let runInputs = try record ?? Self.runInputs(r)  // after IngestInputs, which names an unreadable input better
        let regridder = try makeRegridder(inputs, grid: r.grid, method: r.regrid)
        let splits = r.splits.isEmpty ? [("train", try DateRange("..", option: "--train"))] : r.splits
        guard splits.contains(where: { $0.name == "train" }) else {
            throw HensError.invalid("--train", "a training range (stats.nc comes from the training split)")
        }
        if let length = r.trajectoryLength, length < 1 { throw HensError.invalid("--trajectory-length", "at least 1, got \(length)") }
        var plans: [(name: String, plan: TrajectoryPlan)] = []
        for (name, range) in splits {
            let selected = inputs.times.filter { Self.contains(range, inputs.units, $0) }
            guard !selected.isEmpty else {
                throw HensError(.badInput, "split \(name) (\(range.text)) holds no time; the inputs cover \(inputs.units.isoString(seconds: inputs.times.first!)) … \(inputs.units.isoString(seconds: inputs.times.last!))")
            }
            let plan = TrajectoryPlan(times: selected, length: r.trajectoryLength)
            guard !plan.trajectories.isEmpty else {
                throw HensError.invalid("--trajectory-length", "\(r.trajectoryLength ?? 0) is longer than every contiguous run of split \(name) (longest \(plan.longestRun))")
            }
            log.append(describe(name, plan))
            plans.append((name, plan))
        }

        let times = plans.reduce(0) { $0 + $1.plan.trajectories.reduce(0) { $0 + $1.count } }
        try DiskSpace.require(SizeEstimate.product(times, inputs.channels.count, r.grid?.nlat ?? inputs.grid.latitudes.count,
                                                   r.grid?.nlon ?? inputs.grid.longitudes.count, 4),
                              at: r.output, for: "the dataset (uncompressed Float32 fields)")
        // A run killed half-way left its staging folder beside the output; it is of no use now.
        removeOrphanedTemporaries(of: folder)
        let staging = temporaryPath(for: folder)
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            TemporaryOutputs.register(staging)
        } catch {
            throw HensError(.io, "\(r.output): cannot create the output folder (\(error.localizedDescription))")
        }
        do {
            let infos = inputs.channels.map(inputs.channelInfo)
            var attributes: [String: String] = [
                "title": "hens dataset ingested from \(r.files.count) file(s)",
                "generator": "hens ingest", "source": Self.fileNames(r.files),
                "channel_sources": inputs.provenance, IngestRecord.calendar: inputs.calendar.rawValue,
                "grid": r.grid.map { "\($0.label) (regridded \(regridder?.method.rawValue ?? "") from \(inputs.grid.summary))" } ?? inputs.grid.summary,
                IngestRecord.member: String(r.member ?? 0),
                IngestRecord.splitRanges: IngestRecord.encode(splits),
                IngestRecord.modelGrid: ModelGridSpec.text(r.grid),
                IngestRecord.regridMethod: regridder?.method.rawValue ?? "none",
                IngestRecord.sourceGrid: inputs.grid.summary,
            ]
            if let config = r.configText { attributes["config"] = config }
            let outLatitudes = r.grid?.latitudesDegrees ?? inputs.grid.latitudes
            let outLongitudes = r.grid?.longitudesDegrees ?? inputs.grid.longitudes
            let weights = r.grid?.weights ?? inputs.grid.latitudes.map { max(0, cos($0 * .pi / 180)) }
            let progress = ProgressReporter("ingest", total: plans.reduce(0) { $0 + $1.plan.trajectories.count * $1.plan.trajectories[0].count } * inputs.channels.count,
                                            unit: "fields", quiet: quiet)
            defer { progress.finish() }
            var trainMoments: SplitMoments?
            for (name, plan) in plans {
                let trajectories = plan.trajectories, start = trajectories[0][0]
                let writer = try DatasetSplitWriter(
                    path: DatasetLayout.splitPath(staging, name), channels: infos, latitudes: outLatitudes,
                    longitudes: outLongitudes, times: trajectories[0].map { ($0 - start) / 3600 },
                    timeUnits: "hours since \(inputs.units.isoString(seconds: start).replacingOccurrences(of: "T", with: " "))",
                    calendar: inputs.calendar.rawValue, trajectories: trajectories.count,
                    attributes: attributes.merging(["split": name, IngestRecord.trajectoryStarts: starts(trajectories, inputs.units)]) { $1 })
                let moments = try writeFields(trajectories, inputs: inputs, regridder: regridder, weights: weights,
                                              progress: progress, into: writer.write)
                try writer.finish()
                if name == "train" { trainMoments = moments }
            }
            try trainMoments!.statistics(channels: inputs.channels).write(to: DatasetLayout.statsPath(staging), attributes: attributes)
            try runInputs.record(in: staging)
            try TemporaryOutputs.publish(staging) {
                if FileManager.default.fileExists(atPath: r.output) { try FileManager.default.removeItem(atPath: r.output) }
                try FileManager.default.moveItem(atPath: staging, toPath: r.output)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            TemporaryOutputs.unregister(staging)
            throw error
        }
    }

    /// What a new dataset records in `.hens-inputs.json`: the settings, the input files'
    /// digests and the hens executable (another build may differ in the last bits).
    static func runInputs(_ r: IngestRequest) throws -> RunInputs {
        try RunInputs(stage: "ingest", texts: ["settings": r.settingsText], files: ["input files": r.files])
    }

    // MARK: Appending to a dataset

    private mutating func appendToDataset(quiet: Bool) throws {
        let r = request
        let dataset = try ExistingDataset(folder: r.output)
        let names = dataset.channels.map(\.name)
        // Settings given again (e.g. the same configuration file) must be the recorded ones.
        if !r.splits.isEmpty, Set(r.splits.map { "\($0.name)=\($0.range.text)" }) != Set(dataset.ranges.map { "\($0.name)=\($0.range.text)" }) {
            throw HensError.invalid("--append", "keeps the split ranges recorded in the dataset (\(IngestRecord.encode(dataset.ranges))); got \(IngestRecord.encode(r.splits))")
        }
        if !r.channels.isEmpty && r.channels != names {
            throw HensError.invalid("--channels", "--append keeps the dataset's channels \(names.joined(separator: ",")); got \(r.channels.joined(separator: ","))")
        }
        if let member = r.member, member != dataset.member {
            throw HensError.invalid("--member", "--append keeps the dataset's ensemble member \(dataset.member); got \(member)")
        }
        if let grid = r.grid, grid != dataset.modelGrid {
            throw HensError.invalid("--grid", "--append keeps the dataset's grid \(ModelGridSpec.text(dataset.modelGrid)); got \(ModelGridSpec.text(grid))")
        }
        if let method = r.regrid, method != dataset.regridMethod {
            throw HensError.invalid("--regrid", "--append keeps the dataset's regridding (\(dataset.regridMethod?.rawValue ?? "none")); got \(method.rawValue)")
        }
        // The same inputs as before: the recorded grid decides whether a regional one is fine.
        let inputs = try IngestInputs(files: r.files, channels: names, member: dataset.member, allowRegional: true)
        guard inputs.grid.summary == dataset.sourceGrid else {
            throw HensError(.badInput, "\(inputs.reference.file.path): grid \(inputs.grid.summary) differs from the dataset's inputs (\(dataset.sourceGrid)); --append cannot change the grid")
        }
        guard inputs.calendar == dataset.calendar else {
            throw HensError(.badInput, "\(inputs.reference.file.path): calendar \(inputs.calendar.rawValue) differs from the dataset's \(dataset.calendar.rawValue)")
        }
        if inputs.droppedTimes > 0 { log.append("dropped \(inputs.droppedTimes) time(s) not present in every channel") }
        let regridder = try makeRegridder(inputs, grid: dataset.modelGrid, method: dataset.regridMethod)
        let outLatitudes = dataset.modelGrid?.latitudesDegrees ?? inputs.grid.latitudes
        guard outLatitudes == dataset.latitudes else { throw HensError(.internal, "\(r.output): rebuilt grid differs from the dataset's") }

        // Times: none already there; each to the splits whose dates hold it.
        let existing = dataset.splitOfTime
        var newTimes: [String: [Double]] = [:]
        var unplaced = 0
        for t in inputs.times {
            if let split = existing[ExistingDataset.key(t)] {
                throw HensError(.badInput, "\(inputs.file(holding: t)): time \(inputs.units.isoString(seconds: t)) is already in the dataset (\(split).nc); --append adds only new times")
            }
            let targets = dataset.ranges.filter { Self.contains($0.range, inputs.units, t) }.map(\.name)
            if targets.isEmpty { unplaced += 1 }
            for name in targets { newTimes[name, default: []].append(t) }
        }
        if unplaced > 0 { log.append("\(unplaced) time(s) fall in no split's dates (\(IngestRecord.encode(dataset.ranges))): not appended") }
        var plans: [(split: ExistingDataset.Split, plan: TrajectoryPlan)] = []
        for split in dataset.splits {
            guard let times = newTimes[split.name] else { continue }
            if let last = split.times.max(), times[0] < last {
                throw HensError(.badInput, "\(inputs.file(holding: times[0])): time \(inputs.units.isoString(seconds: times[0])) comes before the end of \(split.name).nc (\(inputs.units.isoString(seconds: last))); --append adds only later times (rebuild with --overwrite to insert earlier ones)")
            }
            if let step = split.step, let found = TrajectoryPlan.dominantStep(times), abs(found - step) > 1e-6 {
                throw HensError(.badInput, "\(inputs.file(holding: times[0])): time step \(Self.hours(found)) differs from \(split.name).nc's \(Self.hours(step))")
            }
            if let length = r.trajectoryLength, length != split.timeCount {
                throw HensError.invalid("--trajectory-length", "--append keeps \(split.name).nc's \(split.timeCount) time(s) per trajectory; got \(length)")
            }
            let plan = TrajectoryPlan(times: times, step: split.step, length: split.timeCount)
            log.append("appending to " + describe(split.name, plan))
            if !plan.trajectories.isEmpty { plans.append((split, plan)) }
        }
        guard !plans.isEmpty else {
            throw HensError(.badInput, "\(r.files[0]): the inputs' \(inputs.times.count) time(s) (\(inputs.units.isoString(seconds: inputs.times[0])) …) make no complete trajectory in any split; nothing was appended")
        }

        // Working copies, extended; nothing in the dataset changes until every file is staged.
        var staged: [StagedFile] = []
        do {
            let total = plans.reduce(0) { $0 + $1.plan.trajectories.count * $1.split.timeCount } * names.count
            let progress = ProgressReporter("ingest --append", total: total, unit: "fields", quiet: quiet)
            defer { progress.finish() }
            let provenance = "\(Self.fileNames(r.files)) (\(inputs.provenance))"
            for (split, plan) in plans {
                let appender = try DatasetSplitAppender(path: split.path, newTrajectories: plan.trajectories.count, attributes: [
                    IngestRecord.trajectoryStarts: split.startsText + " " + starts(plan.trajectories, inputs.units),
                    IngestRecord.appendedSources: split.appendedSources.isEmpty ? provenance : split.appendedSources + "; " + provenance,
                ])
                _ = try writeFields(plan.trajectories, inputs: inputs, regridder: regridder, weights: dataset.statisticsWeights,
                                    progress: progress, into: appender.write)
                staged.append(try appender.stage())
            }
            // stats.nc: the training split's, so recomputed (from the extended copy) only when it grew.
            if let train = staged.first(where: { $0.path == DatasetLayout.splitPath(r.output, "train") }) {
                let moments = try SplitMoments.read(train.stagedPath, channels: names, weights: dataset.statisticsWeights)
                let previous = DatasetLayout.statsPath(r.output)
                let attributes = try DatasetStatistics.readAttributes(from: previous)
                staged.append(try moments.statistics(channels: names).stage(to: previous, attributes: attributes))
                log.append("stats.nc recomputed from the extended training split")
            }
            // The record describes the dataset as first ingested; once extended, a rerun of that
            // command is no longer up to date (it needs --overwrite), so the record goes first.
            try? FileManager.default.removeItem(atPath: r.output + "/" + RunInputs.fileName)
            for file in staged { try file.commit() }
        } catch {
            staged.forEach { $0.discard() }
            throw error
        }
    }

    // MARK: Shared steps

    /// Refuses an output folder that already holds a dataset (unless overwriting), holds files
    /// that are not a dataset's (never removed, even with --overwrite: the folder is replaced
    /// whole), or whose path is blocked by a regular file.
    private func checkOutputFolder(_ r: IngestRequest) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: r.output, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw HensError(.io, "\(r.output): exists and is not a folder") }
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: r.output)) ?? []
            let datasetFiles = Set(DatasetLayout.splits.map { $0 + ".nc" } + [DatasetLayout.stats, RunInputs.fileName])
            let foreign = existing.filter { !datasetFiles.contains($0) }.sorted()
            guard foreign.isEmpty else {
                throw HensError(.badInput, "\(r.output): holds files that are not a hens dataset's (\(foreign.prefix(3).joined(separator: ", "))"
                                + "\(foreign.count > 3 ? ", …" : "")) and hens will not remove them; empty the folder or choose another --out")
            }
            if existing.contains(DatasetLayout.stats) || existing.contains(DatasetLayout.train), !r.overwrite {
                throw HensError(.io, "\(r.output): already holds a dataset; pass --overwrite to replace it or --append to add new times")
            }
        }
        // A parent that is a regular file blocks the path.
        var parent = URL(fileURLWithPath: r.output).deletingLastPathComponent()
        while parent.path != "/" {
            if FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { throw HensError(.io, "\(r.output): \(parent.path) is a file, not a folder") }
                break
            }
            parent.deleteLastPathComponent()
        }
    }

    /// The map onto the model grid, planned once for all fields (nil: keep the inputs' grid).
    private mutating func makeRegridder(_ inputs: IngestInputs, grid: SphericalGrid?, method: RegridMethod?) throws -> Regridder? {
        guard let target = grid else { return nil }
        let regridder: Regridder
        do {
            let source = try SourceGrid(latitudes: inputs.grid.latitudes, longitudes: inputs.grid.longitudes)
            regridder = try Regridder(from: source, to: target, method: method)
        } catch let e as HensError {
            throw HensError(e.kind, "\(inputs.reference.file.path): \(e.message)")
        }
        log.append("regridding \(inputs.grid.summary) → \(target.label) (\(regridder.method.rawValue))")
        return regridder
    }

    /// Decodes, regrids and hands every field of `trajectories` to `sink` (trajectory index,
    /// time index within it, channel index), returning the fields' statistics.
    private func writeFields(_ trajectories: [[Double]], inputs: IngestInputs, regridder: Regridder?, weights: [Double],
                             progress: ProgressReporter,
                             into sink: (_ channel: Int, _ trajectory: Int, _ timeIndex: Int, _ field: [Float]) throws -> Void) throws -> SplitMoments {
        var moments = SplitMoments(channels: inputs.channels.count, weights: weights)
        for (k, trajectory) in trajectories.enumerated() {
            moments.startTrajectory()
            for (i, t) in trajectory.enumerated() {
                for (c, channel) in inputs.channels.enumerated() {
                    let native = try inputs.field(channel: channel, time: t)
                    let field = regridder.map { $0.apply(native) } ?? native
                    try sink(c, k, i, field)
                    moments.add(channel: c, field: field)
                    progress.advance()
                }
            }
        }
        return moments
    }

    /// Whether the date of `time` falls in `range`.
    private static func contains(_ range: DateRange, _ units: CFTimeUnits, _ time: Double) -> Bool {
        let date = units.date(seconds: time)
        return range.contains(year: date.year, month: date.month, day: date.day)
    }

    /// The `trajectory_starts` text of trajectories.
    private func starts(_ trajectories: [[Double]], _ units: CFTimeUnits) -> String {
        trajectories.map { units.isoString(seconds: $0[0]) }.joined(separator: " ")
    }

    private func describe(_ split: String, _ plan: TrajectoryPlan) -> String {
        let length = plan.trajectories.first?.count ?? 0
        return "\(split): \(plan.trajectories.count) trajectory(ies) × \(length) time(s)"
            + (plan.step.map { " every \(Self.hours($0))" } ?? "")
            + (plan.leftover.isEmpty ? "" : ", \(plan.leftover.count) time(s) left over (not written)")
    }

    private static func hours(_ seconds: Double) -> String { String(format: "%g h", seconds / 3600) }

    private static func fileNames(_ files: [String]) -> String {
        files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
    }
}
