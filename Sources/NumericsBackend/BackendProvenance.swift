import CFFTW
import Foundation
import HensCore

/// What produced a result: the hens build, the libraries and the BLAS kernel, and the CPU. Every
/// file hens writes carries these as global attributes and every benchmark JSON as machine
/// facts, because results agree bit for bit only on one machine with one kernel (README,
/// "Determinism contract").
public enum BackendProvenance {
    /// FFTW's version ("fftw-3.3.10-sse2-avx").
    public static var fftwVersion: String {
        String(cString: hens_fftw_version())
    }

    /// The BLAS library and kernel in use: "OpenBLAS 0.3.21, kernel Zen (chosen by OpenBLAS)".
    public static var blas: String { "OpenBLAS \(BLASLibrary.version), kernel \(BLASKernelStartup.kernelDescription)" }

    /// Global attributes of every file hens writes (`hens_version` is added by the writers).
    public static var fileAttributes: [String: String] {
        ["hens_git_commit": BuildTarget.commit, "hens_build_target": BuildTarget.targetCPU,
         "hens_blas": blas, "hens_blas_kernel": BLASLibrary.coreName, "hens_cpu": CPUIdentity.host.summary]
    }

    /// Machine and build facts for benchmark JSON.
    public static var machine: [String: Any] {
        let cpu = CPUIdentity.host
        return ["cpu": cpu.brand.isEmpty ? "unknown" : cpu.brand, "cpu_vendor": cpu.vendor, "cpu_family": cpu.family,
                "cpu_model": cpu.model, "cpu_features": cpu.features.names.joined(separator: " "),
                "cores": ProcessInfo.processInfo.activeProcessorCount,
                "memory_gib": Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
                "hostname": ProcessInfo.processInfo.hostName,
                "blas": "OpenBLAS \(BLASLibrary.version)", "blas_kernel": BLASLibrary.coreName,
                "blas_kernel_origin": BLASKernelStartup.origin, "fftw": fftwVersion,
                "build_target_cpu": BuildTarget.targetCPU, "git_commit": BuildTarget.commit,
                "hens_version": HensVersion.string]
    }

    /// The lines `hens --version` prints after the version itself.
    public static var versionLines: [String] {
        ["commit \(BuildTarget.commit), built for \(BuildTarget.targetCPU) (requires \(BuildTarget.requirementsDescription))",
         "BLAS: \(blas)",
         "FFT: \(fftwVersion)",
         "CPU: \(CPUIdentity.host.summary)"]
    }
}
