import ArgumentParser
import Foundation
import HensCore
import Ingest

/// `hens ingest`: real NetCDF → canonical dataset.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Turn ERA5 (old/new CDS) and NCEP/GFS NetCDF into the canonical dataset (splits + stats.nc).",
        discussion: """
        Variables are recognised by name (ERA5, WeatherBench2, NCEP), GRIB_shortName or CF \
        standard_name, levels are selected by value, units converted (gpm → m² s⁻², hPa → Pa, \
        °C → K) and unknown units refused. Grids are normalised to north-first rows and \
        longitudes from 0°E. Times must not repeat; a gap starts a new trajectory. \
        Everything is checked before anything is written; output appears only when complete. \
        With --grid the fields are regridded onto a model grid (equiangular with poles or \
        Gauss–Legendre), by default conservatively when coarsening and bilinearly otherwise. \
        --config reads these settings from YAML (configs/era5-sample.yaml); options override it. \
        --append adds new times to an existing dataset: same channels, grid and member, no time \
        already there, each time into the split its date falls in; stats.nc stays the training \
        split's. OUT/.hens-inputs.json records the settings and the inputs' digests: rerunning \
        the same command on its complete dataset does nothing (exit 0); other inputs need --overwrite.
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Input NetCDF files (merged along time and channel); replace the configuration's inputs.") var files: [String] = []
    @Option(help: "YAML configuration (e.g. configs/era5-sample.yaml); options override its keys.") var config: String?
    @Option(help: "Output dataset folder.") var out: String?
    @Option(help: "Channels, e.g. z500,t850,t2m (default: all the inputs provide).") var channels: String?
    @Option(help: "Ensemble member to take from files with a member dimension (default 0).") var member: Int?
    @Option(help: "Training dates, e.g. 1979..2015 (default: all times).") var train: String?
    @Option(help: "Validation dates, e.g. 2016..2017.") var valid: String?
    @Option(help: "Test dates, e.g. 2018..") var test: String?
    @Option(help: "Model-climate dates (for EFI), e.g. 1990..2019.") var climate: String?
    @Option(help: "Time steps per trajectory (default: the shortest contiguous run of each split).") var trajectoryLength: Int?
    @Option(help: "Model grid KIND:NLATxNLON, e.g. equiangular:121x240 or legendre-gauss:64x128, or native (default: keep the inputs' grid).")
    var grid: String?
    @Option(help: "Regridding: bilinear, conservative or spectral (default: conservative when coarsening, else bilinear).")
    var regrid: String?
    @Flag(help: "Accept regional (non-global) grids.") var allowRegional = false
    @Flag(help: "Replace a dataset already in the output folder.") var overwrite = false
    @Flag(help: "Add the inputs' (new) times to the dataset already in the output folder.") var append = false

    /// The command line as `IngestOptions` (the configuration is read there).
    var options: IngestOptions {
        var o = IngestOptions()
        o.config = config
        o.files = files
        o.output = out
        o.channels = channels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        o.member = member
        for (name, text) in [("train", train), ("valid", valid), ("test", test), ("climate", climate)] {
            if let text { o.splits.append((name, text)) }
        }
        o.trajectoryLength = trajectoryLength
        o.grid = grid
        o.regrid = regrid
        o.allowRegional = allowRegional
        o.overwrite = overwrite
        o.append = append
        return o
    }

    func run() throws {
        try global.apply()
        let request = try options.request()
        let clock = Stopwatch()
        var ingest = DatasetIngest(request)
        try ingest.run(quiet: global.quiet)
        if !global.quiet {
            for line in ingest.log { FileHandle.standardError.write(Data("ingest: \(line)\n".utf8)) }
            if !ingest.upToDate {
                FileHandle.standardError.write(Data(String(format: "ingest: %@ %@ in %.1f s\n", request.append ? "appended to" : "wrote",
                                                           request.output, clock.seconds).utf8))
            }
        }
    }
}
