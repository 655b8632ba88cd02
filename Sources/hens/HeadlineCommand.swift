import ArgumentParser
import Foundation
import Report

/// `hens scores`: the headline scores of `hens evaluate`'s output, one line per channel and lead.
struct HeadlineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scores",
        abstract: "Print the headline scores of a hens evaluate output folder (CRPS, RMSE, spread, SSR, CRPSS, outliers).",
        discussion: "Reads SCORES/scores.csv by column name; a score that does not apply prints as n/a.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Output folder of hens evaluate.") var scores: String
    @Option(help: "Lead in hours (default: every lead after the initial time).") var lead: Double?
    @Option(help: "Latitude band: global, nh-extratropics, tropics or sh-extratropics.") var band = "global"

    func run() throws {
        try global.apply()
        let table = try ScoreTable(path: scores + "/scores.csv")
        for line in try HeadlineScores.lines(table: table, lead: lead, band: band) { print(line) }
    }
}
