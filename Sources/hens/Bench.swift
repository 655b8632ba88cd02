import ArgumentParser
import Foundation
import HensCore
import Spherical

/// `hens bench …`: timings as JSON, for comparison with the anchors in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure hens kernels and print JSON (machine, threads, median/min/max of repeated runs).",
        subcommands: [BenchSHT.self, BenchSWE.self, BenchIngest.self, BenchSFNO.self, BenchForecast.self, BenchCRPS.self])
}
