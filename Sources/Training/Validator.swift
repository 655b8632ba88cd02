import DatasetIO
import HensCore
import SFNO

/// Scores a model on a fixed set of initial states of a split: the one-step loss and its
/// ratio to persistence, and autoregressive RMSE per channel at leads 1 … n next to
/// persistence and climatology. The initial states are spread evenly over the split and are
/// the same every call, so epochs compare like with like; the reference scores (persistence,
/// climatology) do not depend on the model and are computed once.
public struct Validator {
    /// The split scored.
    public let split: NormalizedSplit
    /// The loss used for the one-step score.
    public let loss: SphereLoss
    /// Autoregressive leads n.
    public let leads: Int
    /// The initial states.
    public let samples: [TrainingSample]
    /// Samples per model call.
    public let batchSize: Int
    let input: ModelInput
    private let reference: (persistenceLoss: Double, persistence: [[Double]], climatology: [[Double]])

    /// A validator of up to `sampleCount` initial states with `leads` autoregressive steps.
    /// - Throws: when the split's trajectories are too short for `leads`.
    /// - Parameter stepInputs: an imported model's step inputs with the split's absolute times.
    public init(split: NormalizedSplit, loss: SphereLoss, leads: Int, sampleCount: Int, batchSize: Int,
                auxiliary: AuxiliaryChannels, stepInputs: StepInputTimes? = nil) throws {
        let plan = SamplePlan(trajectoryCount: split.trajectoryCount, timeCount: split.timeCount, horizon: leads)
        guard plan.count > 0 else {
            throw HensError(.invalidArgument, "validation_leads: \(leads) leads need trajectories of at least \(leads + 1) "
                + "times, but \(split.path) has \(split.timeCount)")
        }
        self.split = split
        self.loss = loss
        self.leads = leads
        self.batchSize = batchSize
        samples = plan.evenlySpaced(sampleCount)
        input = ModelInput(channels: split.channels.count, fieldCount: split.fieldCount, auxiliary: auxiliary, stepInputs: stepInputs)

        // References: persistence (x_t for every lead) and climatology (0).
        var persistenceLoss = 0.0
        var persistence = Self.zeroTable(split.channels.count, leads), climatology = persistence
        let batch = TrainingBatch(capacity: batchSize, horizon: leads, stateCount: split.stateCount)
        for group in Self.groups(samples, batchSize) {
            batch.fill(group, from: split)
            let b = group.count
            persistenceLoss += Double(b) * loss.evaluate(prediction: batch.initial.baseAddress!, target: batch.target(step: 1), batch: b)
            for lead in 1...leads {
                Self.accumulate(loss.meanSquares(batch.initial.baseAddress!, minus: batch.target(step: lead), batch: b),
                                into: &persistence, lead: lead)
                Self.accumulate(loss.meanSquares(batch.target(step: lead), minus: nil, batch: b), into: &climatology, lead: lead)
            }
        }
        reference = (persistenceLoss / Double(samples.count), persistence, climatology)
    }

    /// Scores `model` (its forward pass only; the tapes are dropped). A stochastic model runs
    /// one member per initial state with noise of a fixed seed, so epochs compare like with like.
    public func evaluate<M: TrainableModel>(_ model: M) -> ValidationMetrics {
        let c = split.channels.count, stateCount = split.stateCount
        var input = self.input
        input.noise = model.noise
        let batch = TrainingBatch(capacity: batchSize, horizon: leads, stateCount: stateCount)
        var inputs = [Float](repeating: 0, count: batchSize * input.sampleCount)
        var outputs = [Float](repeating: 0, count: batchSize * stateCount)
        var lossSum = 0.0
        var errors = Self.zeroTable(c, leads)
        for (g, group) in Self.groups(samples, batchSize).enumerated() {
            batch.fill(group, from: split)
            let b = group.count, noiseSeed = SplitMix64.mix(Self.noiseStream ^ UInt64(g))
            inputs.withUnsafeMutableBufferPointer { inp in
                outputs.withUnsafeMutableBufferPointer { out in
                    input.compose(prognostic: batch.initial.baseAddress!, samples: group, step: 0, noiseSeed: noiseSeed,
                                  into: inp.baseAddress!)
                    for lead in 1...leads {
                        _ = model.forwardRecording(UnsafePointer(inp.baseAddress!), batch: b, output: out.baseAddress!)
                        let target = batch.target(step: lead)
                        if lead == 1 {
                            lossSum += Double(b) * loss.evaluate(prediction: out.baseAddress!, target: target, batch: b)
                        }
                        Self.accumulate(loss.meanSquares(out.baseAddress!, minus: target, batch: b), into: &errors, lead: lead)
                        if lead < leads {
                            input.compose(prognostic: out.baseAddress!, samples: group, step: lead, noiseSeed: noiseSeed, into: inp.baseAddress!)
                        }
                    }
                }
            }
        }
        let n = Double(samples.count)
        let meanLoss = lossSum / n
        return ValidationMetrics(
            samples: samples.count, loss: meanLoss, persistenceLoss: reference.persistenceLoss,
            lossRatio: meanLoss / reference.persistenceLoss, channels: split.channels,
            rmse: Self.rmse(errors, n), rmseAll: Self.rmseAll(errors, n),
            persistenceRMSE: Self.rmse(reference.persistence, n), persistenceRMSEAll: Self.rmseAll(reference.persistence, n),
            climatologyRMSE: Self.rmse(reference.climatology, n), climatologyRMSEAll: Self.rmseAll(reference.climatology, n))
    }

    // MARK: Helpers

    /// The seed stream of a stochastic model's validation noise.
    static let noiseStream: UInt64 = 0x7661_6c69_64

    /// `samples` cut into groups of at most `size` (the last may be short).
    static func groups(_ samples: [TrainingSample], _ size: Int) -> [[TrainingSample]] {
        stride(from: 0, to: samples.count, by: size).map { Array(samples[$0..<min($0 + size, samples.count)]) }
    }

    /// A channels × leads table of zeros.
    static func zeroTable(_ channels: Int, _ leads: Int) -> [[Double]] {
        [[Double]](repeating: [Double](repeating: 0, count: leads), count: channels)
    }

    /// Adds per-(sample, channel) mean squares (`[b][c]`) into column `lead` of the table.
    static func accumulate(_ meanSquares: [Double], into table: inout [[Double]], lead: Int) {
        let c = table.count
        for (i, value) in meanSquares.enumerated() { table[i % c][lead - 1] += value }
    }

    /// √(sum / n) per channel and lead.
    static func rmse(_ sums: [[Double]], _ n: Double) -> [[Double]] {
        sums.map { row in row.map { ($0 / n).squareRoot() } }
    }

    /// √(channel-mean of sum / n) per lead.
    static func rmseAll(_ sums: [[Double]], _ n: Double) -> [Double] {
        let leads = sums.first?.count ?? 0
        let denominator = n * Double(sums.count)
        return (0..<leads).map { (lead: Int) -> Double in
            var total = 0.0
            for row in sums { total += row[lead] }
            return (total / denominator).squareRoot()
        }
    }
}
