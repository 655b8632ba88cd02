import Foundation
import ArgumentParser
import HensCore

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads for hens' loops (BLAS and FFTW run single-threaded inside them). Default: all cores.")
    var threads: Int?

    @Flag(name: .long, help: "No progress output on stderr.")
    var quiet = false

    @Option(name: .customLong("log-format"), help: "Log lines on stderr: text, or json (one object per line: time, level, message, progress fields). Default: $HENS_LOG_FORMAT, else text.")
    var logFormat: LogFormat?

    /// Applies the thread setting process-wide.
    /// - Throws: `.invalidArgument` for a thread count below 1.
    func apply() throws {
        if let threads, threads < 1 { throw HensError.invalid("--threads", "at least 1 (or leave it out for all cores), got \(threads)") }
        LogFormat.current = logFormat ?? ProcessInfo.processInfo.environment["HENS_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .text
        Parallel.configure(threads: threads)
    }
}

extension LogFormat: ExpressibleByArgument {}
