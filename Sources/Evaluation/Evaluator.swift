import Scores
import DatasetIO
import Foundation
import HensCore

/// `hens evaluate`: scores ensembles (hens forecasts or external NetCDF ensembles) against the
/// analyses of a canonical dataset, with climatology and persistence baselines.
///
/// One pass per (initial time, channel, lead): the members of every point are sorted once
/// (`EnsemblePointPass`) and every probabilistic score is read off that pass; band means are
/// stored per initial time, and the statistics that need all initial times (rank histograms,
/// reliability, ROC, dispersion ratios, the ensemble-size bootstrap) are accumulated.
public final class Evaluator {
    /// What to compute.
    public let options: EvaluationOptions
    /// The truth.
    public let truth: TruthFields
    /// The ensembles, one per initial time.
    public let sources: [EnsembleSource]
    /// The baseline climatology.
    public let climatology: Climatology
    /// The model climate, if EFI/SOT were asked for.
    public let modelClimate: ModelClimateReader?
    /// Channels scored.
    public let channels: [String]
    private let archive: AnalysisArchive
    private let bandWeights: [[Double]]
    private let nlon: Int
    private let angular: AngularPowerSpectrum?
    private let zonal: ZonalEnergySpectrum?

    /// Checks that the ensembles agree and can be verified, and loads the climatology.
    /// - Throws: for missing members (unless `allowPartial`), channels or truths the dataset lacks.
    public init(sources: [EnsembleSource], dataset: String, options: EvaluationOptions) throws {
        guard let first = sources.first else { throw HensError(.badInput, "nothing to evaluate: no initial times") }
        self.options = options
        self.sources = sources
        for s in sources {
            guard s.channels == first.channels, s.leadHours == first.leadHours, s.latitudes == first.latitudes,
                  s.longitudes == first.longitudes else {
                throw HensError(.badInput, "\(s.label): channels, leads or grid differ from \(first.label)'s; evaluate them separately")
            }
            guard s.memberIndices.count == first.memberIndices.count else {
                throw HensError(.badInput, "\(s.label): \(s.memberIndices.count) members, \(first.label) has \(first.memberIndices.count); "
                    + "scores of different ensemble sizes cannot be pooled")
            }
            if s.memberIndices.count < s.expectedMemberCount && !options.allowPartial {
                let missing = Set(0..<s.expectedMemberCount).subtracting(s.memberIndices).sorted()
                throw HensError(.badInput, "\(s.label): \(missing.count) of \(s.expectedMemberCount) members missing "
                    + "(\(MemberSelection.format(missing))): some shards did not finish; pass --allow-partial to score the rest")
            }
        }
        var labels = Set<String>()
        for s in sources where !labels.insert(s.label).inserted {
            throw HensError(.badInput, "two ensembles are both labelled '\(s.label)' (from their folder or file names); rename one")
        }
        for name in options.channels where !first.channels.contains(name) {
            throw HensError.invalid("--channels", "channels of the ensemble (\(first.channels.joined(separator: ", "))), got '\(name)'")
        }
        channels = options.channels.isEmpty ? first.channels : options.channels
        archive = try AnalysisArchive(directory: dataset)
        truth = try TruthFields(archive: archive, channels: channels, latitudes: first.latitudes, longitudes: first.longitudes)
        climatology = try Climatology(truth: truth, split: options.climatologySplit,
                                      levels: options.climatologyLevels(channels: channels), maxSamples: options.climatologySamples,
                                      windowDays: options.climatologyWindowDays, ensembleSize: options.climatologyMembers)
        modelClimate = try options.modelClimate.map { try ModelClimateReader(path: $0) }
        if let mc = modelClimate, mc.layout.latitudes != first.latitudes || mc.layout.longitudes != first.longitudes {
            throw HensError(.badInput, "\(mc.path): the model climate's grid differs from the ensemble's")
        }
        nlon = first.longitudes.count
        let rowWeights = try options.weighting.rowWeights(latitudes: first.latitudes)
        bandWeights = options.bands.map { $0.maskedWeights(rowWeights, latitudes: first.latitudes) }
        let global = first.longitudes.count > 1 && abs(first.longitudes[1] - first.longitudes[0]) * Double(first.longitudes.count) > 359.999
        angular = options.spectra ? try? AngularPowerSpectrum(latitudes: first.latitudes, nlon: nlon) : nil
        zonal = options.spectra && global ? try? ZonalEnergySpectrum(latitudes: first.latitudes, nlon: nlon, band: options.zonalBand) : nil
    }

