import HensCore

/// Where each tensor of hens' makani-variant SFNO comes from in a makani state dict, and how
/// its values are rearranged — the one table between the two naming schemes (both directions:
/// importing and `hens import --to safetensors`). docs/makani-sfno.md §1.3.
///
/// - 1×1 convolutions: makani `[out, in, 1, 1]` → hens `[out, in]`, same values.
/// - Spectral weights (Driscoll–Healy): makani complex `[in, out, l]` (the HENS fork) or
///   `[groups = 1, in, out, l]` (current makani) → hens `[l][out][in][re, im]`.
/// - Everything else (biases, norms) is copied as is.
public enum MakaniWeightMap {
    /// How a hens tensor is made from its makani tensor.
    public enum Conversion: Equatable, Sendable {
        /// Same values in the same order (the shapes differ at most by trailing 1s).
        case copy
        /// A spectral weight, transposed from makani's `[in, out, l]` complex layout.
        case spectral
    }

    /// The makani keys (canonical, see `ReleasedWeights.canonicalKey`) hens' tensor `name`
    /// may come from, preferred first, and the conversion; nil for a name with no makani
    /// counterpart.
    public static func source(of name: String) -> (keys: [String], conversion: Conversion)? {
        let parts = name.split(separator: ".").map(String.init)
        switch parts.first {
        case "encoder", "decoder":
            guard parts.count == 3 else { return nil }
            return (["\(parts[0]).fwd.\(parts[1]).\(parts[2])"], .copy)
        case "big_skip":
            return parts.count == 2 ? (["residual_transform.\(parts[1])"], .copy) : nil
        case "blocks":
            guard parts.count >= 4 else { return nil }
            let block = "blocks.\(parts[1])"
            switch (parts[2], parts[3]) {
            case ("spectral", "weight"): return (["\(block).filter.filter.weight"], .spectral)
            case ("norm0", _), ("norm1", _): return (["\(block).\(parts[2]).\(parts[3])"], .copy)
            case ("skip", "weight"): return (["\(block).outer_skip.weight"], .copy)
            case ("mlp", "fc1"): return parts.count == 5 ? (["\(block).mlp.fwd.0.\(parts[4])"], .copy) : nil
            case ("mlp", "fc2"):
                // The second MLP layer sits behind a dropout: index 3 (makani), 2 without it.
                return parts.count == 5 ? (["\(block).mlp.fwd.3.\(parts[4])", "\(block).mlp.fwd.2.\(parts[4])"], .copy) : nil
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Checks that a makani tensor of `shape` (complex or not) can fill a hens tensor of
    /// `hensShape` by `conversion`, returning the spectral layout's (in, out, l) when it is one.
    /// - Throws: a one-line error naming both tensors and shapes.
    static func check(makani tensor: ReleasedTensor, hensName: String, hensShape: [Int], conversion: Conversion,
                      source: String) throws -> (channelsIn: Int, channelsOut: Int, degrees: Int)? {
        func mismatch(_ expected: String) -> HensError {
            HensError(.badInput, "\(source): tensor '\(tensor.key)' is \(tensor.isComplex ? "complex " : "")\(tensor.shape); "
                + "hens' '\(hensName)' \(hensShape) needs \(expected) — is the package for another architecture or grid?")
        }
        switch conversion {
        case .copy:
            guard !tensor.isComplex else { throw mismatch("real values") }
            var shape = tensor.shape
            while shape.count > hensShape.count, shape.last == 1 { shape.removeLast() }
            guard shape == hensShape else { throw mismatch("\(hensShape) (1×1 axes dropped)") }
            return nil
        case .spectral:
            guard hensShape.count == 4, hensShape[3] == 2 else { throw HensError(.internal, "spectral tensor \(hensName) \(hensShape)") }
            let (l, o, i) = (hensShape[0], hensShape[1], hensShape[2])
            var shape = tensor.shape
            if shape.count == 4 {
                guard shape[0] == 1 else { throw mismatch("one channel group (grouped spectral weights are not supported)") }
                shape.removeFirst()
            }
            guard tensor.isComplex, shape == [i, o, l] else { throw mismatch("complex [\(i), \(o), \(l)] or [1, \(i), \(o), \(l)]") }
            return (i, o, l)
        }
    }

    /// Rearranges a makani spectral weight `[in][out][l][re, im]` into hens'
    /// `[l][out][in][re, im]` (or back, with `inverse`).
    static func transposeSpectral(_ from: UnsafeBufferPointer<Float>, into to: UnsafeMutableBufferPointer<Float>,
                                  channelsIn: Int, channelsOut: Int, degrees: Int, inverse: Bool = false) {
        for i in 0..<channelsIn {
            for o in 0..<channelsOut {
                for l in 0..<degrees {
                    let makani = ((i * channelsOut + o) * degrees + l) * 2
                    let hens = ((l * channelsOut + o) * channelsIn + i) * 2
                    let (src, dst) = inverse ? (hens, makani) : (makani, hens)
                    to[dst] = from[src]
                    to[dst + 1] = from[src + 1]
                }
            }
        }
    }
}
