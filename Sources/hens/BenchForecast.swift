import DatasetIO
import Config
import ArgumentParser
import Ensemble
import Foundation
import HensCore

/// `hens bench forecast`: ensemble throughput and peak memory as the member count grows, against
/// the pure SFNO inference rate of the same checkpoint measured in the same run.
struct BenchForecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Time `hens forecast` at several member counts (member-steps/s, peak RSS) against pure SFNO inference.",
        discussion: """
        Every (members, threads) case runs `hens forecast --config CONFIG` as its own process \
        (one initial time, no control, bred vectors, members and summary written, output in \
        --work, deleted afterwards) and reads its --stats-json: member-steps (rollout + breeding) \
        per second of wall time and the process's peak resident memory. The reference is the \
        first checkpoint's batched forward pass (ForecastModel.step, the forecast's batch size), \
        timed in this process: throughput within 10 % of it means I/O, perturbations and \
        statistics do not dominate. Cases with at most --repeat-below members run --runs times \
        (median, min, max); larger ones once. The projection line scales the largest case to \
        --project members × --project-steps steps.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Forecast configuration (its checkpoints, dataset and skill file must exist: `make forecast`).") var config = "configs/forecast-swe-small.yaml"
    @Option(help: "Comma-separated member counts.") var members = "64,512,4096"
    @Option(help: "Model steps per member.") var steps = 5
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts.") var threadCounts = "1,2"
    @Option(help: "Timed runs of the small cases.") var runs = 3
    @Option(name: .customLong("repeat-below"), help: "Cases with at most this many members are repeated --runs times.") var repeatBelow = 512
    @Option(help: "Member count of the projection.") var project = 7424
    @Option(name: .customLong("project-steps"), help: "Steps of the projection.") var projectSteps = 20
    @Option(help: "Work folder (default: a temporary folder, deleted afterwards).") var work: String?
    @Option(help: "Write the JSON here too.") var json: String?

    func run() throws {
        global.apply()
        let counts = try parseIntegers(members, option: "--members"), threads = try parseIntegers(threadCounts, option: "--thread-counts")
        let folder = work ?? NSTemporaryDirectory() + "hens-bench-forecast-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var doc = try ConfigDocument(path: config)
        let forecastConfig = try ForecastConfig(&doc, baseDirectory: (config as NSString).deletingLastPathComponent)
        let loadStart = loadAverages()
        var rows: [[String: Any]] = []
        for t in threads {
            let reference = try inferenceRate(forecastConfig, threads: t)
            rows.append(["kind": "inference", "threads": t, "batch": reference.batch, "member_steps_per_s": reference.rate,
                         "other_cpu_pct": reference.other ?? NSNull()])
            note(String(format: "t%d: pure inference %.2f member-steps/s (batch %d)", t, reference.rate, reference.batch))
            var largest: (members: Int, rate: Double)?
            for m in counts {
                let repeats = m <= repeatBelow ? runs : 1
                var rates: [Double] = [], rss: [Int] = [], seconds: [Double] = []
                var batch = 0, memberSteps = 0
                for r in 0..<repeats {
                    let stats = try forecastStats(executable, members: m, threads: t, folder: folder + "/m\(m)-t\(t)-r\(r)")
                    rates.append(stats["member_steps_per_second"] as? Double ?? .nan)
                    rss.append(stats["peak_rss_bytes"] as? Int ?? 0)
                    seconds.append(stats["seconds"] as? Double ?? .nan)
                    batch = stats["batch_size"] as? Int ?? 0
                    memberSteps = stats["member_steps"] as? Int ?? 0
                }
                let median = rates.sorted()[rates.count / 2]
                largest = (m, median)
                rows.append(["kind": "forecast", "threads": t, "members": m, "steps": steps, "member_steps": memberSteps,
                             "runs": repeats, "member_steps_per_s_median": median, "member_steps_per_s_min": rates.min()!,
                             "member_steps_per_s_max": rates.max()!, "seconds_median": seconds.sorted()[seconds.count / 2],
                             "peak_rss_bytes_max": rss.max()!, "peak_rss_bytes_min": rss.min()!, "batch_size": batch,
                             "fraction_of_inference": median / reference.rate])
                note(String(format: "t%d: %d members × %d steps: %.2f member-steps/s (%.0f %% of inference), peak RSS %@, %d run(s)",
                            t, m, steps, median, 100 * median / reference.rate, ProcessMemory.format(rss.max()!), repeats))
            }
            if let largest {
                let total = Double(project * projectSteps) * (1 + Double(forecastConfig.breedingCycles) / Double(2 * projectSteps))
                rows.append(["kind": "projection", "threads": t, "members": project, "steps": projectSteps, "from_members": largest.members,
                             "member_steps": total, "minutes": total / largest.rate / 60])
                note(String(format: "t%d: projection %d members × %d steps ≈ %.0f member-steps (with breeding) → %.1f min at %.2f member-steps/s",
                            t, project, projectSteps, total, total / largest.rate / 60, largest.rate))
            }
        }
        rows.append(["kind": "run", "load_average_start": loadStart, "load_average_end": loadAverages(), "config": config])
        try emitBenchmarkJSON(benchmark: "forecast", results: rows, to: json)
    }

    /// The first checkpoint's forward rate at the forecast's automatic batch size, on copies
    /// of the first initial time's analysis.
    private func inferenceRate(_ config: ForecastConfig, threads: Int) throws -> (rate: Double, batch: Int, other: Double?) {
        Parallel.configure(threads: threads)
        defer { Parallel.configure(threads: global.threads) }
        let forecast = try EnsembleForecast(config: config, output: NSTemporaryDirectory(), shard: .single, memberSelection: nil,
                                          skill: try config.skill.map { try SkillTable.read(path: $0) })
        let model = forecast.models[0], batch = forecast.batchSize
        // Real normalised analyses, not constants: the forward pass's speed depends a little on
        // the values (e.g. tiny spectral coefficients), and the forecast steps real states.
        var analysis = try forecast.archive.state(at: try forecast.initialTimes()[0].location, channels: model.channels)
        analysis.withUnsafeMutableBufferPointer { model.normalize($0.baseAddress!, count: 1) }
        let input = (0..<batch).flatMap { _ in analysis }
        var output = input
        let (timing, other) = timeRepeatedWithLoad(budget: 5, minRuns: 3) {
            input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { model.step(i.baseAddress!, $0.baseAddress!, batch) } }
        }
        return (Double(batch) / timing.median, batch, other)
    }

    /// Runs one forecast process and returns its --stats-json.
    private func forecastStats(_ executable: String, members: Int, threads: Int, folder: String) throws -> [String: Any] {
        let statsPath = folder + ".stats.json"
        defer { try? FileManager.default.removeItem(atPath: folder); try? FileManager.default.removeItem(atPath: statsPath) }
        try BenchIngest.execute(executable, [
            "forecast", "--config", config, "--out", folder, "--ensemble-size", String(members), "--control", "none",
            "--steps", String(steps), "--init-count", "1", "--threads", String(threads), "--quiet", "--overwrite",
            "--stats-json", statsPath])
        guard let data = FileManager.default.contents(atPath: statsPath),
              let stats = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HensError(.internal, "\(statsPath): the forecast wrote no statistics")
        }
        return stats
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("[bench forecast] \(line)\n".utf8))
    }
}
