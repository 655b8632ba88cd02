import SFNO

/// The gradient of one batch's multistep loss, by backpropagation through time
/// (docs/formulas.md#multistep-training).
///
/// The model runs k times, each prediction (plus fresh auxiliary channels) feeding the next
/// step; every step's tape is kept. The loss is Σⱼ (1/k) · loss(ŷⱼ, x_{t+j}) — makani's default
/// constant multistep weights. Backward runs in reverse: step j's gradient with respect to its
/// input flows into step j − 1's output gradient, on top of that step's own loss gradient.
/// All buffers are allocated once and reused every step.
///
/// With the CRPS objective each sample runs as M members (its initial state copied M times, a
/// stochastic model's noise drawn per member and step): every member rolls out on its own and
/// each step's loss is the fair CRPS of the M predictions against the one target.
final class MultistepGradient<Model: TrainableModel> {
    let model: Model
    let objective: TrainingObjective
    let input: ModelInput
    let steps: Int
    let batchSize: Int
    /// ∂loss/∂parameters of the last `compute` call (`parameterCount` reals).
    let gradients: UnsafeMutableBufferPointer<Float>
    private let inputs: [UnsafeMutableBufferPointer<Float>]
    private let outputs: [UnsafeMutableBufferPointer<Float>]
    private let gradOutputs: [UnsafeMutableBufferPointer<Float>]
    private let gradInput: UnsafeMutableBufferPointer<Float>

    init(model: Model, objective: TrainingObjective, input: ModelInput, steps: Int, batchSize: Int) {
        self.model = model
        self.objective = objective
        self.input = input
        self.steps = steps
        self.batchSize = batchSize
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            b.initialize(repeating: 0)
            return b
        }
        let runs = batchSize * objective.members
        let state = runs * input.channels * input.fieldCount
        gradients = buffer(model.parameterCount)
        inputs = (0..<steps).map { _ in buffer(runs * input.sampleCount) }
        outputs = (0..<steps).map { _ in buffer(state) }
        gradOutputs = (0..<steps).map { _ in buffer(state) }
        gradInput = buffer(runs * input.sampleCount)
    }

    deinit {
        for b in [gradients, gradInput] + inputs + outputs + gradOutputs { b.deallocate() }
    }

    /// Runs forward and backward over `batch` (which must be full) and returns the loss; the
    /// gradient is left in `gradients` (zeroed first, so nothing leaks between steps).
    /// - Parameter noiseSeed: the seed of a stochastic model's noise for this batch (the
    ///   trainer derives it from the run's seed and the optimiser step, so a resumed run draws
    ///   the same noise).
    func compute(_ batch: TrainingBatch, noiseSeed: UInt64 = 0) -> Double {
        precondition(batch.count == batchSize && batch.horizon >= steps, "multistep batch does not match the trainer")
        let b = batchSize, members = objective.members, runs = b * members
        gradients.update(repeating: 0)

        input.compose(prognostic: batch.initial.baseAddress!, samples: batch.samples, members: members, replicated: true,
                      step: 0, noiseSeed: noiseSeed, into: inputs[0].baseAddress!)
        var tapes: [Model.Tape] = []
        tapes.reserveCapacity(steps)
        for j in 0..<steps {
            tapes.append(model.forwardRecording(UnsafePointer(inputs[j].baseAddress!), batch: runs, output: outputs[j].baseAddress!))
            if j + 1 < steps {
                input.compose(prognostic: outputs[j].baseAddress!, samples: batch.samples, members: members, step: j + 1,
                              noiseSeed: noiseSeed, into: inputs[j + 1].baseAddress!)
            }
        }

        let weight = 1 / Double(steps)
        var total = 0.0
        for j in 0..<steps {
            total += weight * objective.evaluate(prediction: outputs[j].baseAddress!, target: batch.target(step: j + 1), batch: b,
                                                 gradient: gradOutputs[j].baseAddress!, gradientScale: weight)
        }

        for j in stride(from: steps - 1, through: 0, by: -1) {
            let tape = tapes.removeLast()
            model.backward(tape, gradOutput: UnsafePointer(gradOutputs[j].baseAddress!),
                           gradInput: j > 0 ? gradInput.baseAddress! : nil, gradParameters: gradients.baseAddress!)
            if j > 0 {
                input.accumulatePrognosticGradient(UnsafePointer(gradInput.baseAddress!), batch: runs, into: gradOutputs[j - 1].baseAddress!)
            }
        }
        return total
    }
}
