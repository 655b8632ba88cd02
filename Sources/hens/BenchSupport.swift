import NumericsBackend
import Foundation
import HensCore

/// Median, min and max of repeated timings, in seconds.
struct Timing {
    let median: Double
    let min: Double
    let max: Double
    let runs: Int
}

/// Runs `body` once to warm up, then repeatedly until `budget` seconds have passed and at
/// least `minRuns` runs were timed.
func timeRepeated(budget: Double, minRuns: Int, _ body: () -> Void) -> Timing {
    body()
    var samples: [Double] = []
    let total = Stopwatch()
    while samples.count < minRuns || (total.seconds < budget && samples.count < 10_000) {
        let s = Stopwatch()
        body()
        samples.append(s.seconds)
    }
    samples.sort()
    return Timing(median: samples[samples.count / 2], min: samples[0], max: samples[samples.count - 1], runs: samples.count)
}

/// Share of the machine's CPU time used by *other* processes while a measurement ran, from
/// `/proc/stat` and this process's CPU clock (the same estimate as `sfno_anchor.py`'s
/// `other_cpu_pct`, so the two halves of a run can be judged alike). nil where unavailable.
struct OtherLoadProbe {
    private let busy: Double, total: Double, own: Double

    /// Starts a measurement window; nil when /proc/stat cannot be read.
    init?() {
        guard let (busy, total) = Self.cpuTicks() else { return nil }
        self.busy = busy
        self.total = total
        own = Self.processCPUSeconds()
    }

    /// Other processes' share of all cores since `init`, in percent.
    var otherPercent: Double? {
        guard let (busy1, total1) = Self.cpuTicks(), total1 > total else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let others = (busy1 - busy) - (Self.processCPUSeconds() - own) * hz
        return (max(0, 100 * others / (total1 - total)) * 10).rounded() / 10
    }

    /// (busy, total) jiffies over all cores: user+nice+system+irq+softirq, and the first eight fields.
    private static func cpuTicks() -> (Double, Double)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let v = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard v.count == 8 else { return nil }
        return (v[0] + v[1] + v[2] + v[5] + v[6], v.reduce(0, +))
    }

    private static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// `timeRepeated`, plus the other processes' CPU share over the timed window.
func timeRepeatedWithLoad(budget: Double, minRuns: Int, _ body: () -> Void) -> (timing: Timing, otherCPU: Double?) {
    let probe = OtherLoadProbe()
    let timing = timeRepeated(budget: budget, minRuns: minRuns, body)
    return (timing, probe?.otherPercent)
}

/// The 1-, 5- and 15-minute load averages (empty where /proc/loadavg is missing).
func loadAverages() -> [Double] {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
    return text.split(separator: " ").prefix(3).compactMap { Double($0) }
}

/// Times one `n × n × n` `cblas_sgemm` (C = A·B, row-major) with OpenBLAS' own `threads`
/// threads: the machine's practical Float32 peak. Leaves OpenBLAS single-threaded afterwards,
/// as hens' kernels expect.
func measureSGEMM(n: Int, threads: Int, budget: Double, minRuns: Int) -> (timing: Timing, otherCPU: Double?) {
    var generator = SeededGenerator(seed: 7)
    let a = (0..<(n * n)).map { _ in Float(generator.nextUniform()) }
    let b = (0..<(n * n)).map { _ in Float(generator.nextUniform()) }
    var c = [Float](repeating: 0, count: n * n)
    return BLASLibrary.withLibraryThreads(threads) {
        timeRepeatedWithLoad(budget: budget, minRuns: minRuns) {
            c.withUnsafeMutableBufferPointer { cp in
                Float.blasGEMM(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                               beta: 0, c: cp.baseAddress!, ldc: n)
            }
        }
    }
}

/// Prints `{"benchmark", "hens_version", "machine", "results"}` as JSON to stdout (and a file);
/// "machine" names the CPU, the BLAS library, kernel and how it was chosen, FFTW, the build.
func emitBenchmarkJSON(benchmark: String, results: [[String: Any]], to path: String?) throws {
    let object: [String: Any] = ["benchmark": benchmark, "hens_version": HensVersion.string,
                                 "machine": BackendProvenance.machine, "results": results]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
    if let path { try writeAtomically(data, to: path) }
}


/// Runs an anchor script, `python script arguments… --json TMP` (its own output goes to
/// stderr, so hens' JSON on stdout stays clean), and returns the JSON document it wrote.
func runAnchorScript(python: String, script: String, arguments: [String], tag: String) throws -> [String: Any] {
    let jsonPath = NSTemporaryDirectory() + "hens-\(tag)-anchor-\(getpid()).json"
    defer { try? FileManager.default.removeItem(atPath: jsonPath) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python.contains("/") ? python : "/usr/bin/env")
    process.arguments = (python.contains("/") ? [] : [python]) + [script] + arguments + ["--json", jsonPath]
    process.standardOutput = FileHandle.standardError
    process.standardError = FileHandle.standardError
    do { try process.run() } catch {
        throw HensError(.internal, "\(python): cannot run it (\(error.localizedDescription))")
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw HensError(.internal, "\(python) \(script): exit \(process.terminationStatus) (its output is above)")
    }
    guard let data = FileManager.default.contents(atPath: jsonPath),
          let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw HensError(.badInput, "\(jsonPath): the anchor wrote no readable JSON")
    }
    return doc
}