    /// Where the truth of `source` at lead index `lead` is, or nil when the dataset lacks it.
    func truthLocation(_ source: EnsembleSource, lead: Int) -> AnalysisLocation? {
        archive.truthLocation(of: source, lead: lead)
    }

    /// Scores every initial time.
    public func run(quiet: Bool = true) throws -> EvaluationResult {
        let first = sources[0]
        let m = first.memberIndices.count
        let leads = first.leadHours
        let events = channels.map { options.events(for: $0) }
        var result = EvaluationResult(inits: sources.map(\.label), leads: leads, channels: channels, bands: options.bands.map(\.name),
                                      memberCount: m, eventLabels: events.map { $0.map(\.description) },
                                      zScoreEdges: options.zScoreEdges, latitudes: first.latitudes, longitudes: first.longitudes)
        result.membersUsed = sources.map(\.memberIndices)
        result.expectedMembers = sources.map(\.expectedMemberCount)
        let points = truth.pointCount
        let fieldCount = sources.count * leads.count * channels.count
        // Three NaN-filled arrays (members / mean / truth, or EFI / SOT90 / SOT10) of `n` values.
        func missing(_ n: Int) -> ([Double], [Double], [Double]) { let a = [Double](repeating: .nan, count: n); return (a, a, a) }
        if let angular {
            result.degrees = angular.lmax
            result.angularSpectra = missing(fieldCount * angular.lmax)
        }
        if let zonal {
            result.wavenumbers = zonal.wavenumberCount
            result.zonalSpectra = missing(fieldCount * zonal.wavenumberCount)
        }
        if modelClimate != nil && 3 * fieldCount * points * 8 <= options.memoryBytes / 2 {
            result.extremeMaps = missing(fieldCount * points)
        }
        if let beyond = options.bootstrapLeads?.first(where: { $0 >= leads.count }) {
            throw HensError.invalid("bootstrap_leads (--bootstrap-leads)", "lead indices 0…\(leads.count - 1) of this forecast (\(leads.count) leads), got \(beyond)")
        }
        let bootstrapLeads = Set(options.bootstrapLeads ?? [leads.count - 1])
        // Sizes below 2 have no spread: a 1-member ensemble is not bootstrapped.
        let sizes = m < 2 ? [] : Array(Set(options.bootstrapSizes.filter { $0 >= 2 && $0 < m } + [m])).sorted()
        let progress = ProgressReporter("evaluate", total: fieldCount, unit: "fields", quiet: quiet)
        for (s, source) in sources.enumerated() {
            guard let initLocation = truthLocation(source, lead: 0) ?? (source.initialLocation.map {
                AnalysisLocation(split: $0.split, trajectory: $0.trajectory, timeIndex: $0.timeIndex) }) else {
                throw HensError(.badInput, "\(source.label): the dataset has no analysis at the initial time")
            }
            let persistence = try truth.fields(at: initLocation)
            let summary = try source.summary()
            for lead in leads.indices {
                guard let location = truthLocation(source, lead: lead) else {
                    throw HensError(.badInput, "\(source.label): the dataset has no analysis at lead \(leads[lead]) h to verify against")
                }
                let verifying = try truth.fields(at: location)
                let reference = climatology.reference(validSeconds: archive.seconds(of: location))
                for (c, channel) in channels.enumerated() {
                    let field = FieldContext(init: s, lead: lead, channel: c, points: points,
                                             truth: Array(verifying[(c * points)..<((c + 1) * points)]),
                                             persistence: Array(persistence[(c * points)..<((c + 1) * points)]),
                                             reference: reference, events: events[c],
                                             summary: summary.flatMap { Self.summaryRange($0, channel: channel, lead: lead) })
                    if source is ForecastSummarySource, let summary {
                        scoreSummary(field, summary: summary, into: &result)
                    } else {
                        try score(field, source: source, memberCount: m, bootstrapSizes: bootstrapLeads.contains(lead) ? sizes : [],
                                  leadHours: leads[lead], into: &result)
                    }
                    progress.advance()
                }
            }
        }
        progress.finish()
        return result
    }

