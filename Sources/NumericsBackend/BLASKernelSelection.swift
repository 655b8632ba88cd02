import Foundation

/// Which OpenBLAS kernel family hens runs on a CPU — a pure decision, so that tests can simulate
/// any processor and any choice OpenBLAS may have made.
///
/// OpenBLAS picks its kernels at load time from the CPU model. A release that does not know a
/// newer model falls back to a generic kernel: Debian's 0.3.21 runs "Prescott" (SSE3) kernels on
/// recent AVX-512 Xeons, 3–7× below what the same library reaches with `OPENBLAS_CORETYPE=SkylakeX`.
/// hens ranks kernel families by the widest vector instructions they use and, when OpenBLAS' choice
/// ranks below what the CPU supports, selects the matching family instead.
public enum BLASKernelSelection {
    /// The environment variable that chooses the selection: `auto` (the default), `off` (keep
    /// OpenBLAS' choice), or a kernel family name to use.
    public static let controlVariable = "HENS_BLAS_KERNEL"
    /// Variables with which a machine or user tells OpenBLAS what to run; hens never overrides them
    /// (some machines preset them because old OpenBLAS builds compute wrong results there).
    public static let presetVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]

    /// What to do about OpenBLAS' kernel.
    public enum Decision: Equatable, Sendable {
        /// OpenBLAS' choice already uses what the CPU offers (or hens knows no better one).
        case keep(kernel: String)
        /// The environment presets OpenBLAS' choice: never overridden.
        case preset(variable: String, value: String)
        /// Selection switched off (`HENS_BLAS_KERNEL=off`).
        case off(kernel: String)
        /// Run `kernel` instead of OpenBLAS' choice `replacing`.
        case select(kernel: String, replacing: String)
    }

    /// The rank of an OpenBLAS x86-64 kernel family by the widest vectors its GEMM kernels use:
    /// 4 AVX-512, 3 AVX2 + FMA, 2 AVX, 1 SSE; nil for names it does not know (other architectures).
    public static func tier(ofKernel name: String) -> Int? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 4
        case "haswell", "zen": return 3
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 2
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
             "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat": return 1
        default: return nil
        }
    }

    /// The kernel family that matches `cpu`, or nil where hens has no opinion (not x86-64, or
    /// no AVX). AMD processors with AVX2 get OpenBLAS' Zen parameters, Intel ones Haswell's.
    public static func bestKernel(for cpu: CPUIdentity) -> String? {
        let f = cpu.features
        if f.isSuperset(of: CPUFeatures.avx512Core.union([.avx2, .fma])) { return "SkylakeX" }
        if f.isSuperset(of: [.avx2, .fma]) { return cpu.vendor == "AuthenticAMD" ? "Zen" : "Haswell" }
        if f.contains(.avx) { return "Sandybridge" }
        return nil
    }

    /// The decision for a process whose OpenBLAS chose `current` on `cpu`, given its environment.
    public static func decide(current: String, cpu: CPUIdentity, environment: [String: String]) -> Decision {
        for variable in presetVariables {
            if let value = environment[variable], !value.isEmpty { return .preset(variable: variable, value: value) }
        }
        let control = environment[controlVariable]?.trimmingCharacters(in: .whitespaces) ?? ""
        switch control.lowercased() {
        case "off", "none", "0": return .off(kernel: current)
        case "", "auto":
            guard let best = bestKernel(for: cpu), let bestTier = tier(ofKernel: best) else { return .keep(kernel: current) }
            // An unknown name (another architecture's kernel) is left alone.
            guard let currentTier = tier(ofKernel: current), currentTier < bestTier else { return .keep(kernel: current) }
            return .select(kernel: best, replacing: current)
        default:
            return control.caseInsensitiveCompare(current) == .orderedSame
                ? .keep(kernel: current) : .select(kernel: control, replacing: current)
        }
    }
}
