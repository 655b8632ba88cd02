import HensCore
import SFNO
import XCTest
@testable import Training

final class AdamWTests: XCTestCase {
    let tensors = [ParameterTensor(name: "w", shape: [2], offset: 0, decays: true),
                   ParameterTensor(name: "b", shape: [1], offset: 2, decays: false)]

    /// torch.optim.AdamW written out in Float64 for one parameter.
    func reference(p: inout Double, m: inout Double, v: inout Double, g: Double, t: Int, lr: Double,
                   b1: Double, b2: Double, eps: Double, wd: Double) {
        p *= 1 - lr * wd
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        let mHat = m / (1 - pow(b1, Double(t))), vHat = v / (1 - pow(b2, Double(t)))
        p -= lr * mHat / (vHat.squareRoot() + eps)
    }

    func testTwoStepsMatchHandComputedValues() throws {
        let settings = AdamWSettings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1)
        var optimizer = try AdamW(settings: settings, tensors: tensors, parameterCount: 3)
        var parameters: [Float] = [1, -2, 0.5]
        let gradientSteps: [[Float]] = [[0.1, -0.2, 0.3], [0.05, 0.1, -0.3]]
        var expected = parameters.map(Double.init), m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (t, step) in gradientSteps.enumerated() {
            var gradients = step
            parameters.withUnsafeMutableBufferPointer { p in
                gradients.withUnsafeMutableBufferPointer { g in _ = optimizer.step(parameters: p, gradients: g, learningRate: 0.01) }
            }
            for i in 0..<3 {
                reference(p: &expected[i], m: &m[i], v: &v[i], g: Double(step[i]), t: t + 1, lr: 0.01,
                          b1: 0.9, b2: 0.999, eps: 1e-8, wd: tensors[i < 2 ? 0 : 1].decays ? 0.1 : 0)
            }
            for i in 0..<3 { XCTAssertEqual(Double(parameters[i]), expected[i], accuracy: 1e-6, "step \(t + 1), parameter \(i)") }
        }
        // m after two steps by hand: 0.9·(0.1·0.3) + 0.1·(−0.3).
        XCTAssertEqual(optimizer.state.step, 2)
        XCTAssertEqual(optimizer.state.firstMoment[2], Float(0.9 * 0.03 + 0.1 * -0.3), accuracy: 1e-7)
    }

    /// By hand: Adam's first step moves every parameter by lr·sign(g) (m̂ = g, v̂ = g²); the
    /// decaying ones first shrink by 1 − lr·λ = 0.995.
    func testFirstStepIsSignedLearningRate() throws {
        var optimizer = try AdamW(settings: AdamWSettings(weightDecay: 0.5), tensors: tensors, parameterCount: 3)
        var parameters: [Float] = [1, -2, 0.5]
        var gradients: [Float] = [0.1, -0.2, 0.3]
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in _ = optimizer.step(parameters: p, gradients: g, learningRate: 0.01) }
        }
        XCTAssertEqual(parameters[0], 0.995 - 0.01, accuracy: 1e-6)
        XCTAssertEqual(parameters[1], -1.99 + 0.01, accuracy: 1e-6)
        XCTAssertEqual(parameters[2], 0.49, accuracy: 1e-6)  // bias: no decay
    }

    func testWeightDecayOnlyOnDecayingTensors() throws {
        var optimizer = try AdamW(settings: AdamWSettings(weightDecay: 0.1), tensors: tensors, parameterCount: 3)
        var parameters: [Float] = [1, -2, 0.5]
        var gradients: [Float] = [0, 0, 0]
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in _ = optimizer.step(parameters: p, gradients: g, learningRate: 0.5) }
        }
        XCTAssertEqual(parameters, [0.95, -1.9, 0.5])
    }

    func testGradientClipping() throws {
        let two = [ParameterTensor(name: "w", shape: [2], offset: 0, decays: false)]
        var optimizer = try AdamW(settings: AdamWSettings(gradientClip: 1), tensors: two, parameterCount: 2)
        var parameters: [Float] = [0, 0]
        var gradients: [Float] = [3, 4]
        let norm = parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in optimizer.step(parameters: p, gradients: g, learningRate: 0.1) }
        }
        XCTAssertEqual(norm, 5, accuracy: 1e-12)
        XCTAssertEqual(gradients[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(gradients[1], 0.8, accuracy: 1e-6)
        // Below the threshold gradients pass unchanged.
        var small: [Float] = [0.3, 0.4]
        parameters.withUnsafeMutableBufferPointer { p in
            small.withUnsafeMutableBufferPointer { g in _ = optimizer.step(parameters: p, gradients: g, learningRate: 0.1) }
        }
        XCTAssertEqual(small, [0.3, 0.4])
    }

    func testStateRestoreContinuesExactly() throws {
        let settings = AdamWSettings(weightDecay: 0.01, gradientClip: 10)
        var a = try AdamW(settings: settings, tensors: tensors, parameterCount: 3)
        var pa: [Float] = [1, 2, 3]
        func step(_ o: inout AdamW, _ p: inout [Float], _ grad: [Float]) {
            var g = grad
            p.withUnsafeMutableBufferPointer { p in g.withUnsafeMutableBufferPointer { g in _ = o.step(parameters: p, gradients: g, learningRate: 0.1) } }
        }
        step(&a, &pa, [0.1, 0.2, -0.3])
        var b = try AdamW(settings: settings, tensors: tensors, parameterCount: 3)
        try b.restore(a.state)
        var pb = pa
        step(&a, &pa, [0.4, -0.1, 0.2])
        step(&b, &pb, [0.4, -0.1, 0.2])
        XCTAssertEqual(pa, pb)
        XCTAssertEqual(a.state, b.state)
        XCTAssertThrowsError(try b.restore(AdamWState(parameterCount: 2)))
    }

    func testOverlappingTensorsAreRefused() {
        let bad = [ParameterTensor(name: "a", shape: [2], offset: 0, decays: true),
                   ParameterTensor(name: "b", shape: [2], offset: 1, decays: true)]
        XCTAssertThrowsError(try AdamW(settings: AdamWSettings(), tensors: bad, parameterCount: 3))
    }
}