    /// One field's inputs besides the members.
    struct FieldContext {
        var `init`: Int, lead: Int, channel: Int, points: Int
        var truth: [Float], persistence: [Float]
        var reference: Climatology.Reference
        var events: [EventThreshold]
        var summary: (minimum: [Float], maximum: [Float])?
    }

    /// The streaming summary's min and max of one (channel, lead), if the summary has the channel.
    static func summaryRange(_ summary: EnsembleSummaryFile.Contents, channel: String, lead: Int) -> (minimum: [Float], maximum: [Float])? {
        guard let c = summary.layout.channelIndex(named: channel), lead < summary.arrays.leadCount else { return nil }
        let n = summary.arrays.latitudeCount * summary.arrays.longitudeCount
        let start = (lead * summary.arrays.channelCount + c) * n
        return (Array(summary.arrays.minimum[start..<(start + n)]), Array(summary.arrays.maximum[start..<(start + n)]))
    }

    /// Latitude rows per tile: members of a tile take at most half the memory budget.
    func tileRows(memberCount m: Int) -> Int {
        max(1, min(truth.pointCount / nlon, options.memoryBytes / 2 / max(1, m * nlon * 4)))
    }

    /// Seed of one field's rank tie-breaks and bootstrap draws: (seed, init, lead, channel).
    private func fieldSeed(_ f: FieldContext) -> UInt64 {
        options.seed ^ (UInt64(f.`init`) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(f.lead) << 32) ^ UInt64(f.channel)
    }

