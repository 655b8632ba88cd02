import SFNO

/// The gradient of one batch's multistep loss, by backpropagation through time
/// (docs/formulas.md#multistep-training).
///
/// The model runs k times, each prediction (plus fresh auxiliary channels) feeding the next
/// step; every step's tape is kept. The loss is Σⱼ (1/k) · loss(ŷⱼ, x_{t+j}) — makani's default
/// constant multistep weights. Backward runs in reverse: step j's gradient with respect to its
/// input flows into step j − 1's output gradient, on top of that step's own loss gradient.
/// All buffers are allocated once and reused every step.
final class MultistepGradient<Model: TrainableModel> {
    let model: Model
    let loss: SphereLoss
    let input: ModelInput
    let steps: Int
    let batchSize: Int
    /// ∂loss/∂parameters of the last `compute` call (`parameterCount` reals).
    let gradients: UnsafeMutableBufferPointer<Float>
    private let inputs: [UnsafeMutableBufferPointer<Float>]
    private let outputs: [UnsafeMutableBufferPointer<Float>]
    private let gradOutputs: [UnsafeMutableBufferPointer<Float>]
    private let gradInput: UnsafeMutableBufferPointer<Float>

    init(model: Model, loss: SphereLoss, input: ModelInput, steps: Int, batchSize: Int) {
        self.model = model
        self.loss = loss
        self.input = input
        self.steps = steps
        self.batchSize = batchSize
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            b.initialize(repeating: 0)
            return b
        }
        let state = batchSize * input.channels * input.fieldCount
        gradients = buffer(model.parameterCount)
        inputs = (0..<steps).map { _ in buffer(batchSize * input.sampleCount) }
        outputs = (0..<steps).map { _ in buffer(state) }
        gradOutputs = (0..<steps).map { _ in buffer(state) }
        gradInput = buffer(batchSize * input.sampleCount)
    }

    deinit {
        for b in [gradients, gradInput] + inputs + outputs + gradOutputs { b.deallocate() }
    }

    /// Runs forward and backward over `batch` (which must be full) and returns the loss; the
    /// gradient is left in `gradients` (zeroed first, so nothing leaks between steps).
    func compute(_ batch: TrainingBatch) -> Double {
        precondition(batch.count == batchSize && batch.horizon >= steps, "multistep batch does not match the trainer")
        let b = batchSize
        gradients.update(repeating: 0)

        input.compose(prognostic: batch.initial.baseAddress!, samples: batch.samples, step: 0, into: inputs[0].baseAddress!)
        var tapes: [Model.Tape] = []
        tapes.reserveCapacity(steps)
        for j in 0..<steps {
            tapes.append(model.forwardRecording(UnsafePointer(inputs[j].baseAddress!), batch: b, output: outputs[j].baseAddress!))
            if j + 1 < steps {
                input.compose(prognostic: outputs[j].baseAddress!, samples: batch.samples, step: j + 1, into: inputs[j + 1].baseAddress!)
            }
        }

        let weight = 1 / Double(steps)
        var total = 0.0
        for j in 0..<steps {
            total += weight * loss.evaluate(prediction: outputs[j].baseAddress!, target: batch.target(step: j + 1), batch: b,
                                            gradient: gradOutputs[j].baseAddress!, gradientScale: weight)
        }

        for j in stride(from: steps - 1, through: 0, by: -1) {
            let tape = tapes.removeLast()
            model.backward(tape, gradOutput: UnsafePointer(gradOutputs[j].baseAddress!),
                           gradInput: j > 0 ? gradInput.baseAddress! : nil, gradParameters: gradients.baseAddress!)
            if j > 0 {
                input.accumulatePrognosticGradient(UnsafePointer(gradInput.baseAddress!), batch: b, into: gradOutputs[j - 1].baseAddress!)
            }
        }
        return total
    }
}
