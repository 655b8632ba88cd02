import XCTest
@testable import NumericsBackend

/// The kernel decision on simulated processors: CPUs OpenBLAS does not know, presets, opt-outs.
final class BLASKernelSelectionTests: XCTestCase {
    /// An AVX-512 Xeon (family 6, model 207) that Debian's OpenBLAS 0.3.21 does not know.
    let xeon = CPUIdentity(vendor: "GenuineIntel", brand: "Intel(R) Xeon(R) Platinum", family: 6, model: 207,
                           features: [.sse3, .ssse3, .sse41, .sse42, .avx, .avx2, .fma, .f16c, .bmi1, .bmi2,
                                      .avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl, .avx512bf16, .amxTile])
    let epyc = CPUIdentity(vendor: "AuthenticAMD", brand: "AMD EPYC", family: 25, model: 1,
                           features: [.sse3, .ssse3, .sse41, .sse42, .avx, .avx2, .fma, .f16c, .bmi1, .bmi2])
    let oldIntel = CPUIdentity(vendor: "GenuineIntel", family: 6, model: 23, features: [.sse3, .ssse3, .sse41])

    func testUnknownAVX512CPUGetsSkylakeX() {
        XCTAssertEqual(BLASKernelSelection.decide(current: "Prescott", cpu: xeon, environment: [:]),
                       .select(kernel: "SkylakeX", replacing: "Prescott"))
        // OpenBLAS reports some names in lower case.
        XCTAssertEqual(BLASKernelSelection.decide(current: "prescott", cpu: xeon, environment: ["HENS_BLAS_KERNEL": "auto"]),
                       .select(kernel: "SkylakeX", replacing: "prescott"))
        // An AVX2 kernel on an AVX-512 machine is below what the CPU offers too.
        XCTAssertEqual(BLASKernelSelection.decide(current: "Haswell", cpu: xeon, environment: [:]),
                       .select(kernel: "SkylakeX", replacing: "Haswell"))
    }

    func testKnownCPUsKeepOpenBLASChoice() {
        XCTAssertEqual(BLASKernelSelection.decide(current: "Zen", cpu: epyc, environment: [:]), .keep(kernel: "Zen"))
        XCTAssertEqual(BLASKernelSelection.decide(current: "SkylakeX", cpu: xeon, environment: [:]), .keep(kernel: "SkylakeX"))
        XCTAssertEqual(BLASKernelSelection.decide(current: "Cooperlake", cpu: xeon, environment: [:]), .keep(kernel: "Cooperlake"))
        // Nothing better than SSE on an old CPU; an unknown (e.g. ARM) kernel name is left alone.
        XCTAssertEqual(BLASKernelSelection.decide(current: "Core2", cpu: oldIntel, environment: [:]), .keep(kernel: "Core2"))
        XCTAssertEqual(BLASKernelSelection.decide(current: "NEOVERSEN1", cpu: xeon, environment: [:]), .keep(kernel: "NEOVERSEN1"))
    }

    func testAMDWithAVX2FallbackGetsZen() {
        XCTAssertEqual(BLASKernelSelection.decide(current: "Prescott", cpu: epyc, environment: [:]),
                       .select(kernel: "Zen", replacing: "Prescott"))
        var intelAVX2 = epyc
        intelAVX2.vendor = "GenuineIntel"
        XCTAssertEqual(BLASKernelSelection.bestKernel(for: intelAVX2), "Haswell")
    }

    func testPresetsAreNeverOverridden() {
        XCTAssertEqual(BLASKernelSelection.decide(current: "Prescott", cpu: xeon, environment: ["OPENBLAS_CORETYPE": "Prescott"]),
                       .preset(variable: "OPENBLAS_CORETYPE", value: "Prescott"))
        XCTAssertEqual(BLASKernelSelection.decide(current: "Prescott", cpu: xeon, environment: ["OPENBLAS_L2_SIZE": "1048576"]),
                       .preset(variable: "OPENBLAS_L2_SIZE", value: "1048576"))
        // Even a request through hens' own variable does not override a preset.
        XCTAssertEqual(BLASKernelSelection.decide(current: "Prescott", cpu: xeon,
                                                  environment: ["OPENBLAS_CORETYPE": "Haswell", "HENS_BLAS_KERNEL": "SkylakeX"]),
                       .preset(variable: "OPENBLAS_CORETYPE", value: "Haswell"))
    }

    func testControlVariable() {
        XCTAssertEqual(BLASKernelSelection.decide(current: "Prescott", cpu: xeon, environment: ["HENS_BLAS_KERNEL": "off"]),
                       .off(kernel: "Prescott"))
        XCTAssertEqual(BLASKernelSelection.decide(current: "Zen", cpu: epyc, environment: ["HENS_BLAS_KERNEL": "Haswell"]),
                       .select(kernel: "Haswell", replacing: "Zen"))
        XCTAssertEqual(BLASKernelSelection.decide(current: "Zen", cpu: epyc, environment: ["HENS_BLAS_KERNEL": "zen"]),
                       .keep(kernel: "Zen"))
    }

    func testTiers() {
        XCTAssertEqual(BLASKernelSelection.tier(ofKernel: "SkylakeX"), 4)
        XCTAssertEqual(BLASKernelSelection.tier(ofKernel: "ZEN"), 3)
        XCTAssertEqual(BLASKernelSelection.tier(ofKernel: "Sandybridge"), 2)
        XCTAssertEqual(BLASKernelSelection.tier(ofKernel: "Prescott"), 1)
        XCTAssertNil(BLASKernelSelection.tier(ofKernel: "ARMV8"))
        // Without the OS-saved AVX-512 state the features are absent, and so is the AVX-512 choice.
        var noZMM = xeon
        noZMM.features.subtract(CPUFeatures.avx512Core)
        XCTAssertEqual(BLASKernelSelection.bestKernel(for: noZMM), "Haswell")
    }
}
