import Foundation
import HensCore

/// Applies `BLASKernelSelection` to this process at start-up, and remembers how the BLAS kernel
/// in use came about (for `hens --version`, benchmark JSON and file attributes).
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when it is loaded, so a different kernel needs a new
/// process image: hens sets the variable and re-executes itself (same process id, arguments and
/// standard streams). The re-executed process runs `BLASSelfCheck` before it trusts the kernel;
/// if that fails it warns in one line and re-executes once more with OpenBLAS' own choice. Both
/// variables are removed again afterwards, so programs hens starts see the environment the user
/// gave it.
public enum BLASKernelStartup {
    /// Marks a process that hens re-executed: "pid:selected:KERNEL:REPLACED" or "pid:rejected:KERNEL:REPLACED".
    static let markerVariable = "HENS_BLAS_REEXEC"
    /// Test hook: decide as if OpenBLAS had chosen this kernel (simulates a CPU it does not know).
    public static let assumedKernelVariable = "HENS_TEST_ASSUME_BLAS_KERNEL"
    /// Test hook: make the self-check of a selected kernel fail.
    public static let failSelfCheckVariable = "HENS_TEST_FAIL_BLAS_SELFCHECK"

    nonisolated(unsafe) private static var recordedOrigin: String?
    nonisolated(unsafe) private static var recordedSelection: String?

    /// The kernel hens selected for this process (it re-executed itself to run it and the
    /// self-check passed), or nil when OpenBLAS' own or a preset choice runs.
    public static var selectedKernel: String? { recordedSelection }

    /// How the kernel in use was chosen, e.g. "selected by hens (OpenBLAS chose Prescott)",
    /// "chosen by OpenBLAS", "preset by OPENBLAS_CORETYPE=Haswell".
    public static var origin: String { recordedOrigin ?? "chosen by OpenBLAS" }

    /// The kernel in use with its origin: "SkylakeX (selected by hens; OpenBLAS chose Prescott)".
    public static var kernelDescription: String { "\(BLASLibrary.coreName) (\(origin))" }

    /// Selects the BLAS kernel for this process (possibly re-executing it; see the type's notes).
    /// Call first thing in `main`, before any threads start. `warn` prints one-line warnings.
    public static func apply(warn: (String) -> Void) {
        let environment = ProcessInfo.processInfo.environment
        if let marker = environment[markerVariable], let state = Marker(marker), state.pid == getpid() {
            finishReexecution(state, environment: environment, warn: warn)
            return
        }
        unsetenv(markerVariable) // a stale marker of another process
        let current = environment[assumedKernelVariable].flatMap { $0.isEmpty ? nil : $0 } ?? BLASLibrary.coreName
        switch BLASKernelSelection.decide(current: current, cpu: .host, environment: environment) {
        case .keep:
            recordedOrigin = current == BLASLibrary.coreName ? "chosen by OpenBLAS" : "chosen by OpenBLAS; assumed \(current)"
        case let .preset(variable, value):
            recordedOrigin = "preset by \(variable)=\(value)"
        case .off:
            recordedOrigin = "chosen by OpenBLAS; \(BLASKernelSelection.controlVariable)=off"
        case let .select(kernel, replacing):
            reexecute(kernel: kernel, marker: Marker(pid: getpid(), selected: true, kernel: kernel, replaced: replacing), warn: warn)
            // Only reached when the re-execution failed.
            recordedOrigin = "chosen by OpenBLAS; re-executing with \(kernel) failed"
        }
    }

    private static func finishReexecution(_ state: Marker, environment: [String: String], warn: (String) -> Void) {
        unsetenv(markerVariable)
        unsetenv("OPENBLAS_CORETYPE")
        guard state.selected else {
            recordedOrigin = "chosen by OpenBLAS; \(state.kernel) failed hens' self-check"
            return
        }
        var failure = BLASSelfCheck.run()
        if failure == nil, environment[failSelfCheckVariable] != nil { failure = "failure simulated by \(failSelfCheckVariable)" }
        if let failure {
            warn("warning: BLAS kernel \(state.kernel) failed hens' self-check (\(failure)); running OpenBLAS' own choice \(state.replaced)")
            reexecute(kernel: nil, marker: Marker(pid: getpid(), selected: false, kernel: state.kernel, replaced: state.replaced), warn: warn)
            recordedOrigin = "\(state.kernel) failed hens' self-check and re-executing failed"
            return
        }
        recordedSelection = state.kernel
        recordedOrigin = "selected by hens; OpenBLAS chose \(state.replaced)"
    }

    /// Replaces the process image with itself, `OPENBLAS_CORETYPE` set to `kernel` (or unset).
    /// Returns only when exec fails (after a warning).
    private static func reexecute(kernel: String?, marker: Marker, warn: (String) -> Void) {
        if let kernel { setenv("OPENBLAS_CORETYPE", kernel, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        setenv(markerVariable, marker.text, 1)
        fflush(nil)  // every C output stream (stdout, stderr) before the image is replaced
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(markerVariable)
        warn("warning: could not re-execute hens to use BLAS kernel \(kernel ?? "default") (\(reason)); continuing with \(BLASLibrary.coreName)")
    }

    private struct Marker {
        var pid: pid_t
        var selected: Bool
        var kernel: String
        var replaced: String

        init(pid: pid_t, selected: Bool, kernel: String, replaced: String) {
            self.pid = pid
            self.selected = selected
            self.kernel = kernel
            self.replaced = replaced
        }

        init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, let pid = pid_t(parts[0]), ["selected", "rejected"].contains(parts[1]) else { return nil }
            self.init(pid: pid, selected: parts[1] == "selected", kernel: parts[2], replaced: parts[3])
        }

        var text: String { "\(pid):\(selected ? "selected" : "rejected"):\(kernel):\(replaced)" }
    }
}
