import ArgumentParser
import HensCore

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads for hens' loops (BLAS and FFTW run single-threaded inside them). Default: all cores.")
    var threads: Int?

    @Flag(name: .long, help: "No progress output on stderr.")
    var quiet = false

    /// Applies the thread setting process-wide.
    func apply() { Parallel.configure(threads: threads) }
}
