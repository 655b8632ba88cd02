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

/// Facts about the machine for benchmark JSON.
func machineDescription() -> [String: Any] {
    var cpu = "unknown"
    if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
       let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
       let colon = line.firstIndex(of: ":") {
        cpu = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return ["cpu": cpu, "cores": ProcessInfo.processInfo.activeProcessorCount,
            "memory_gib": Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
            "hostname": ProcessInfo.processInfo.hostName]
}

/// Prints `{"benchmark", "hens_version", "machine", "results"}` as JSON to stdout (and a file).
func emitBenchmarkJSON(benchmark: String, results: [[String: Any]], to path: String?) throws {
    let object: [String: Any] = ["benchmark": benchmark, "hens_version": HensVersion.string,
                                 "machine": machineDescription(), "results": results]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
    if let path { try writeAtomically(data, to: path) }
}

/// Writes to a temporary file beside `path`, then renames, so readers never see half a file.
func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw HensError(.io, "\(path): cannot write (\(error.localizedDescription))")
    }
}