    /// Scores one (init, lead, channel) field, reading the members in latitude tiles.
    private func score(_ f: FieldContext, source: EnsembleSource, memberCount m: Int, bootstrapSizes: [Int], leadHours: Double,
                       into result: inout EvaluationResult) throws {
        let n = f.points, c = f.channel, channelCount = channels.count
        let levels = climatology.levels
        func climatologyLevel(_ p: Double) -> [Float] {
            let l = levels.firstIndex(of: p)!
            let start = (l * channelCount + c) * n
            return Array(f.reference.percentiles[start..<(start + n)])
        }
        let eventThresholds: [[Float]] = f.events.map {
            switch $0 {
            case let .value(v): return [Float](repeating: Float(v), count: n)
            case let .percentile(p): return climatologyLevel(p)
            }
        }
        let tailThresholds = options.tailPercentiles.map { climatologyLevel($0) }
        let climate = try modelClimatePercentiles(channel: channels[c], leadHours: leadHours, points: n)
        let climateLevels = modelClimate?.layout.percentiles.count ?? 101

        var out = PointPassOutput(pointCount: n, events: eventThresholds.count, tails: tailThresholds.count, climate: climate != nil)
        let seed = fieldSeed(f)
        var bootstrapSums: EnsembleSizeBootstrapSums?
        let spectrumCount = angular != nil || zonal != nil ? min(m, max(1, options.spectrumMembers)) : 0
        var spectrumMembers = [Float](repeating: 0, count: spectrumCount * n)
        let rowsPerTile = tileRows(memberCount: m), nlat = n / nlon
        var tile = [Float](repeating: 0, count: m * min(nlat, rowsPerTile) * nlon)
        let globalWeights = bandWeights[0]
        for firstRow in stride(from: 0, to: nlat, by: rowsPerTile) {
            let rows = firstRow..<min(nlat, firstRow + rowsPerTile)
            let p0 = firstRow * nlon, tn = rows.count * nlon
            let span = p0..<(p0 + tn)
            try tile.withUnsafeMutableBufferPointer {
                try source.read(channel: channels[c], lead: f.lead, rows: rows, into: UnsafeMutableBufferPointer(rebasing: $0[0..<(m * tn)]))
            }
            var tileOut = PointPassOutput(pointCount: tn, events: eventThresholds.count, tails: tailThresholds.count, climate: climate != nil)
            withBuffers(Array(tile[0..<(m * tn)]), Array(f.truth[span]), eventThresholds.map { Array($0[span]) },
                            tailThresholds.map { Array($0[span]) },
                            climate.map { Array($0[(p0 * climateLevels)..<((p0 + tn) * climateLevels)]) }) { members, truth, events, tails, climateBuffer in
                let input = PointPassInput(members: members, memberCount: m, pointCount: tn, truth: truth, eventThresholds: events,
                                           tailThresholds: tails, climate: climateBuffer, climateLevels: climateLevels,
                                           tieBreakSeed: seed, firstPointIndex: p0)
                EnsemblePointPass.run(input, into: &tileOut)
                if !bootstrapSizes.isEmpty {
                    let weights = span.map { globalWeights[$0 / nlon] }
                    let sums = weights.withUnsafeBufferPointer {
                        EnsemblePointPass.bootstrap(input, EnsembleSizeBootstrapRequest(sizes: bootstrapSizes, replicates: options.bootstrapReplicates,
                                                                                        seed: seed, weights: $0))
                    }
                    if bootstrapSums == nil { bootstrapSums = sums } else { bootstrapSums!.add(sums) }
                }
            }
            out.place(tileOut, at: p0, fieldPoints: n)
            for j in 0..<spectrumCount {
                let member = j * m / spectrumCount
                for i in 0..<tn { spectrumMembers[j * n + p0 + i] = tile[member * tn + i] }
            }
        }

        // Per-point quantities that band means are taken of.
        // Points with a missing truth, member or threshold (NaN: fill values of external files,
        // gaps in real data) are left out of every score instead of biasing it.
        let valid = (0..<n).map { p in
            out.rank[p] >= 0 && f.truth[p].isFinite && out.minimum[p].isFinite && out.maximum[p].isFinite
                && eventThresholds.allSatisfy { !$0[p].isNaN }
        }
        let outlier = (0..<n).map { !valid[$0] ? .nan : f.truth[$0] < out.minimum[$0] || f.truth[$0] > out.maximum[$0] ? 1.0 : 0.0 }
        let above = (0..<n).map { valid[$0] ? Double(out.aboveTruth[$0]) / Double(m) : .nan }
        let outcomes = eventThresholds.map { t in (0..<n).map { f.truth[$0] > t[$0] } }
        let allValid = valid.allSatisfy { $0 }
        let validWeights = PointWeights.rows(valid.map { $0 ? 1 : 0 }, nlon: 1)
        scoreMoments(f, mean: out.mean, variance: out.variance, valid: valid, seed: seed, into: &result)

        for (b, w) in bandWeights.enumerated() {
            let weights = maskedWeights(w, valid: allValid ? nil : valid)
            func mean(_ values: [Double]) -> Double { nanWeightedMean(values, rowWeights: w, nlon: nlon) }
            func set(_ name: String, _ value: Double) { result.set(name, value, init: f.`init`, lead: f.lead, channel: c, band: b) }
            set("crps", mean(out.crps))
            set("crps_fair", mean(out.crpsFair))
            set("outlier_fraction", mean(outlier))
            set("members_above_truth", mean(above))
            for (t, p) in options.tailPercentiles.enumerated() {
                let label = EventThreshold.percentile(p).description
                set("twcrps_" + label, mean(Array(out.twCRPS[(t * n)..<((t + 1) * n)])))
                set("owcrps_" + label, mean(Array(out.owCRPS[(t * n)..<((t + 1) * n)])))
            }
            for (e, event) in f.events.enumerated() {
                var scores = BinaryEventScores(memberCount: m)
                scores.add(exceedances: Array(out.exceedances[(e * n)..<((e + 1) * n)]), outcomes: outcomes[e], weights: weights)
                set("brier_" + event.description, scores.brierScore)
                set("brier_fair_" + event.description, scores.fairBrierScore)
            }
            if climate != nil {
                set("efi", mean(out.efi))
                set("efi_abs_gt_0.5", mean(out.efi.map { $0.isNaN ? .nan : abs($0) > 0.5 ? 1 : 0 }))
            }
        }

        // All points, unweighted (HENS / xskillscore): ranks, events, members above the truth by z-score.
        let lc = result.leadChannel(f.lead, c)
        result.rankHistograms[lc].add(ranks: out.rank, weights: allValid ? .uniform : validWeights)
        result.rankHistograms[lc].addOutliers(truth: f.truth, minimum: out.minimum, maximum: out.maximum, weights: allValid ? .uniform : validWeights)
        for e in f.events.indices {
            result.events[lc][e].add(exceedances: Array(out.exceedances[(e * n)..<((e + 1) * n)]), outcomes: outcomes[e],
                                     weights: allValid ? .uniform : validWeights)
        }
        let bins = options.zScoreEdges.count + 1
        for p in 0..<n where valid[p] && out.variance[p] > 0 {
            let z = (Double(f.truth[p]) - out.mean[p]) / out.variance[p].squareRoot()
            let bin = options.zScoreEdges.firstIndex { z < $0 } ?? options.zScoreEdges.count
            result.zScoreCounts[lc * bins + bin] += 1
            result.zScoreFractions[lc * bins + bin] += above[p]
        }
        if let sums = bootstrapSums {
            if result.bootstrap[lc] == nil { result.bootstrap[lc] = sums } else { result.bootstrap[lc]!.add(sums) }
        }
        let fieldIndex = (f.`init` * result.leads.count + f.lead) * channelCount + c
        if let angular {
            let spectra = spectraOf(members: spectrumMembers, count: spectrumCount, mean: out.mean, truth: f.truth, points: n) { buffer, count in
                angular.spectra(buffer, count: count)
            }
            store(spectra, width: angular.lmax, at: fieldIndex, into: &result.angularSpectra!)
        }
        if let zonal {
            let spectra = spectraOf(members: spectrumMembers, count: spectrumCount, mean: out.mean, truth: f.truth, points: n) { buffer, count in
                (0..<count).map { zonal.bandSpectrum(Array(buffer[($0 * n)..<(($0 + 1) * n)])) }
            }
            store(spectra, width: zonal.wavenumberCount, at: fieldIndex, into: &result.zonalSpectra!)
        }
        if climate != nil && result.extremeMaps != nil {
            for p in 0..<n {
                result.extremeMaps!.efi[fieldIndex * n + p] = out.efi[p]
                result.extremeMaps!.sot90[fieldIndex * n + p] = out.sot90[p]
                result.extremeMaps!.sot10[fieldIndex * n + p] = out.sot10[p]
            }
        }
    }

