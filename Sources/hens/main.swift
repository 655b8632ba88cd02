import ArgumentParser
import Foundation
import DatasetIO
import HensCore
import NumericsBackend

// The BLAS kernel is chosen before anything else runs: a different kernel means re-executing
// hens (README "BLAS kernels").
BLASKernelStartup.apply { FileHandle.standardError.write(Data("hens: \($0)\n".utf8)) }
// SIGINT/SIGTERM/SIGHUP remove this process's temporaries and exit 128 + signal (README "Exit codes").
Interruption.install()

// Untrusted NetCDF-4/HDF5 files are read first by a child hens (`hens _probe`), so that a
// damaged file that crashes the HDF5 library ends the child, not this process.
HDF5Probe.executable = Bundle.main.executablePath

// Errors that hens reports itself become one line on stderr and a documented exit code
// (README "Exit codes"); argument-parser handles usage errors and --help. hens leaves through
// _exit after flushing its output: libhdf5's exit handler would otherwise try to close again a
// file whose flush failed (a full disk) and die of SIGSEGV after the error was reported.
do {
    var command = try Hens.parseAsRoot()
    try command.run()
} catch let error as HensError {
    LogFormat.emit(LogFormat.current == .json ? error.message : "hens: error: \(error.message)", level: "error",
                   fields: ["exit_code": Int(error.exitCode)])
    fflush(nil)
    _exit(error.exitCode)
} catch {
    Hens.exit(withError: error)
}
fflush(nil)
_exit(0)
