import Foundation
import HensCore
import Spherical

/// How one parameter tensor starts (docs/formulas.md#weight-initialisation).
enum ParameterInitializer: Equatable, Sendable {
    /// Zero (biases, norm shifts, torch-harmonics' learned position embedding).
    case zeros
    /// One (norm scales).
    case ones
    /// N(0, std²) per element (the 1×1 convolutions: torch `nn.init.normal_`).
    case normal(std: Double)
    /// N(0, std²) redrawn outside ±bound (torch `trunc_normal_`; makani's position embedding).
    case truncatedNormal(std: Double, bound: Double)
    /// Complex N(0, scale_l²) per degree l (the leading axis): real and imaginary parts each
    /// N(0, scale_l²/2), as `scale * torch.randn(..., dtype=complex64)` draws them.
    case complexNormal(degreeScales: [Double])

    /// Fills `values` (a tensor with leading axis `shape[0]`) from `generator`.
    func fill<T: SHTScalar>(_ values: UnsafeMutableBufferPointer<T>, shape: [Int], generator: inout SeededGenerator) {
        switch self {
        case .zeros:
            values.update(repeating: 0)
        case .ones:
            values.update(repeating: 1)
        case .normal(let std):
            for i in values.indices { values[i] = T(std * generator.nextNormal()) }
        case .truncatedNormal(let std, let bound):
            for i in values.indices {
                var v = std * generator.nextNormal()
                while abs(v) > bound { v = std * generator.nextNormal() }
                values[i] = T(v)
            }
        case .complexNormal(let scales):
            let perDegree = values.count / max(1, shape[0])
            for i in values.indices {
                values[i] = T(scales[i / perDegree] * (0.5).squareRoot() * generator.nextNormal())
            }
        }
    }

    /// Initialises every tensor of a parameter table from `seed`. Each tensor draws from its
    /// own stream, seeded from (seed, name), so a tensor's initial values do not depend on the
    /// tensors before it.
    static func initialize<T: SHTScalar>(_ parameters: UnsafeMutableBufferPointer<T>, tensors: [ParameterTensor],
                                         initializers: [ParameterInitializer], seed: UInt64) {
        for (tensor, initializer) in zip(tensors, initializers) {
            var generator = SeededGenerator(seed: seed ^ nameHash(tensor.name))
            let slice = UnsafeMutableBufferPointer(rebasing: parameters[tensor.range])
            initializer.fill(slice, shape: tensor.shape, generator: &generator)
        }
    }

    /// FNV-1a of the name's UTF-8 bytes (stable across runs and platforms, unlike `hashValue`).
    static func nameHash(_ name: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}
