import HensCore

/// The deterministic inputs of `anchor/golden_inputs.py`, regenerated bit for bit: SplitMix64
/// uniforms, four summed (Irwin–Hall), scaled, shifted and rounded to Float32.
enum GoldenInputs {
    static func values(seed: UInt64, count: Int, scale: Double, shift: Double) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let u1 = g.nextUniform(), u2 = g.nextUniform(), u3 = g.nextUniform(), u4 = g.nextUniform()
            let sum = ((u1 + u2) + u3) + u4
            let v = (sum - 2.0) * scale
            return Float(v + shift)
        }
    }
}
