import DatasetIO
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

    /// Fits the forcing amplitudes of `checkpoints` on `dataset`'s valid split.
    /// - Parameters:
    ///   - samples: initial states (≥ 2), spread evenly over the split.
    ///   - lengthScale: correlation length of the forcing, metres (the amplitude is a grid-point
    ///     standard deviation, so it does not depend on it).
    /// - Throws: one-line errors for fewer than 2 initial states, a stochastic checkpoint, or
    ///   checkpoints that do not fit the data.
    public static func fit(checkpoints: [String], dataset: String, samples: Int, lengthScale: Double,
                           progress: ((Int, Int) -> Void)? = nil) throws -> ModelErrorFile {
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
        let ringWeights = grid.weights.map { $0 / (grid.weights.reduce(0, +) * Double(grid.nlon)) }
        var sums = [Double](repeating: 0, count: c)
        var done = 0
        for location in initial.map(\.location) {
            let now = try archive.state(at: location, channels: channels)
            guard let nextLocation = archive.location(-1, before: location) else { continue }
            let next = try archive.state(at: nextLocation, channels: channels)
            for model in models {
                var input = model.normalized([now])[0]
                var output = [Float](repeating: 0, count: model.stateCount)
                input.withUnsafeMutableBufferPointer { i in
                    output.withUnsafeMutableBufferPointer { model.step(i.baseAddress!, $0.baseAddress!, 1) }
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
        let sigma = sums.map { ($0 / Double(max(1, done))).squareRoot() }
        let units = channels.map { name in archive.channelInfo.first { $0.name == name }?.units ?? "1" }
        return ModelErrorFile(checkpoints: checkpoints, dataset: dataset, split: split, samples: initial.count,
                              stepHours: archive.stepHours, nlat: grid.nlat, nlon: grid.nlon, channels: channels, units: units,
                              sigma: sigma, lengthScale: lengthScale)
    }
}
