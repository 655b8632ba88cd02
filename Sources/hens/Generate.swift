import ArgumentParser

/// `hens generate …`: embedded data sets that need no download.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate embedded data sets (no download needed).",
        subcommands: [GenerateSWE.self])
}
