import DatasetIO
import Foundation
import HensCore
import Spherical

/// `hens calibrate`: fits the per-step model-error forcing of deterministic checkpoints on the
/// **valid** split (docs/calibration.md).
///
/// For each checkpoint and each of `samples` initial states spread over the valid split, one
/// model step from the analysis is compared with the next analysis; σ_c is the area-weighted RMS
/// of that one-step error per channel, pooled over checkpoints and states, in physical units.
/// The test split is never read, so scores on it stay honest.
public enum ModelErrorCalibration {
    /// The split every calibration is fitted on.
    public static let split = "valid"
    /// The sppt amplitude before tuning (a usual amplitude of operational SPPT schemes).
    public static let initialSPPTAmplitude = 0.5

    /// Fits the forcing amplitudes of `checkpoints` on `dataset`'s valid split.
    /// - Parameters:
    ///   - kind: additive forcing starts from the one-step error; sppt from a tendency amplitude
    ///     of `initialSPPTAmplitude` per channel (the one-step error is measured alike, which
    ///     checks the checkpoints against the data, but not used).
    ///   - samples: initial states (≥ 2), spread evenly over the split.
    ///   - lengthScale: correlation length of the forcing, metres (the amplitude is a grid-point
    ///     standard deviation, so it does not depend on it).
    /// - Throws: one-line errors for fewer than 2 initial states, a stochastic checkpoint, or
    ///   checkpoints that do not fit the data.
    public static func fit(kind: ModelErrorFile.Kind = .additive, checkpoints: [String], dataset: String, samples: Int,
                           lengthScale: Double, progress: ((Int, Int) -> Void)? = nil) throws -> ModelErrorFile {
        guard samples >= 2 else {
            throw HensError.invalid("--samples", "at least 2 initial states (one cannot measure a spread of errors), got \(samples)")
        }
        guard lengthScale > 0, lengthScale <= 20_000_000 else {
            throw HensError.invalid("--length-scale", "a length between 0 and 20000 km, got \(lengthScale) m")
        }
        guard !checkpoints.isEmpty else { throw HensError.invalid("--checkpoints", "at least one checkpoint") }
        let archive = try AnalysisArchive(directory: dataset)
        guard archive.stepHours.isFinite, archive.stepHours > 0 else {
            throw HensError(.badInput, "\(dataset): needs at least two times per trajectory (the model step)")
        }
        let models = try checkpoints.map { try ForecastModel(path: $0, archive: archive) }
        for model in models {
            if model.isStochastic {
                throw HensError(.badInput, "\(model.path): a stochastic checkpoint (noise_channels \(model.network.config.noiseChannels)); "
                    + "hens calibrate fits model error for deterministic ones — a stochastic model's spread comes from its noise "
                    + "(tune the forecast's noise_scale on the valid split instead)")
            }
            if model.channels != models[0].channels {
                throw HensError(.badInput, "\(model.path): channels differ from \(models[0].path)'s")
            }
        }
        let initial = try archive.initialTimes(split, count: samples, history: 0, future: 1)
        guard initial.count >= 2 else {
            throw HensError(.badInput, "\(dataset): the \(split) split has \(initial.count) initial state with a next analysis; "
                + "hens calibrate needs at least 2")
        }
        let channels = models[0].channels, n = archive.fieldCount, c = channels.count
        let grid = try models[0].network.config.dataGrid()
        let ringWeights = pointWeights(grid)
        var sums = [Double](repeating: 0, count: c)
        var done = 0
        for location in initial.map(\.location) {
            let now = try archive.state(at: location, channels: channels)
            // With absolute times the next analysis may lie in the next split: never read it.
            guard let nextLocation = archive.location(-1, before: location), nextLocation.split == split else { continue }
            let next = try archive.state(at: nextLocation, channels: channels)
            for model in models {
                var input = model.normalized([now])[0]
                var output = [Float](repeating: 0, count: model.stateCount)
                input.withUnsafeMutableBufferPointer { i in
                    output.withUnsafeMutableBufferPointer {
                        model.step(i.baseAddress!, $0.baseAddress!, 1, validTime: archive.seconds(of: location))
                    }
                }
                var forecast = [Float](repeating: 0, count: model.stateCount)
                output.withUnsafeBufferPointer { o in
                    forecast.withUnsafeMutableBufferPointer { model.denormalize(o.baseAddress!, into: $0.baseAddress!) }
                }
                for channel in 0..<c {
                    var total = 0.0
                    for k in 0..<grid.nlat {
                        var ring = 0.0
                        for j in 0..<grid.nlon {
                            let i = channel * n + k * grid.nlon + j
                            let e = Double(forecast[i]) - Double(next[i])
                            ring += e * e
                        }
                        total += ringWeights[k] * ring
                    }
                    sums[channel] += total
                }
                done += 1
                progress?(done, initial.count * models.count)
            }
        }
        guard done >= 2 * models.count else {
            throw HensError(.badInput, "\(dataset): fewer than 2 initial states of the \(split) split have their next analysis in it; "
                + "hens calibrate needs at least 2")
        }
        let sigma = sums.map { ($0 / Double(done)).squareRoot() }
        let units = channels.map { name in archive.channelInfo.first { $0.name == name }?.units ?? "1" }
        let sppt = kind == .sppt
        return ModelErrorFile(kind: kind, checkpoints: checkpoints, dataset: dataset, split: split, samples: initial.count,
                              stepHours: archive.stepHours, nlat: grid.nlat, nlon: grid.nlon, channels: channels,
                              units: sppt ? channels.map { _ in "1" } : units,
                              sigma: sppt ? channels.map { _ in initialSPPTAmplitude } : sigma, lengthScale: lengthScale)
    }

