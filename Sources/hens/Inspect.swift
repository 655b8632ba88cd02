import ArgumentParser
import Foundation
import HensCore
import Ingest

/// `hens inspect FILE…`: a one-screen summary of NetCDF inputs and hens files.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise NetCDF files: format, grid, time axis, variables, what ingest would map them to, problems.",
        discussion: "Exits 3 when a file cannot be read as NetCDF (ZIP, GRIB, empty…) or is shorter than its header says "
            + "(truncated: the report names the problem, then hens stops), 0 otherwise.")

    @Argument(help: "Files to inspect.") var files: [String]

    func run() throws {
        for (i, file) in files.enumerated() {
            if i > 0 { print("") }
            let inspection = try Inspection(path: file)
            print(inspection.text)
            if let refusal = inspection.refusal { throw refusal }
        }
    }
}
