import DatasetIO
import Foundation
import HensCore

/// Choices of `hens report` beyond its inputs.
public struct ReportOptions: Equatable, Sendable {
    /// Lead of the headline table, rank histograms, reliability/ROC and maps (hours); nil: the
    /// middle lead.
    public var headlineLead: Double?
    /// Initial time of the maps (a label of the scores); nil: the first.
    public var caseInit: String?
    /// Channels mapped; nil: all.
    public var mapChannels: [String]?
    /// Leads whose spectra are drawn (hours); nil: the first after 0, the headline lead and the last.
    public var spectrumLeads: [Double]?
    /// Other systems' scores shown beside the run's ("Methods compared").
    public var comparisons: [ComparedRun] = []
    /// The run's name in the comparison's legends; nil: its folder's name.
    public var runName: String?

    /// Defaults everywhere.
    public init() {}
}

/// What `report.json` lists: the page, every figure with its files, and the notes — the
/// manifest `make report-check` compares the page rendered in Chromium against.
public struct ReportManifest: Codable, Equatable, Sendable {
    /// One figure's entry.
    public struct Entry: Codable, Equatable, Sendable {
        /// Figure id (`fig-ID` on the page).
        public var id: String
        /// Section.
        public var section: String
        /// Title.
        public var title: String
        /// PNG path relative to the report folder.
        public var png: String
    }

    /// Always `hens-report`.
    public var format = "hens-report"
    /// Version of the layout.
    public var version = 1
    /// The page, relative to the report folder.
    public var html = "index.html"
    /// The figures, in page order.
    public var figures: [Entry]
    /// Why sections have fewer plots than usual.
    public var notes: [String]
}

/// Builds a report folder: `index.html`, `figures/ID.{png,svg,gp}` and `report.json`, staged in
/// a sibling folder and swapped in whole, so a failure leaves the previous report untouched.
public struct ReportWriter {
    /// The run's files.
    public let inputs: ReportInputs
    /// The choices.
    public let options: ReportOptions
    /// The plotting program.
    public let renderer: GnuplotRenderer

    /// A writer for `inputs`.
    public init(inputs: ReportInputs, options: ReportOptions, renderer: GnuplotRenderer) {
        self.inputs = inputs
        self.options = options
        self.renderer = renderer
    }

    /// The report folder `requested` as a whole-or-nothing output: refused when it exists and is not
    /// a hens report (a dataset, scores, other files). Call it before any work.
    public static func outputFolder(_ requested: String) throws -> OutputFolderSwap {
        try OutputFolderSwap(folder: requested, marker: "report.json", what: "a hens report", option: "--out")
    }