    /// The scores that need only each point's ensemble mean and variance — dispersion, ACC, the
    /// streaming summary's outlier fraction — and the baselines, which need no ensemble at all.
    private func scoreMoments(_ f: FieldContext, mean: [Double], variance: [Double], valid: [Bool]?, seed: UInt64,
                              into result: inout EvaluationResult) {
        let n = f.points, c = f.channel
        let climateMean = Array(f.reference.mean[(c * n)..<((c + 1) * n)])
        var climatologyCRPS = PointPassOutput(pointCount: n)
        let k = f.reference.ensembleSize
        withBuffers(Array(f.reference.ensemble[(c * k * n)..<((c + 1) * k * n)]), f.truth, [], [], nil) { members, truth, _, _, _ in
            EnsemblePointPass.run(PointPassInput(members: members, memberCount: k, pointCount: n, truth: truth, tieBreakSeed: seed),
                                  into: &climatologyCRPS)
        }
        let persistenceError = (0..<n).map { Double(f.persistence[$0]) - Double(f.truth[$0]) }
        let climatologyError = (0..<n).map { Double(climateMean[$0]) - Double(f.truth[$0]) }
        let summaryOutlier = f.summary.map { s in (0..<n).map { f.truth[$0] < s.minimum[$0] || f.truth[$0] > s.maximum[$0] ? 1.0 : 0.0 } }
        let mask = valid.flatMap { v in v.allSatisfy { $0 } ? nil : v }
        for (b, w) in bandWeights.enumerated() {
            let weights = maskedWeights(w, valid: mask)
            func average(_ values: [Double]) -> Double { nanWeightedMean(values, rowWeights: w, nlon: nlon) }
            func set(_ name: String, _ value: Double) { result.set(name, value, init: f.`init`, lead: f.lead, channel: c, band: b) }
            var dispersion = DispersionSums()
            dispersion.add(mean: mean, variance: variance, truth: f.truth, weights: weights)
            result.dispersion[result.leadChannelBand(f.lead, c, b)].add(dispersion)
            var acc = AnomalyCorrelationSums()
            acc.add(forecast: mean, truth: f.truth, climatology: climateMean, weights: weights)
            result.anomalyCorrelation[result.leadChannelBand(f.lead, c, b)].add(acc)
            set("mse", dispersion.meanSquaredError)
            set("bias", dispersion.bias)
            set("mae", dispersion.meanAbsoluteError)
            set("variance", dispersion.meanVariance)
            set("acc", acc.uncentred)
            set("acc_centred", acc.centred)
            if let summaryOutlier { set("outlier_fraction_summary", average(summaryOutlier)) }
            set("crps_climatology", average(climatologyCRPS.crps))
            set("mse_climatology", average(climatologyError.map { $0 * $0 }))
            set("mse_persistence", average(persistenceError.map { $0 * $0 }))
            set("crps_persistence", average(persistenceError.map(abs)))
        }
    }

