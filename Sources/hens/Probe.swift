import ArgumentParser
import DatasetIO

/// `hens _probe FILE` (hidden): the child process of `HDF5Probe`, which reads an untrusted
/// HDF5 file so that a crash of the HDF5 library ends this process instead of the caller.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: HDF5Probe.subcommand,
        abstract: "Read an untrusted NetCDF-4/HDF5 file's metadata (internal: run by hens itself).",
        shouldDisplay: false)

    @Argument(help: "The file to read.") var file: String

    func run() throws {
        try HDF5Probe.readInProcess(path: file)
    }
}
