import DatasetIO
import Foundation
import HensCore

/// What one initial time of one shard did.
public struct ShardRunResult: Sendable {
    /// Members rolled out by this call (0 when the outputs were complete already).
    public var members: Int
    /// Model steps taken (rollout + breeding).
    public var memberSteps: Int
    /// Batches skipped because an earlier (killed) run had completed them.
    public var resumedBatches: Int
    /// Seconds spent.
    public var seconds: Double
    /// Whether the outputs existed already and nothing was run.
    public var skipped: Bool
}

extension EnsembleForecast {
    /// Runs (or resumes, or skips when complete) this shard's members of one initial time.
    /// - Parameter progress: told the number of model steps after every SFNO call.
    @discardableResult
    public func run(_ initial: InitialTime, progress: ((Int) -> Void)? = nil) throws -> ShardRunResult {
        let clock = Stopwatch()
        let folder = paths.directory(initLabel: initial.label)
        let membersPath = paths.members(initLabel: initial.label, shard: shard)
        let summaryPath = paths.shardSummary(initLabel: initial.label, shard: shard)
        let statePath = paths.summaryState(initLabel: initial.label, shard: shard)
        let fm = FileManager.default
        if fm.fileExists(atPath: summaryPath) && !fm.fileExists(atPath: statePath) {
            guard overwrite else { return ShardRunResult(members: 0, memberSteps: 0, resumedBatches: 0, seconds: 0, skipped: true) }
            try? fm.removeItem(atPath: summaryPath)
            try? fm.removeItem(atPath: membersPath)
        }
        // Every analysis is read before anything is created, so a missing one leaves no trace.
        let analyses = try loadAnalyses(initial)
        // Each checkpoint's normalised copy, made once per initial time rather than per batch.
        let normalized = models.map { $0.normalized(analyses) }
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HensError(.io, "\(folder): cannot create the output folder (\(error.localizedDescription))")
        }
        guard fm.isWritableFile(atPath: folder) else { throw HensError(.io, "\(folder): not writable") }
        let lock = try OutputLock(path: folder + "/.lock-\(shard.fileTag)", what: "shard \(shard) of \(initial.label)")
        defer { lock.release() }

        let layout = try memberLayout(initial)
        let plan = try batchPlan(initial)
        let outputLayout = outputLayout(initial)
        let run = try runInfo(initial)
        let store = EnsemblePartStore(shardPath: membersPath, layout: outputLayout, run: run, options: shardOptions)
        var summary = try StreamingSummary(leads: outputLayout.leads.count, channels: outputLayout.channels.count,
                                           points: outputLayout.fieldCount, thresholds: summaryThresholds)
        var start = 0
        if fm.fileExists(atPath: statePath) {
            if overwrite {
                try? fm.removeItem(atPath: statePath)
            } else {
                (summary, start) = try resumeState(statePath, run: run, plan: plan, store: store)
            }
        }

        var memberSteps = 0
        for b in start..<plan.batches.count {
            let members = plan.batches[b]
            let specs = members.map { layout.member($0) }
            let writer = config.writeMembers
                ? try store.writer(batch: b, members: specs.map {
                    EnsembleMember(index: $0.index, checkpoint: $0.checkpoint, seed: $0.seed, sign: Int8($0.sign))
                })
                : nil
            let steps: Int
            do {
                steps = try rollOut(members, layout: layout, analyses: normalized[specs[0].checkpoint],
                                    initialSeconds: archive.seconds(of: initial.location), progress: progress) { lead, outputs in
                    try record(outputs, members: members, lead: lead, writer: writer, summary: &summary)
                }
                try writer?.finish()
            } catch {
                writer?.abort()
                throw error
            }
            memberSteps += steps
            var state = try runInfo(initial, batchesDone: b + 1)
            state.attributes["members_done"] = MemberSelection.format(plan.batches[0...b].flatMap { $0 })
            try EnsembleSummaryFile.write(path: statePath, contents: summaryContents(summary, outputLayout, plan.batches[0...b].flatMap { $0 }, state))
            if let stop = interruptAfterBatches, b + 1 - start >= stop {
                throw HensError(.internal, "interrupted after batch \(b) (test hook)")
            }
        }

