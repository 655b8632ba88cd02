import DatasetIO
import ArgumentParser
import Training
import Foundation
import HensCore

/// `hens skill`: a checkpoint's deterministic RMSE per channel and lead, the basis of the
/// bred-vector amplitudes.
struct Skill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a checkpoint's deterministic RMSE per channel and lead (for perturbation amplitudes).",
        discussion: """
        Rolls the checkpoint out autoregressively from evenly spaced initial states of a split
        (normalised with the checkpoint's statistics) and writes a JSON skill table: RMSE per
        channel at leads 1…n in physical and normalised units, with persistence and climatology.
        HENS sets each channel's bred-vector amplitude to a factor times this RMSE at e.g. 48 h.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Checkpoint file (from `hens train`).") var checkpoint: String
    @Option(help: "Dataset folder.") var dataset: String
    @Option(help: "Split scored.") var split = "valid"
    @Option(help: "Autoregressive steps. Default: enough for 48 h at the data's time step (at least 1).") var leads: Int?
    @Option(help: "Initial states scored (evenly spaced over the split).") var samples = 32
    @Option(help: "Output JSON file.") var out: String

    func run() throws {
        try global.apply()
        try checkOutputFilePath(out, option: "--out")
        let clock = Stopwatch()
        let table = try SkillTable.compute(checkpointPath: checkpoint, dataset: dataset, split: split, leads: leads,
                                           samples: samples)
        try table.write(to: out)
        guard !global.quiet else { return }
        // Lead 1, 24 h, 48 h (the usual amplitude lead) and the last, where the table has them.
        let marks = [24.0, 48.0].compactMap { try? table.leadSteps(hours: $0) }
        let shown = Array(Set([1, table.leads.count] + marks)).sorted()
        var text = "skill: \(checkpoint) on \(dataset)/\(split): \(table.samples) initial states, "
            + "\(table.leads.count) steps of \(String(format: "%g", table.stepHours)) h, \(String(format: "%.1f", clock.seconds)) s → \(out)\n"
        for line in table.summaryLines(leads: shown) { text += line + "\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
