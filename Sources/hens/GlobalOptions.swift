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
    func apply() {
        LogFormat.current = logFormat ?? ProcessInfo.processInfo.environment["HENS_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .text
        Parallel.configure(threads: threads)
    }
}

extension LogFormat: ExpressibleByArgument {}