    /// Writes the report into folder `requested` (replacing an earlier report there) and returns
    /// its manifest.
    public func write(to requested: String, quiet: Bool) throws -> ReportManifest {
        // `out/` and `out` must name the same folder: the staging folder is its sibling.
        let output = try Self.outputFolder(requested)
        let folder = output.folder
        let summary = try EvaluationSummary(path: inputs.scores + "/summary.json")
        guard !summary.leads.isEmpty, !summary.inits.isEmpty else {
            throw HensError(.badInput, "\(inputs.scores)/summary.json: no leads or initial times scored")
        }
        let lead = try chosenLead(options.headlineLead, summary.leads, flag: "--lead")
        var notes: [ReportSection: [String]] = [:]

        let fields = try caseFields(summary: summary, lead: lead, notes: &notes)
        var units: [String: String] = [:]
        if let fields { for c in fields.channels { units[c.name] = c.units } }
        else if let dataset = inputs.dataset, let archive = try? AnalysisArchive(directory: dataset) {
            for c in archive.channelInfo { units[c.name] = c.units }
        }
        let spectrumLeads = try (options.spectrumLeads ?? Self.defaultSpectrumLeads(summary.leads, headline: lead)).map { try chosenLead($0, summary.leads, flag: "--spectrum-leads") }
        let builder = try ReportFigures(summary: summary, inputs: inputs, units: units, headlineLead: lead, spectrumLeads: spectrumLeads)
        var figures = try builder.skill() + builder.dispersion() + builder.ranks() + builder.probabilities() + builder.spectra()
        for (file, section, why) in [("rank_histogram.csv", ReportSection.ranks, "rank histograms"), ("reliability.csv", .probabilities, "reliability diagrams"),
                                     ("roc.csv", .probabilities, "ROC curves"), ("spectra.csv", .spectra, "spectra")] where inputs.table(file) == nil {
            notes[section, default: []].append("No \(why): \(inputs.scores)/\(file) was not written by hens evaluate.")
        }
        if let fields {
            let channels = options.mapChannels ?? fields.channels.map(\.name)
            for name in channels where !fields.channels.contains(where: { $0.name == name }) {
                throw HensError.invalid("--map-channels", "channels of the forecast (\(fields.channels.map(\.name).joined(separator: ", "))), got '\(name)'")
            }
            figures += builder.maps(fields, channels: channels)
        }
        var tables: [ReportSection: [ReportTable]] = [:]
        if !options.comparisons.isEmpty {
            let run = try ComparisonFigures.Method(name: options.runName ?? Self.runName(inputs), folder: inputs.scores)
            let comparison = try ComparisonFigures(run: run, compared: options.comparisons, channels: summary.channels, headlineLead: lead) {
                builder.label($0, channel: $1, squared: $2)
            }
            figures = try comparison.figures() + figures
            tables[.comparison] = [try comparison.table(leads: Array(Set([lead, summary.leads.last ?? lead])).sorted())]
        }
        if let checkpoints = inputs.checkpoints {
            let training = try ReportFigures.training(checkpoints: checkpoints)
            if training.isEmpty { notes[.training, default: []].append("No training curves: no seed folder with metrics.jsonl in \(checkpoints).") }
            figures += training
        } else {
            notes[.training, default: []].append("No training curves: no checkpoints folder (pass --checkpoints).")
        }

        do {
            let staging = try output.makeStaging()
            try FileManager.default.createDirectory(atPath: staging + "/figures", withIntermediateDirectories: true)
            let drawn = try draw(figures, in: staging + "/figures", quiet: quiet)
            let page = ReportPage(title: "hens report: \(Self.runName(inputs))", facts: facts(summary),
                                  headline: try builder.headline(), figures: drawn, notes: notes, tables: tables)
            try writeAtomically(Data(page.html().utf8), to: staging + "/index.html")
            let manifest = ReportManifest(figures: drawn.map { .init(id: $0.figure.id, section: $0.figure.section.rawValue, title: $0.figure.title, png: $0.png) },
                                          notes: ReportSection.allCases.flatMap { notes[$0] ?? [] })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeAtomically(try encoder.encode(manifest), to: staging + "/report.json")
            try output.commit()
            return manifest
        } catch {
            // The cause is read before the staging folder is removed, which frees the space.
            let cause = WriteFailure.cause(errno: 0, near: output.staging)
            output.discard()
            if error is HensError { throw error }
            throw HensError(.io, "\(folder): cannot write the report: \(cause ?? error.localizedDescription)")
        }
    }

    /// Draws the figures, one gnuplot process per hens thread at a time, keeping page order.
    func draw(_ figures: [Figure], in folder: String, quiet: Bool) throws -> [ReportPage.Drawn] {
        let progress = ProgressReporter("report", total: figures.count, unit: "figures", quiet: quiet)
        let lock = NSLock()
        var drawn = [ReportPage.Drawn?](repeating: nil, count: figures.count)
        var failure: Error?
        Parallel.forEachCyclic(figures.count) { k in
            do {
                let output = try renderer.render(figures[k], in: folder)
                let svg = InlineSVG.inline(output.svg, prefix: "f\(k)", label: figures[k].title)
                lock.withLock { drawn[k] = ReportPage.Drawn(figure: figures[k], svg: svg, png: "figures/" + output.pngFile) }
            } catch {
                lock.withLock { failure = failure ?? error }
            }
            progress.advance()
        }
        progress.finish()
        if let failure { throw failure }
        return drawn.compactMap { $0 }
    }