    /// Scores a forecast that kept only its streaming summary (`write_members: false`): the
    /// moments' scores, the outlier fraction from min/max, and Brier scores of the thresholds
    /// the forecast counted exceedances for. CRPS, ranks and spectra need the members.
    private func scoreSummary(_ f: FieldContext, summary: EnsembleSummaryFile.Contents, into result: inout EvaluationResult) {
        let a = summary.arrays, n = f.points, c = f.channel
        guard let channel = summary.layout.channelIndex(named: channels[c]) else { return }
        let start = (f.lead * a.channelCount + channel) * n
        let counts = a.count[start..<(start + n)]
        let mean = Array(a.mean[start..<(start + n)])
        let variance = zip(a.m2[start..<(start + n)], counts).map { $1 > 1 ? $0 / Double($1 - 1) : 0 }
        let seed = fieldSeed(f)
        scoreMoments(f, mean: mean, variance: variance,
                     valid: (0..<n).map { f.truth[$0].isFinite && mean[$0].isFinite && variance[$0].isFinite }, seed: seed, into: &result)
        let m = Int(counts.first ?? 0)
        guard let range = f.summary, m > 0 else { return }
        let lc = result.leadChannel(f.lead, c)
        result.rankHistograms[lc].addOutliers(truth: f.truth, minimum: range.minimum, maximum: range.maximum)
        for (t, threshold) in a.thresholds.enumerated() where threshold.channel == channel {
            let from = (t * a.leadCount + f.lead) * n
            let exceedances = Array(a.exceedances[from..<(from + n)])
            let outcomes = f.truth.map { Double($0) > threshold.value }
            let label = EventThreshold.value(threshold.value).description
            for (b, w) in bandWeights.enumerated() {
                var scores = BinaryEventScores(memberCount: m)
                scores.add(exceedances: exceedances, outcomes: outcomes, weights: PointWeights.rows(w, nlon: nlon))
                result.set("brier_" + label, scores.brierScore, init: f.`init`, lead: f.lead, channel: c, band: b)
                result.set("brier_fair_" + label, scores.fairBrierScore, init: f.`init`, lead: f.lead, channel: c, band: b)
            }
        }
    }