    /// The quadrature weight of one point of each ring, normalised so that the grid's points sum
    /// to 1 (area-weighted means by a plain weighted sum).
    static func pointWeights(_ grid: SphericalGrid) -> [Double] {
        let total = grid.weights.reduce(0, +) * Double(grid.nlon)
        return grid.weights.map { $0 / total }
    }

    /// How `tune` tries amplitudes: small ensembles of the forecast configuration on the valid split.
    public struct Tuning: Sendable {
        /// Initial times of the valid split per trial.
        public var initCount = 4
        /// Members per initial time.
        public var members = 16
        /// Trials (the first uses the one-step error as it is).
        public var iterations = 3
        /// The first lead (model steps) whose spread and error count.
        public var firstLead = 2

        /// The defaults above.
        public init() {}
    }

    /// Tunes the per-channel amplitudes of `calibration` so that ensembles of `config` (its
    /// perturbation, members per checkpoint, steps) have a spread–skill ratio near 1 on the
    /// **valid** split: each trial rolls out `tuning.members` members from `tuning.initCount`
    /// valid initial times with the current amplitudes, measures each channel's SSR over leads
    /// from `tuning.firstLead` on, and divides the channel's scale by it (spread grows about in
    /// proportion to the forcing). The trial whose SSRs are closest to 1 (mean |log SSR|) is
    /// returned, with every trial recorded; the test split is never read.
    public static func tune(_ calibration: ModelErrorFile, forecast config: ForecastConfig, skill: SkillTable?, tuning: Tuning,
                            progress: ((Int) -> Void)? = nil) throws -> ModelErrorFile {
        guard (1...20).contains(tuning.iterations) else {
            throw HensError.invalid("--iterations", "1…20 trials, got \(tuning.iterations)")
        }
        guard tuning.initCount >= 2 else {
            throw HensError.invalid("--init-count", "at least 2 initial times of the valid split, got \(tuning.initCount)")
        }
        guard tuning.members >= 2 else { throw HensError.invalid("--ensemble-size", "at least 2 members, got \(tuning.members)") }
        guard tuning.firstLead >= 1, tuning.firstLead <= config.steps else {
            throw HensError.invalid("first lead", "between 1 and the forecast's \(config.steps) steps, got \(tuning.firstLead)")
        }
        var trialConfig = config
        trialConfig.initialTimes = split
        trialConfig.initCount = tuning.initCount
        trialConfig.members = tuning.members
        trialConfig.channels = []
        trialConfig.outputEvery = 1
        trialConfig.modelError = nil
        trialConfig.modelErrorScale = 1
        trialConfig.crop = nil           // the SSR is measured on the whole grid
        let oneStep = zip(calibration.sigma, calibration.scales ?? calibration.sigma.map { _ in 1 }).map { $0 / $1 }
        var scales = [Double](repeating: 1, count: calibration.channels.count)
        var trials: [ModelErrorFile.Trial] = []
        for _ in 0..<tuning.iterations {
            var trial = calibration
            trial.sigma = zip(oneStep, scales).map { $0 * $1 }
            let ssr = try measure(trial, config: trialConfig, skill: skill, firstLead: tuning.firstLead, progress: progress)
            trials.append(ModelErrorFile.Trial(scales: scales, ssr: ssr))
            // Spread from the forcing grows about in proportion to its amplitude; a bounded step
            // keeps a noisy estimate from overshooting.
            scales = zip(scales, ssr).map { scale, ratio in
                ratio.isFinite && ratio > 0 ? scale * min(3, max(1.0 / 3, 1 / ratio)) : scale
            }
        }
        // A trial with an undefined SSR (no error at all, or no spread) ranks last.
        func misfit(_ t: ModelErrorFile.Trial) -> Double {
            let m = t.ssr.reduce(0) { $0 + abs(log($1)) } / Double(t.ssr.count)
            return m.isFinite ? m : .infinity
        }
        let best = trials.min { misfit($0) < misfit($1) }!
        var tuned = calibration
        tuned.sigma = zip(oneStep, best.scales).map { $0 * $1 }
        tuned.scales = best.scales
        tuned.validSSR = best.ssr
        tuned.tuningFirstLead = tuning.firstLead
        tuned.trials = trials
        return tuned
    }

