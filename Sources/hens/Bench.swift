import ArgumentParser
import Benchmarks
import Foundation
import HensCore

/// `hens bench …`: timings as JSON (module Benchmarks), for comparison with the anchors in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure hens kernels and print JSON (machine, threads, median/min/max of repeated runs).",
        subcommands: [BenchSHT.self, BenchSWE.self, BenchIngest.self, BenchSFNO.self, BenchForecast.self, BenchCRPS.self])

    /// Prints a benchmark's JSON document on stdout and, with `--json PATH`, writes it there too.
    static func emit(_ benchmark: String, _ rows: [[String: Any]], json path: String?) throws {
        let data = try BenchmarkDocument.json(benchmark: benchmark, results: rows)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        if let path { try writeAtomically(data, to: path) }
    }

    /// `emit`, then a failing exit when the anchor was asked for and failed (its error is in the JSON).
    static func emit(_ benchmark: String, _ outcome: BenchmarkOutcome, json path: String?) throws {
        try emit(benchmark, outcome.rows, json: path)
        if outcome.anchorError != nil { throw ExitCode.failure }
    }
}

/// A comma-separated list of positive integers from option `option`.
func integers(_ text: String, _ option: String) throws -> [Int] { try ListOption.positiveIntegers(text, option: option) }

/// A comma-separated list of names.
func names(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }
