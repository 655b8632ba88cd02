import Config
import DatasetIO
import Ensemble
import Foundation
import HensCore

/// `hens bench forecast`: ensemble throughput and peak memory as the member count grows, against
/// the pure SFNO inference rate of the same checkpoint measured in the same run.
public struct ForecastBenchmark {
    /// What is timed and how, for `--help`.
    public static let method = """
        Every (members, threads) case runs `hens forecast --config CONFIG` as its own process \
        (one initial time, no control, bred vectors, members and summary written, output in \
        --work, deleted afterwards) and reads its --stats-json: member-steps (rollout + breeding) \
        per second of wall time and the process's peak resident memory. The reference is the \
        first checkpoint's batched forward pass (ForecastModel.step, the forecast's batch size), \
        timed in this process: throughput within 10 % of it means I/O, perturbations and \
        statistics do not dominate. Cases with at most --repeat-below members run --runs times \
        (median, min, max); larger ones once. The projection line scales the largest case to \
        --project members × --project-steps steps.
        """

    /// Forecast configuration file (its checkpoints, dataset and skill file must exist).
    public var config: String
    /// Member counts.
    public var members: [Int]
    /// Model steps per member.
    public var steps: Int
    /// Thread counts.
    public var threads: [Int]
    /// Timed runs of the cases with at most `repeatBelow` members.
    public var runs: Int
    /// Cases with at most this many members are repeated `runs` times; larger ones run once.
    public var repeatBelow: Int
    /// Member count of the projection.
    public var project: Int
    /// Steps of the projection.
    public var projectSteps: Int
    /// Work folder; nil: a temporary folder, deleted afterwards.
    public var work: String?

    /// A benchmark of these settings.
    public init(config: String, members: [Int], steps: Int, threads: [Int], runs: Int, repeatBelow: Int, project: Int,
                projectSteps: Int, work: String?) {
        (self.config, self.members, self.steps, self.threads, self.runs) = (config, members, steps, threads, runs)
        (self.repeatBelow, self.project, self.projectSteps, self.work) = (repeatBelow, project, projectSteps, work)
    }

    /// Per thread count: an "inference" row, a "forecast" row per member count and a
    /// "projection" row; then a closing "run" row.
    public func run() throws -> [[String: Any]] {
        let folder = work ?? NSTemporaryDirectory() + "hens-bench-forecast-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let executable = try ChildProcess.currentExecutable()
        var doc = try ConfigDocument(path: config)
        let forecastConfig = try ForecastConfig(&doc, baseDirectory: doc.baseDirectory)
        let loadStart = MachineLoad.averages()
        var rows: [[String: Any]] = []
        for t in threads {
            let reference = try withParallelThreads(t) { try inferenceRate(forecastConfig) }
            rows.append(["kind": "inference", "threads": t, "batch": reference.batch, "member_steps_per_s": reference.rate,
                         "other_cpu_pct": reference.other ?? NSNull()])
            note(String(format: "t%d: pure inference %.2f member-steps/s (batch %d)", t, reference.rate, reference.batch))
            var largest: (members: Int, rate: Double)?
            for m in members {
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
        rows.append(["kind": "run", "load_average_start": loadStart, "load_average_end": MachineLoad.averages(), "config": config])
        return rows
    }

    /// The first checkpoint's forward rate at the forecast's automatic batch size, on copies
    /// of the first initial time's analysis.
    private func inferenceRate(_ config: ForecastConfig) throws -> (rate: Double, batch: Int, other: Double?) {
        let forecast = try EnsembleForecast(config: config, output: NSTemporaryDirectory(), shard: .single, memberSelection: nil,
                                            skill: try config.skill.map { try SkillTable.read(path: $0) })
        let model = forecast.models[0], batch = forecast.batchSize
        // Real normalised analyses, not constants: the forward pass's speed depends a little on
        // the values (e.g. tiny spectral coefficients), and the forecast steps real states.
        var analysis = try forecast.archive.state(at: try forecast.initialTimes()[0].location, channels: model.channels)
        analysis.withUnsafeMutableBufferPointer { model.normalize($0.baseAddress!, count: 1) }
        let input = (0..<batch).flatMap { _ in analysis }
        var output = input
        let (timing, other) = Timing.measureWithLoad(budget: 5, minRuns: 3) {
            input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { model.step(i.baseAddress!, $0.baseAddress!, batch, validTime: 0) } }
        }
        return (Double(batch) / timing.median, batch, other)
    }

    /// Runs one forecast process and returns its --stats-json.
    private func forecastStats(_ executable: String, members: Int, threads: Int, folder: String) throws -> [String: Any] {
        let statsPath = folder + ".stats.json"
        defer { try? FileManager.default.removeItem(atPath: folder); try? FileManager.default.removeItem(atPath: statsPath) }
        try ChildProcess.run(executable, [
            "forecast", "--config", config, "--out", folder, "--ensemble-size", String(members), "--control", "none",
            "--steps", String(steps), "--init-count", "1", "--threads", String(threads), "--quiet", "--overwrite",
            "--stats-json", statsPath])
        guard let data = FileManager.default.contents(atPath: statsPath),
              let stats = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HensError(.internal, "\(statsPath): the forecast wrote no statistics")
        }
        return stats
    }

    private func note(_ line: String) { BenchmarkLog.note("forecast", line) }
}