    /// Per-channel spread–skill ratio √((m+1)/m)·√(Σ w s² / Σ w (x̄ − y)²) of `config`'s ensemble
    /// forced with `trial`, pooled over its initial times and leads ≥ `firstLead`; w the grid's
    /// quadrature weights.
    static func measure(_ trial: ModelErrorFile, config: ForecastConfig, skill: SkillTable?, firstLead: Int,
                        progress: ((Int) -> Void)?) throws -> [Double] {
        let forecast = try EnsembleForecast(config: config, output: NSTemporaryDirectory(), shard: .single, memberSelection: nil,
                                            skill: skill, modelErrorTrial: trial)
        let archive = forecast.archive, channels = forecast.models[0].channels
        let n = archive.fieldCount, c = channels.count, leads = config.steps
        let grid = try forecast.models[0].network.config.dataGrid()
        let ringWeights = pointWeights(grid)
        var spread = [Double](repeating: 0, count: c), error = spread
        // Initial times whose verification would reach past the split (absolute times run on into
        // the next split, e.g. test) are left out: only the valid split is read.
        let initials = try forecast.initialTimes().filter { archive.location(-leads, before: $0.location)?.split == split }
        guard initials.count >= 2 else {
            throw HensError(.badInput, "\(config.dataset): fewer than 2 initial times of the \(split) split have \(leads) later "
                + "analyses in it; lower --init-count or the configuration's steps")
        }
        for initial in initials {
            // Σ x and Σ x² over members per (lead, channel, point), Float64.
            var sum = [Double](repeating: 0, count: leads * c * n), squares = sum
            let members = Array(0..<config.members)
            try forecast.rollOut(initial, members: members, progress: progress) { batch, leadIndex, outputs in
                guard leadIndex >= firstLead else { return }
                let base = (leadIndex - 1) * c * n
                for slot in batch.indices {
                    let x = outputs + slot * c * n
                    for i in 0..<(c * n) {
                        let v = Double(x[i])
                        sum[base + i] += v
                        squares[base + i] += v * v
                    }
                }
            }
            let m = Double(config.members)
            for lead in firstLead...leads {
                guard let location = archive.location(-lead, before: initial.location) else {
                    throw HensError(.badInput, "\(config.dataset): no analysis \(lead) step(s) after \(initial.label) to verify against")
                }
                let truth = try archive.state(at: location, channels: channels)
                let base = (lead - 1) * c * n
                for channel in 0..<c {
                    for k in 0..<grid.nlat {
                        var ringSpread = 0.0, ringError = 0.0
                        for j in 0..<grid.nlon {
                            let i = channel * n + k * grid.nlon + j
                            let mean = sum[base + i] / m
                            ringSpread += max(0, (squares[base + i] - m * mean * mean) / (m - 1))
                            let e = mean - Double(truth[i])
                            ringError += e * e
                        }
                        spread[channel] += ringWeights[k] * ringSpread
                        error[channel] += ringWeights[k] * ringError
                    }
                }
            }
        }
        let factor = (Double(config.members + 1) / Double(config.members)).squareRoot()
        return zip(spread, error).map { factor * ($1 > 0 ? ($0 / $1).squareRoot() : .nan) }
    }
}
