import Foundation
import HensCore

/// One run of the anchor runner `bench/anchors/sfno_anchor.py` (torch-harmonics' SFNO on torch,
/// eager fp32) and the numbers hens' benchmark compares with: seconds per call by (config,
/// threads, batch).
///
/// The runner's JSON: `{"configs": {NAME: {"inference": [ROW], "training": [ROW], "flops":
/// {"dense_total": FLOP}}}, "torch_version", "torch_harmonics_version", "mode", "python",
/// "date", "cpu", "nproc", "gemm"}` with ROW = `{"threads", "batch", "median_s", "min_s",
/// "runs", "other_cpu_pct"}`.
public struct SFNOAnchorRun {
    /// Seconds (and the runner's other-CPU estimate) of one measurement.
    public struct Entry: Equatable {
        /// Median seconds per call.
        public let medianSeconds: Double
        /// Fastest call, seconds.
        public let minSeconds: Double
        /// Timed calls.
        public let runs: Int
        /// Other processes' CPU share during the measurement, percent.
        public let otherCPU: Double?
    }

    /// What a measurement is of.
    public struct Key: Hashable {
        /// Configuration name.
        public let config: String
        /// torch's intra-op threads.
        public let threads: Int
        /// Members (inference) or samples (training) per call.
        public let batch: Int

        /// A key of these values.
        public init(config: String, threads: Int, batch: Int) {
            (self.config, self.threads, self.batch) = (config, threads, batch)
        }
    }

    /// torch / torch-harmonics versions, the CPU, and the runner's SGEMM peaks, passed on into hens' JSON.
    public let info: [String: Any]
    /// Forward calls under `torch.inference_mode()`.
    public let inference: [Key: Entry]
    /// Training steps (forward + MSE + backward + Adam).
    public let training: [Key: Entry]
    /// The runner's dense FLOPs per member-step, by config (a cross-check of `SFNOFLOPModel`).
    public let denseFLOPs: [String: Double]

    /// Runs `python script … --json TMP` (its progress goes to stderr) and reads its JSON.
    public static func run(python: String, script: String, arguments: [String]) throws -> SFNOAnchorRun {
        try SFNOAnchorRun(document: AnchorScript.run(python: python, script: script, arguments: arguments, tag: "sfno"))
    }

    /// Parses the runner's document; rows without threads, batch or median are skipped.
    public init(document doc: [String: Any]) throws {
        guard let configs = doc["configs"] as? [String: [String: Any]] else {
            throw HensError(.badInput, "sfno anchor JSON: no 'configs' object")
        }
        func entries(_ name: String, _ kind: String) -> [(Key, Entry)] {
            ((configs[name]?[kind] as? [[String: Any]]) ?? []).compactMap { r in
                guard let t = r["threads"] as? Int, let b = r["batch"] as? Int, let median = r["median_s"] as? Double else { return nil }
                return (Key(config: name, threads: t, batch: b),
                        Entry(medianSeconds: median, minSeconds: r["min_s"] as? Double ?? median, runs: r["runs"] as? Int ?? 0,
                              otherCPU: r["other_cpu_pct"] as? Double))
            }
        }
        inference = Dictionary(configs.keys.flatMap { entries($0, "inference") }, uniquingKeysWith: { a, _ in a })
        training = Dictionary(configs.keys.flatMap { entries($0, "training") }, uniquingKeysWith: { a, _ in a })
        denseFLOPs = configs.compactMapValues { ($0["flops"] as? [String: Any])?["dense_total"] as? Double }
        var info: [String: Any] = [:]
        for key in ["torch_version", "torch_harmonics_version", "mode", "python", "date", "cpu", "nproc", "gemm"] {
            if let v = doc[key] { info[key] = v }
        }
        self.info = info
    }
}
