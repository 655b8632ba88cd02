import ArgumentParser
import Foundation
import HensCore
import Ingest
import Regrid
import Spherical

/// `hens ingest`: real NetCDF → canonical dataset.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Turn ERA5 (old/new CDS) and NCEP/GFS NetCDF into the canonical dataset (splits + stats.nc).",
        discussion: """
        Variables are recognised by name (ERA5, WeatherBench2, NCEP), GRIB_shortName or CF
        standard_name, levels are selected by value, units converted (gpm → m² s⁻², hPa → Pa,
        °C → K) and unknown units refused. Grids are normalised to north-first rows and
        longitudes from 0°E. Times must not repeat; a gap starts a new trajectory.
        Everything is checked before anything is written; output appears only when complete.
        With --grid the fields are regridded onto a model grid (equiangular with poles or
        Gauss–Legendre), by default conservatively when coarsening and bilinearly otherwise.
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Input NetCDF files (merged along time and channel).") var files: [String]
    @Option(help: "Output dataset folder.") var out: String
    @Option(help: "Channels, e.g. z500,t850,t2m (default: all the inputs provide).") var channels: String?
    @Option(help: "Ensemble member to take from files with a member dimension.") var member = 0
    @Option(help: "Training dates, e.g. 1979..2015 (default: all times).") var train: String?
    @Option(help: "Validation dates, e.g. 2016..2017.") var valid: String?
    @Option(help: "Test dates, e.g. 2018..") var test: String?
    @Option(help: "Model-climate dates (for EFI), e.g. 1990..2019.") var climate: String?
    @Option(help: "Time steps per trajectory (default: the shortest contiguous run of each split).") var trajectoryLength: Int?
    @Option(help: "Model grid KIND:NLATxNLON, e.g. equiangular:121x240 or legendre-gauss:64x128 (default: keep the inputs' grid).")
    var grid: String?
    @Option(help: "Regridding: bilinear, conservative or spectral (default: conservative when coarsening, else bilinear).")
    var regrid: String?
    @Flag(help: "Accept regional (non-global) grids.") var allowRegional = false
    @Flag(help: "Replace a dataset already in the output folder.") var overwrite = false

    /// Parses `KIND:NLATxNLON`.
    static func parseGrid(_ text: String) throws -> SphericalGrid {
        let parts = text.split(separator: ":")
        let size = parts.count == 2 ? parts[1].lowercased().split(separator: "x").compactMap { Int($0) } : []
        guard parts.count == 2, let kind = GridKind(name: String(parts[0])), size.count == 2 else {
            throw HensError.invalid("--grid", "KIND:NLATxNLON with KIND equiangular or legendre-gauss, e.g. equiangular:121x240; got '\(text)'")
        }
        return try SphericalGrid(kind, nlat: size[0], nlon: size[1])
    }

    func run() throws {
        global.apply()
        var request = IngestRequest(files: files, output: out)
        request.channels = channels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        request.member = member
        request.allowRegional = allowRegional
        request.trajectoryLength = trajectoryLength
        request.overwrite = overwrite
        if let grid { request.grid = try Self.parseGrid(grid) }
        if let regrid {
            guard let method = RegridMethod(rawValue: regrid) else {
                throw HensError.invalid("--regrid", "bilinear, conservative or spectral, got '\(regrid)'")
            }
            request.regrid = method
        }
        for (name, text) in [("train", train), ("valid", valid), ("test", test), ("climate", climate)] {
            if let text { request.splits.append((name, try DateRange(text, option: "--\(name)"))) }
        }
        let clock = Stopwatch()
        var ingest = DatasetIngest(request)
        try ingest.run(quiet: global.quiet)
        if !global.quiet {
            for line in ingest.log { FileHandle.standardError.write(Data("ingest: \(line)\n".utf8)) }
            FileHandle.standardError.write(Data(String(format: "ingest: wrote %@ in %.1f s\n", out, clock.seconds).utf8))
        }
    }
}