    /// The case of the maps, or nil (with a note) when the run has no forecast to map.
    func caseFields(summary: EvaluationSummary, lead: Double, notes: inout [ReportSection: [String]]) throws -> CaseFields? {
        let label = options.caseInit ?? summary.inits[0]
        guard summary.inits.contains(label) else {
            throw HensError.invalid("--case", "an initial time of the scores (\(summary.inits.joined(separator: ", "))), got '\(label)'")
        }
        guard let forecast = inputs.forecast, FileManager.default.fileExists(atPath: forecast + "/" + label + "/summary.nc") else {
            notes[.maps, default: []].append("No maps: no forecast summary \(label)/summary.nc (pass --forecast with the folder of hens forecast).")
            return nil
        }
        let extremes = inputs.table("extremes.nc")
        let fields = try CaseFields(forecastFolder: forecast + "/" + label, leadHours: lead, dataset: inputs.dataset, extremes: extremes)
        if fields.truth == nil { notes[.maps, default: []].append("No truth map: no dataset with the analysis at \(label) + \(hours(fields.leadHours)) (pass --dataset).") }
        if fields.efi == nil { notes[.maps, default: []].append("No EFI map: the scores have no extremes.nc for this case (score with hens evaluate --mclimate).") }
        return fields
    }

    /// The run's description at the top of the page.
    func facts(_ summary: EvaluationSummary) -> [(String, String)] {
        let leads = summary.leads
        var facts: [(String, String)] = [
            ("Initial times", "\(summary.inits.count): \(summary.inits.joined(separator: ", "))"),
            ("Members", "\(summary.memberCount)\(summary.partial ? " (partial run: some members missing)" : "")"),
            ("Leads", "\(leads.count), \(hours(leads.first ?? 0)) to \(hours(leads.last ?? 0))"),
            ("Channels", summary.channels.joined(separator: ", ")),
            ("Scores", inputs.scores),
        ]
        if let f = inputs.forecast { facts.append(("Forecast", f)) }
        if let d = inputs.dataset { facts.append(("Dataset", d)) }
        if let c = inputs.checkpoints { facts.append(("Checkpoints", c)) }
        for key in ["crps", "spread", "ssr", "climatology", "lat_weights"] {
            if let value = summary.options[key] { facts.append((key == "lat_weights" ? "Latitude weights" : key.prefix(1).uppercased() + key.dropFirst(), value)) }
        }
        facts.append(("Scored by", "hens \(summary.version)"))
        return facts
    }

    /// `lead` if it is one of `leads` (to 1e-6 h), else an error naming `flag`; nil: the middle lead.
    func chosenLead(_ lead: Double?, _ leads: [Double], flag: String) throws -> Double {
        guard let lead else { return leads[leads.count / 2] }
        guard let match = leads.first(where: { abs($0 - lead) < 1e-6 }) else {
            throw HensError.invalid(flag, "a scored lead in hours (\(leads.map { hours($0) }.joined(separator: ", "))), got \(lead)")
        }
        return match
    }

    /// The first lead after 0, the headline lead and the last, without repeats.
    static func defaultSpectrumLeads(_ leads: [Double], headline: Double) -> [Double] {
        var chosen: [Double] = []
        for l in [leads.first { $0 > 0 } ?? leads[0], headline, leads[leads.count - 1]] where !chosen.contains(l) { chosen.append(l) }
        return chosen
    }

    /// A short name of the run: its folder (the parent of the scores folder).
    static func runName(_ inputs: ReportInputs) -> String {
        let scores = URL(fileURLWithPath: inputs.scores).standardizedFileURL
        return scores.deletingLastPathComponent().lastPathComponent
    }
}