    /// Band row weights as point weights, with the points that are not `valid` given weight 0
    /// (row weights as they are when every point is valid).
    private func maskedWeights(_ rowWeights: [Double], valid: [Bool]?) -> PointWeights {
        guard let valid else { return .rows(rowWeights, nlon: nlon) }
        return .rows(valid.indices.map { valid[$0] ? rowWeights[$0 / nlon] : 0 }, nlon: 1)
    }

    /// (mean member spectrum, ensemble-mean spectrum, truth spectrum) with `spectra` applied to
    /// the `count` member fields in `members` (evenly spaced members), the ensemble mean and the truth.
    private func spectraOf(members: [Float], count k: Int, mean: [Double], truth: [Float], points n: Int,
                           _ spectra: (UnsafeBufferPointer<Float>, Int) -> [[Double]]) -> [[Double]] {
        var fields = members
        fields.append(contentsOf: mean.map { Float($0) })
        fields.append(contentsOf: truth)
        let all = fields.withUnsafeBufferPointer { spectra($0, k + 2) }
        let width = all[0].count
        var memberMean = [Double](repeating: 0, count: width)
        for j in 0..<k { for l in 0..<width { memberMean[l] += all[j][l] / Double(k) } }
        return [memberMean, all[k], all[k + 1]]
    }

    private func store(_ spectra: [[Double]], width: Int, at field: Int, into target: inout (members: [Double], mean: [Double], truth: [Double])) {
        for l in 0..<width {
            target.members[field * width + l] = spectra[0][l]
            target.mean[field * width + l] = spectra[1][l]
            target.truth[field * width + l] = spectra[2][l]
        }
    }

    /// The model climate of a channel at a lead as `[point][percentile]`, or nil when the file
    /// has neither.
    private func modelClimatePercentiles(channel: String, leadHours: Double, points n: Int) throws -> [Float]? {
        guard let mc = modelClimate, let c = mc.layout.channels.firstIndex(where: { $0.name == channel }),
              let lead = mc.layout.leads.firstIndex(where: { abs($0 - leadHours) < 1e-6 }) else { return nil }
        let levels = mc.layout.percentiles.count
        let stored = try mc.read(channel: c, lead: lead)
        var out = [Float](repeating: 0, count: n * levels)
        for i in 0..<levels { for p in 0..<n { out[p * levels + i] = stored[i * n + p] } }
        return out
    }
}

/// Weighted mean over rows like `weightedMean`, skipping NaN points (the outcome-weighted CRPS
/// is undefined where the event did not happen); NaN when no point is left.
func nanWeightedMean(_ values: [Double], rowWeights: [Double], nlon: Int) -> Double {
    var total = 0.0, weight = 0.0
    for (j, w) in rowWeights.enumerated() where w != 0 {
        for i in (j * nlon)..<((j + 1) * nlon) where !values[i].isNaN {
            total += w * values[i]
            weight += w
        }
    }
    return weight > 0 ? total / weight : .nan
}

/// Runs `body` with buffer views of the pass inputs (arrays stay alive for the call).
private func withBuffers<R>(_ members: [Float], _ truth: [Float], _ events: [[Float]], _ tails: [[Float]], _ climate: [Float]?,
                            _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, [UnsafeBufferPointer<Float>],
                                     [UnsafeBufferPointer<Float>], UnsafeBufferPointer<Float>?) throws -> R) rethrows -> R {
    // Copies pinned for the duration of the call: Swift arrays give no stable pointers outside closures.
    let pinned = (events + tails + [climate ?? [], members, truth]).map { array -> UnsafeMutableBufferPointer<Float> in
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, array.count))
        _ = buffer.initialize(from: array)
        return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
    }
    defer { pinned.forEach { UnsafeMutableBufferPointer(start: $0.baseAddress, count: max(1, $0.count)).deallocate() } }
    let views = pinned.map { UnsafeBufferPointer($0) }
    let e = events.count, t = tails.count
    return try body(views[e + t + 1], views[e + t + 2], Array(views[0..<e]), Array(views[e..<(e + t)]), climate == nil ? nil : views[e + t])
}
