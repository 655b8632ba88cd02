import Foundation
import HensCore
import NumericsBackend

/// The JSON every `hens bench …` subcommand writes: `{"benchmark", "hens_version", "machine",
/// "results"}`, with "machine" naming the CPU, the BLAS library, its kernel and how it was chosen,
/// FFTW and the build, so that numbers from different machines or builds are never mixed up.
public enum BenchmarkDocument {
    /// The document as pretty-printed JSON with sorted keys.
    public static func json(benchmark: String, results: [[String: Any]]) throws -> Data {
        let object: [String: Any] = ["benchmark": benchmark, "hens_version": HensVersion.string,
                                     "machine": BackendProvenance.machine, "results": results]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// A benchmark's rows, and why its anchor (the reference implementation) did not run when it
/// was asked to: hens' own numbers are still reported, but the command should then fail.
public struct BenchmarkOutcome {
    /// The rows of the document's "results".
    public let rows: [[String: Any]]
    /// The anchor's failure, when one was asked for and failed.
    public let anchorError: String?

    /// An outcome of `rows`, with the anchor's failure if any.
    public init(rows: [[String: Any]], anchorError: String? = nil) {
        self.rows = rows
        self.anchorError = anchorError
    }
}

/// Progress lines of the benchmarks on stderr (`[bench NAME] …`), so stdout carries only JSON.
public enum BenchmarkLog {
    /// Writes one line tagged with the benchmark's name.
    public static func note(_ benchmark: String, _ line: String) {
        FileHandle.standardError.write(Data("[bench \(benchmark)] \(line)\n".utf8))
    }
}
