import ArgumentParser
import Foundation
import HensCore
import Report

/// `hens report`: an HTML report with plots of a scored run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (inline SVG) and PNGs of a scored run.",
        discussion: """
        Reads RUN_DIR/scores (hens evaluate), and where present RUN_DIR/forecast (maps of one \
        case), RUN_DIR/dataset (the truth) and RUN_DIR/checkpoints (training curves); each can be \
        named instead. Writes OUT/index.html (no scripts, no network), OUT/figures/ID.png, .svg and \
        .gp (the gnuplot script that redraws the figure) and OUT/report.json (the list of figures). \
        Needs gnuplot (Debian gnuplot-nox; or set HENS_GNUPLOT). See README "Report".
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Run folder (as written by make demo: scores/, forecast/, dataset/, checkpoints/).") var runDirectory: String?
    @Option(help: "Report folder (default: RUN_DIR/report).") var out: String?
    @Option(help: "Scores folder of hens evaluate (default: RUN_DIR/scores).") var scores: String?
    @Option(help: "Forecast folder of hens forecast (default: RUN_DIR/forecast, else the one the scores name).") var forecast: String?
    @Option(help: "Dataset with the truth (default: RUN_DIR/dataset, else the one the scores name).") var dataset: String?
    @Option(help: "Checkpoints folder of hens train (default: RUN_DIR/checkpoints).") var checkpoints: String?
    @Option(help: "Lead in hours of the headline table, rank histograms, reliability/ROC and maps (default: the middle lead).") var lead: Double?
    @Option(name: .customLong("case"), help: "Initial time of the maps (default: the first scored).") var caseInit: String?
    @Option(name: .customLong("map-channels"), help: "Comma-separated channels to map (default: all).") var mapChannels: String?
    @Option(help: "Another method's hens evaluate folder shown beside this run's, as NAME=FOLDER (repeatable).") var compare: [String] = []
    @Option(help: "This run's name in the comparison (default: its folder's name).") var name: String?
    @Option(name: .customLong("spectrum-leads"), help: "Comma-separated leads in hours whose spectra are drawn (default: first, headline, last).") var spectrumLeads: String?

    func run() throws {
        try global.apply()
        let started = Date()
        guard let folder = out ?? runDirectory.map({ $0 + "/report" }) else {
            throw HensError.invalid("--out", "a report folder (or a RUN_DIR, whose report/ is the default)")
        }
        _ = try ReportWriter.outputFolder(folder)  // a mistyped --out is refused before the work
        let inputs = try ReportInputs(run: runDirectory, scores: scores, forecast: forecast, checkpoints: checkpoints, dataset: dataset)
        var options = ReportOptions()
        options.headlineLead = lead
        options.caseInit = caseInit
        options.comparisons = try compare.map(ComparedRun.parse)
        options.runName = name
        options.mapChannels = mapChannels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let spectrumLeads {
            options.spectrumLeads = try spectrumLeads.split(separator: ",").map { text in
                guard let v = Double(text.trimmingCharacters(in: .whitespaces)) else {
                    throw HensError.invalid("--spectrum-leads", "comma-separated leads in hours, got '\(text)'")
                }
                return v
            }
        }
        let manifest = try ReportWriter(inputs: inputs, options: options, renderer: try GnuplotRenderer()).write(to: folder, quiet: global.quiet)
        if !global.quiet {
            LogFormat.emit(String(format: "report: %d figures in %.1f s → %@/index.html", manifest.figures.count, Date().timeIntervalSince(started), folder),
                           fields: ["figures": manifest.figures.count, "path": folder + "/index.html"])
        }
    }
}