        let allMembers = plan.batches.flatMap { $0 }
        if config.writeMembers && !plan.batches.isEmpty {
            if store.isAssembled && start == plan.batches.count {
                // Killed after assembling, while removing the parts: finish the clean-up.
                for b in 0..<plan.batches.count { try? fm.removeItem(atPath: store.partPath(batch: b)) }
            } else {
                try store.assemble(batchCount: plan.batches.count)
            }
        }
        let contents = summaryContents(summary, outputLayout, allMembers, run)
        try EnsembleSummaryFile.write(path: summaryPath, contents: contents, deflateLevel: 1)
        if shard.count == 1 {
            var merged = contents
            merged.run.attributes["shard"] = "merged"
            try EnsembleSummaryFile.write(path: paths.mergedSummary(initLabel: initial.label), contents: merged, deflateLevel: 1)
        }
        try? fm.removeItem(atPath: statePath)
        return ShardRunResult(members: allMembers.count, memberSteps: memberSteps, resumedBatches: start,
                              seconds: clock.seconds, skipped: false)
    }

    /// The summary and first batch to run from a checkpoint left by a killed run.
    private func resumeState(_ path: String, run: EnsembleRunInfo, plan: BatchPlan,
                             store: EnsemblePartStore) throws -> (StreamingSummary, Int) {
        let saved = try EnsembleSummaryFile.read(path: path)
        var attributes = saved.run.attributes
        let done = attributes.removeValue(forKey: "batches_done").flatMap { Int($0) }
        attributes.removeValue(forKey: "members_done")
        let differing = run.attributes.keys.sorted().filter { attributes[$0] != run.attributes[$0] }
        guard let done, saved.run.config == run.config, saved.run.checkpoints == run.checkpoints,
              saved.run.baseSeed == run.baseSeed, differing.isEmpty else {
            throw HensError(.badInput, "\(path): left by a different run (\(differing.isEmpty ? "configuration or checkpoints" : differing.joined(separator: ", ")) differ); "
                + "rerun with the same command, or pass --overwrite to start again")
        }
        guard done <= plan.batches.count, Array(plan.batches.prefix(done).joined()) == saved.memberIndices else {
            throw HensError(.badInput, "\(path): its members do not match this run's batches; pass --overwrite to start again")
        }
        if config.writeMembers && !store.isAssembled {
            let parts = Set(try store.completedBatches())
            if let missing = (0..<done).first(where: { !parts.contains($0) }) {
                throw HensError(.badInput, "\(store.partPath(batch: missing)): missing although \(path) counts it as done; "
                    + "pass --overwrite to start again")
            }
        }
        return (try StreamingSummary(arrays: saved.arrays), done)
    }

    /// The analyses A(t − KΔt) … A(t), physical units, in model channel order.
    private func loadAnalyses(_ initial: InitialTime) throws -> [[Float]] {
        let history = perturbations.history
        return try (0...history).reversed().map { k in
            guard let location = archive.location(k, before: initial.location) else {
                throw HensError(.badInput, "\(config.dataset): no analysis \(k) step(s) (\(Double(k) * archive.stepHours) h) before "
                    + "\(initial.label), needed for breeding cycle \(history - k + 1) of \(history)")
            }
            return try archive.state(at: location, channels: models[0].channels)
        }
    }

    /// The summary in its file form.
    private func summaryContents(_ summary: StreamingSummary, _ layout: EnsembleOutputLayout, _ members: [Int],
                                 _ run: EnsembleRunInfo) -> EnsembleSummaryFile.Contents {
        EnsembleSummaryFile.Contents(layout: layout,
                                     arrays: summary.arrays(latitudeCount: layout.latitudes.count, longitudeCount: layout.longitudes.count),
                                     memberIndices: members, run: run)
    }

    /// Perturbs and rolls out one batch of members of one checkpoint, handing every output lead
    /// to `emit(lead, outputs)`: `outputs` holds `[member slot][output channel][point]` (the
    /// output region's points); returns the model steps taken.
    /// `analyses` are A(t − KΔt) … A(t) in the batch's checkpoint's normalised space;
    /// `initialSeconds` is t as UTC seconds since 1970 when the data set has absolute times
    /// (an imported model reading cos-zenith needs them; `ForecastModel` refuses it otherwise).
    func rollOut(_ members: [Int], layout: MemberLayout, analyses: [[Float]], initialSeconds: Double?, progress: ((Int) -> Void)?,
                 emit: (_ lead: Int, _ outputs: UnsafeMutablePointer<Float>) throws -> Void) throws -> Int {
        let specs = members.map { layout.member($0) }
        let model = models[specs[0].checkpoint]
        let n = model.stateCount, count = members.count
        let rollout = MemberRollout(stateCount: n, batch: count)

        // Perturbations for the batch's distinct pairs.
        let pairs = Array(Set(specs.compactMap(\.pair))).sorted()
        let seeds = pairs.map { layout.seed(pair: $0) }
        var dx = [Float](repeating: 0, count: pairs.count * n)
        var steps = 0
        try dx.withUnsafeMutableBufferPointer { d in
            try perturbations.make(seeds: seeds, model: model, analyses: analyses, analysisSeconds: initialSeconds,
                                   stepSeconds: archive.stepHours * 3600, maxBatch: max(1, count),
                                   into: d.baseAddress!)
            if perturbations.history > 0 && !pairs.isEmpty {
                steps += perturbations.history * (pairs.count + 1)
                progress?(perturbations.history * (pairs.count + 1))
            }
            analyses[analyses.count - 1].withUnsafeBufferPointer { a in
                for (slot, spec) in specs.enumerated() {
                    let p = spec.pair.flatMap { pairs.firstIndex(of: $0) }
                    perturbations.apply(analysis: a.baseAddress!, perturbation: p.map { UnsafePointer(d.baseAddress! + $0 * n) },
                                        sign: spec.sign, model: model, into: rollout.current + slot * n)
                }
            }
        }

        let outputSteps = config.outputSteps
        let points = crop?.fieldCount ?? archive.fieldCount
        let noiseSeeds = specs.map { layout.noiseSeed(member: $0.index) }
        var leadIndex = 0
        for step in 0...config.steps {
            if step > 0 {
                rollout.advance(model, noise: MemberNoise(seeds: noiseSeeds, step: step - 1, scale: Float(config.noiseScale)),
                                validTime: initialSeconds.map { $0 + Double(step - 1) * archive.stepHours * 3600 })
                modelError?.force(rollout.current, previous: rollout.previous, seeds: noiseSeeds, step: step - 1, model: model)
                steps += count
                progress?(count)
            }
            guard leadIndex < outputSteps.count, outputSteps[leadIndex] == step else { continue }
            let buffer = rollout.outputBuffer(members: count, values: outputs.outputs.count * points)
            rollout.fillOutputs(model: model, outputs: outputs, crop: crop, fullPoints: archive.fieldCount, members: count,
                                into: buffer)
            try emit(leadIndex, buffer)
            leadIndex += 1
        }
        return steps
    }

    /// Rolls out `members` (global indices of one initial time's layout; any checkpoints) in
    /// batches of at most `batchSize` members of one checkpoint, without writing files, and hands
    /// every output lead of every batch to `emit(members, lead, outputs)` — `outputs` laid out
    /// `[member slot][output channel][point]` for the batch's `members`. Model climates
    /// (`hens mclimate`) use this: their reforecasts are pooled in memory.
    public func rollOut(_ initial: InitialTime, members: [Int], progress: ((Int) -> Void)? = nil,
                        emit: (_ members: [Int], _ lead: Int, _ outputs: UnsafeMutablePointer<Float>) throws -> Void) throws {
        let analyses = try loadAnalyses(initial)
        let layout = try memberLayout(initial)
        let byCheckpoint = Dictionary(grouping: members) { layout.member($0).checkpoint }
        for checkpoint in byCheckpoint.keys.sorted() {
            let normalized = models[checkpoint].normalized(analyses)
            let group = byCheckpoint[checkpoint]!.sorted()
            for start in stride(from: 0, to: group.count, by: batchSize) {
                let batch = Array(group[start..<min(group.count, start + batchSize)])
                _ = try rollOut(batch, layout: layout, analyses: normalized, initialSeconds: archive.seconds(of: initial.location),
                                progress: progress) { lead, outputs in
                    try emit(batch, lead, outputs)
                }
            }
        }
    }

    /// Writes one lead of every member of the batch and adds it to the summary.
    private func record(_ buffer: UnsafeMutablePointer<Float>, members: [Int], lead: Int,
                        writer: EnsembleShardWriter?, summary: inout StreamingSummary) throws {
        let outCount = outputs.outputs.count
        let points = crop?.fieldCount ?? archive.fieldCount
        for c in 0..<outCount {
            if let writer {
                for slot in members.indices {
                    try writer.write(channel: c, memberSlot: slot, lead: lead,
                                     field: UnsafeBufferPointer(start: buffer + (slot * outCount + c) * points, count: points))
                }
            }
            summary.update(lead: lead, channel: c, fields: buffer + c * points, members: members, fieldStride: outCount * points)
        }
    }
}
