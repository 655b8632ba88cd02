import ArgumentParser
import Foundation
import HensCore
import NumericsBackend

/// `hens check blas`: the CPU, the BLAS kernel in use, how it was chosen, and its self-check.
struct CheckBLAS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Show the CPU, the BLAS kernel hens runs and why, and run the BLAS self-check.",
        discussion: """
        hens selects the OpenBLAS kernel family that matches the CPU when OpenBLAS fell back to a \
        generic one, unless OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set (never overridden); \
        HENS_BLAS_KERNEL=off keeps OpenBLAS' choice, HENS_BLAS_KERNEL=NAME asks for a family. \
        --coretype prints only the OPENBLAS_CORETYPE value hens selects for other programs on this \
        machine (an empty line when it selects none), which `make test` gives the test binaries. \
        Exits with status 1 when the self-check fails.
        """)

    @Flag(help: "Print only the kernel hens selects through OPENBLAS_CORETYPE (empty when none).") var coretype = false

    func run() throws {
        if coretype {
            // main already applied the selection to this process.
            print(BLASKernelStartup.selectedKernel ?? "")
            return
        }
        let decision = BLASKernelSelection.decide(current: BLASLibrary.coreName, cpu: .host,
                                                  environment: ProcessInfo.processInfo.environment)
        print("CPU:         \(CPUIdentity.host.summary)")
        print("build:       commit \(BuildTarget.commit), target CPU \(BuildTarget.targetCPU), requires \(BuildTarget.requirementsDescription)")
        print("OpenBLAS:    \(BLASLibrary.configuration)")
        print("kernel:      \(BLASLibrary.coreName) (\(BLASKernelStartup.origin))")
        print("matches CPU: \(BLASKernelSelection.bestKernel(for: .host) ?? "no opinion (not x86-64 with AVX)")")
        if case .select(let kernel, _) = decision {
            print("note:        this process was not re-executed; hens would select \(kernel)")
        }
        print("FFTW:        \(BackendProvenance.fftwVersion)")
        if let failure = BLASSelfCheck.run() {
            print("self-check:  FAILED — \(failure)")
            throw ExitCode(1)
        }
        print("self-check:  SGEMM and DGEMM agree with a Float64 reference loop")
    }
}
