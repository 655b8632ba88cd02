import CHensPlatform
import Foundation

/// Instruction-set extensions of a processor that hens and its BLAS kernels care about.
public struct CPUFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse3 = CPUFeatures(rawValue: UInt32(HENS_CPU_SSE3))
    public static let ssse3 = CPUFeatures(rawValue: UInt32(HENS_CPU_SSSE3))
    public static let sse41 = CPUFeatures(rawValue: UInt32(HENS_CPU_SSE4_1))
    public static let sse42 = CPUFeatures(rawValue: UInt32(HENS_CPU_SSE4_2))
    public static let avx = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX))
    public static let avx2 = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX2))
    public static let fma = CPUFeatures(rawValue: UInt32(HENS_CPU_FMA))
    public static let f16c = CPUFeatures(rawValue: UInt32(HENS_CPU_F16C))
    public static let bmi1 = CPUFeatures(rawValue: UInt32(HENS_CPU_BMI1))
    public static let bmi2 = CPUFeatures(rawValue: UInt32(HENS_CPU_BMI2))
    public static let avx512f = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX512F))
    public static let avx512cd = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX512CD))
    public static let avx512bw = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX512BW))
    public static let avx512dq = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX512DQ))
    public static let avx512vl = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX512VL))
    public static let avx512bf16 = CPUFeatures(rawValue: UInt32(HENS_CPU_AVX512BF16))
    public static let amxTile = CPUFeatures(rawValue: UInt32(HENS_CPU_AMX_TILE))

    /// What the AVX-512 GEMM kernels (OpenBLAS' SkylakeX) use: F, CD, BW, DQ and VL.
    public static let avx512Core: CPUFeatures = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]

    /// The features' names, lowest bit first ("avx2 fma avx512f …").
    public var names: [String] {
        (0..<Int(HENS_CPU_FEATURE_COUNT)).compactMap { i in
            let bit = UInt32(1) << UInt32(i)
            return rawValue & bit != 0 ? String(cString: hens_cpu_feature_name(bit)) : nil
        }
    }
}

/// A processor as CPUID describes it.
public struct CPUIdentity: Sendable, Equatable {
    /// "GenuineIntel", "AuthenticAMD", or "" where CPUID does not exist (e.g. ARM).
    public var vendor: String
    /// The brand string ("AMD EPYC 7B13", "Intel(R) Xeon(R) Platinum 8488C").
    public var brand: String
    /// Display family and model.
    public var family: Int
    public var model: Int
    /// Usable features (the operating system saves the registers they need).
    public var features: CPUFeatures

    /// A described processor (tests simulate machines with it).
    public init(vendor: String, brand: String = "", family: Int = 0, model: Int = 0, features: CPUFeatures) {
        self.vendor = vendor
        self.brand = brand
        self.family = family
        self.model = model
        self.features = features
    }

    /// The processor this process runs on.
    public static let host: CPUIdentity = {
        var info = hens_cpu_info()
        hens_cpu_identify(&info)
        let vendor = withUnsafeBytes(of: info.vendor) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let brand = withUnsafeBytes(of: info.brand) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return CPUIdentity(vendor: vendor, brand: brand.trimmingCharacters(in: .whitespaces), family: Int(info.family),
                           model: Int(info.model), features: CPUFeatures(rawValue: info.features))
    }()

    /// One line for logs and files: "AMD EPYC 7B13 (AuthenticAMD family 25 model 1; avx2 fma …)".
    public var summary: String {
        let name = brand.isEmpty ? "unknown CPU" : brand
        let id = vendor.isEmpty ? "" : "\(vendor) family \(family) model \(model); "
        return "\(name) (\(id)\(features.names.joined(separator: " ")))"
    }
}

/// The instruction set this binary was compiled for.
public enum BuildTarget {
    /// Features the compiler was allowed to use (the start-up check refuses CPUs without them).
    public static var requiredFeatures: CPUFeatures { CPUFeatures(rawValue: hens_cpu_required_features()) }
    /// The target CPU name given to the compiler ("znver3", "x86-64-v3"), or "unknown".
    public static var targetCPU: String { String(cString: hens_build_target_cpu()) }
    /// The git commit of the sources ("1a2b3c4", "1a2b3c4-dirty"), or "unknown".
    public static var commit: String { String(cString: hens_build_commit()) }

    /// The required features as words, "the baseline instruction set" when there are none.
    public static var requirementsDescription: String {
        let names = requiredFeatures.names
        return names.isEmpty ? "the baseline instruction set" : names.joined(separator: " ")
    }

    /// The first required feature `cpu` lacks, or nil when it has all of them.
    public static func firstMissingFeature(required: CPUFeatures, on cpu: CPUIdentity) -> String? {
        let bit = hens_cpu_first_missing(required.rawValue, cpu.features.rawValue)
        return bit == 0 ? nil : String(cString: hens_cpu_feature_name(bit))
    }
}
