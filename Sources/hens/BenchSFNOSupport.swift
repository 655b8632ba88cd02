import Foundation
import HensCore
import SFNO

/// The SFNO benchmark configurations of the torch-harmonics anchor script, named as in
/// `sfno_anchor.py` (`CONFIGS`), with its common arguments: torch-harmonics' example block,
/// equiangular data grid, Legendre–Gauss inside, 8 channels in and out, MLP ratio 2, instance
/// norm, residual prediction, no positional embedding, no biases outside the MLP.
enum SFNOBenchConfig {
    /// name → (nlat, nlon, scale factor, embed dim, layers).
    static let table: [String: (nlat: Int, nlon: Int, scale: Int, embed: Int, layers: Int)] = [
        "s2-e64-l4": (121, 240, 2, 64, 4),
        "s2-e128-l4": (121, 240, 2, 128, 4),
        "s2-e128-l8": (121, 240, 2, 128, 8),
        "s1-e64-l4": (121, 240, 1, 64, 4),
        "t-s1-e64-l4": (64, 128, 1, 64, 4),
    ]

    /// The configuration called `name`, or nil.
    static func named(_ name: String) -> SFNOConfig? {
        guard let c = table[name] else { return nil }
        return SFNOConfig(variant: .thExample, grid: .equiangular, nlat: c.nlat, nlon: c.nlon, inChannels: 8, outChannels: 8,
                          scaleFactor: c.scale, embedDim: c.embed, layers: c.layers, mlpRatio: 2, residualPrediction: true,
                          posEmbed: .none, normalization: .instance, hardThresholdingFraction: 1)
    }
}

/// One run of `sfno_anchor.py` (torch-harmonics' SFNO, eager fp32) and the numbers hens'
/// benchmark compares against: median seconds per call by (config, threads, batch).
struct SFNOAnchorRun {
    /// Median seconds (and the anchor's other-CPU estimate) of one measurement.
    struct Entry {
        let medianSeconds: Double
        let minSeconds: Double
        let runs: Int
        let otherCPU: Double?
    }

    struct Key: Hashable {
        let config: String
        let threads: Int
        let batch: Int
    }

    /// torch / torch-harmonics versions, CPU, and the anchor's SGEMM peaks (as the script reports them).
    let info: [String: Any]
    /// Forward calls under `torch.inference_mode()`.
    let inference: [Key: Entry]
    /// Training steps (forward + MSE + backward + Adam).
    let training: [Key: Entry]
    /// The script's dense FLOPs per member-step, by config (a cross-check of `SFNOFLOPModel`).
    let denseFLOPs: [String: Double]

    /// Runs `python script --configs … --json TMP` (its progress goes to stderr) and reads its JSON.
    static func run(python: String, script: String, arguments: [String]) throws -> SFNOAnchorRun {
        let doc = try runAnchorScript(python: python, script: script, arguments: arguments, tag: "sfno")
        return try SFNOAnchorRun(document: doc)
    }

    /// Parses the document `sfno_anchor.py --json` writes.
    init(document doc: [String: Any]) throws {
        guard let configs = doc["configs"] as? [String: [String: Any]] else {
            throw HensError(.badInput, "sfno_anchor JSON: no 'configs' object")
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

/// One hens measurement of `hens bench sfno` (a forward call or a training step of `batch` members).
struct SFNOMeasurement {
    enum Kind: String { case inference, training }

    let kind: Kind
    let config: String
    let variant: SFNOVariant
    let threads: Int
    let batch: Int
    let timing: Timing
    let otherCPU: Double?
    /// Forward FLOPs per member-step: dense-equivalent (torch-harmonics' layout) and as hens computes them.
    let flops: (dense: Double, computed: Double)

    /// FLOPs of one timed call: `batch` forward passes, 3× that for a training step (forward + backward).
    var callFLOPs: (dense: Double, computed: Double) {
        let f = Double(batch) * (kind == .training ? 3 : 1)
        return (flops.dense * f, flops.computed * f)
    }

    /// Members (samples) per second at the median time.
    var membersPerSecond: Double { Double(batch) / timing.median }

    /// A one-line summary for stderr.
    var line: String {
        String(format: "%@ %@ t%d B=%d: %.1f ms/call (min %.1f, max %.1f, %d runs) → %.2f %@/s, %.1f GFLOP/s as computed, other load %@",
               config, kind.rawValue, threads, batch, timing.median * 1e3, timing.min * 1e3, timing.max * 1e3, timing.runs,
               membersPerSecond, kind == .inference ? "member-steps" : "samples",
               callFLOPs.computed / timing.median / 1e9, otherCPU.map { String(format: "%.0f %%", $0) } ?? "?")
    }
}

/// Turns hens' measurements (and the anchor's, when it ran) into JSON rows, ratios, the
/// issue's targets and a plain-text table.
struct SFNOBenchReport {
    let measurements: [SFNOMeasurement]
    /// SGEMM GFLOP/s (median) by thread count.
    let peaks: [Int: Double]
    let torch: SFNOAnchorRun?

    /// The issue's targets (1 thread is the headline; every measured thread count is reported).
    static let inferenceRatioTarget = 2.0, trainingTimeTarget = 0.67

    /// torch's number for the same (config, threads, batch) and kind.
    func torchEntry(_ m: SFNOMeasurement) -> SFNOAnchorRun.Entry? {
        let key = SFNOAnchorRun.Key(config: m.config, threads: m.threads, batch: m.batch)
        return m.kind == .inference ? torch?.inference[key] : torch?.training[key]
    }

    private func find(_ kind: SFNOMeasurement.Kind, _ config: String, _ threads: Int, _ batch: Int) -> SFNOMeasurement? {
        measurements.first { $0.kind == kind && $0.config == config && $0.threads == threads && $0.batch == batch }
    }

    /// (config, threads) pairs that have both B = 8 and B = 32 inference.
    private var scalingPairs: [(SFNOMeasurement, SFNOMeasurement)] {
        measurements.compactMap { m in
            guard m.kind == .inference, m.batch == 8, let m32 = find(.inference, m.config, m.threads, 32) else { return nil }
            return (m, m32)
        }
    }

    /// Measurement rows, then B = 8 → 32 scaling rows, then target rows.
    func rows() -> [[String: Any]] {
        measurements.map(row) + scalingPairs.map(scalingRow) + targets().map(\.row)
    }

    private func row(_ m: SFNOMeasurement) -> [String: Any] {
        let t = m.timing, call = m.callFLOPs
        let computed = call.computed / t.median / 1e9, dense = call.dense / t.median / 1e9
        var r: [String: Any] = [
            "kind": m.kind.rawValue, "config": m.config, "variant": m.variant.rawValue, "threads": m.threads, "batch": m.batch,
            "median_s": t.median, "min_s": t.min, "max_s": t.max, "runs": t.runs, "other_cpu_pct": m.otherCPU ?? NSNull(),
            "gflop_per_member_step_dense": m.flops.dense / 1e9, "gflop_per_member_step_computed": m.flops.computed / 1e9,
            "gflops_dense_equiv": dense, "gflops_computed": computed,
        ]
        if let anchorDense = torch?.denseFLOPs[m.config] { r["anchor_gflop_per_member_step_dense"] = anchorDense / 1e9 }
        if let peak = peaks[m.threads] {
            r["pct_sgemm_peak_computed"] = 100 * computed / peak
            r["pct_sgemm_peak_dense_equiv"] = 100 * dense / peak
        }
        switch m.kind {
        case .inference:
            r["member_steps_per_s"] = m.membersPerSecond
            r["member_steps_per_s_best"] = Double(m.batch) / t.min
        case .training:
            r["samples_per_s"] = m.membersPerSecond
            r["flop_convention"] = "3x forward"
        }
        if let e = torchEntry(m) {
            r["torch_median_s"] = e.medianSeconds
            r["torch_min_s"] = e.minSeconds
            r["torch_runs"] = e.runs
            r["torch_other_cpu_pct"] = e.otherCPU ?? NSNull()
            if m.kind == .inference {
                r["torch_member_steps_per_s"] = Double(m.batch) / e.medianSeconds
                r["hens_over_torch"] = e.medianSeconds / t.median
            } else {
                r["hens_time_over_torch"] = t.median / e.medianSeconds
                r["torch_time_over_hens"] = e.medianSeconds / t.median
            }
        }
        return r
    }

    private func scalingRow(_ pair: (SFNOMeasurement, SFNOMeasurement)) -> [String: Any] {
        let (m8, m32) = pair
        var r: [String: Any] = ["kind": "batch_scaling", "config": m8.config, "threads": m8.threads, "from_batch": 8, "to_batch": 32,
                                "hens_change_pct": 100 * (m32.membersPerSecond / m8.membersPerSecond - 1)]
        if let t8 = torchEntry(m8), let t32 = torchEntry(m32) {
            r["torch_change_pct"] = 100 * ((32 / t32.medianSeconds) / (8 / t8.medianSeconds) - 1)
        }
        return r
    }

    /// One target check.
    struct Target {
        let name: String, config: String, threads: Int, batch: Int
        let value: Double, bound: Double, atLeast: Bool

        var met: Bool { atLeast ? value >= bound : value <= bound }
        var row: [String: Any] {
            ["kind": "target", "target": name, "config": config, "threads": threads, "batch": batch, "value": value,
             "bound": bound, "comparison": atLeast ? ">=" : "<=", "met": met]
        }
    }

    /// Inference ≥ 2× torch at B = 8; no slowdown B = 8 → 32; training step ≤ 0.67× torch's time.
    func targets() -> [Target] {
        var out: [Target] = []
        for m in measurements where m.variant == .thExample {
            guard let e = torchEntry(m) else { continue }
            if m.kind == .inference && m.batch == 8 {
                out.append(Target(name: "inference_vs_torch", config: m.config, threads: m.threads, batch: 8,
                                  value: e.medianSeconds / m.timing.median, bound: Self.inferenceRatioTarget, atLeast: true))
            } else if m.kind == .training {
                out.append(Target(name: "training_time_vs_torch", config: m.config, threads: m.threads, batch: m.batch,
                                  value: m.timing.median / e.medianSeconds, bound: Self.trainingTimeTarget, atLeast: false))
            }
        }
        for (m8, m32) in scalingPairs where m8.variant == .thExample {
            out.append(Target(name: "b8_to_b32_no_slowdown", config: m8.config, threads: m8.threads, batch: 32,
                              value: m32.membersPerSecond / m8.membersPerSecond, bound: 1, atLeast: true))
        }
        return out
    }

    /// The summary printed on stderr.
    func table() -> String {
        func cell(_ v: Double?, _ format: String = "%.2f") -> String { v.map { String(format: format, $0) } ?? "-" }
        var s = "\nSGEMM peak (median GFLOP/s): " + peaks.keys.sorted().map { "t\($0) \(cell(peaks[$0], "%.1f"))" }.joined(separator: ", ") + "\n"
        let header = ["kind", "config", "t", "B", "hens ms", "hens /s", "torch ms", "torch /s", "hens/torch", "GF/s dense",
                      "GF/s comp", "%peak", "other%", "torch other%"]
        let widths = [9, 16, 2, 3, 9, 8, 9, 8, 10, 10, 9, 5, 6, 12]
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { i, p in
                let padding = String(repeating: " ", count: max(0, p.1 - p.0.count))
                return i < 2 ? p.0 + padding : padding + p.0
            }.joined(separator: " ") + "\n"
        }
        s += "\n" + line(header)
        for m in measurements {
            let e = torchEntry(m), call = m.callFLOPs, gf = call.computed / m.timing.median / 1e9
            let ratio = e.map { m.kind == .inference ? $0.medianSeconds / m.timing.median : m.timing.median / $0.medianSeconds }
            s += line([m.kind.rawValue, m.config, "\(m.threads)", "\(m.batch)", cell(m.timing.median * 1e3, "%.1f"),
                       cell(m.membersPerSecond), cell(e.map { $0.medianSeconds * 1e3 }, "%.1f"),
                       cell(e.map { Double(m.batch) / $0.medianSeconds }), cell(ratio),
                       cell(call.dense / m.timing.median / 1e9, "%.1f"), cell(gf, "%.1f"),
                       cell(peaks[m.threads].map { 100 * gf / $0 }, "%.0f"), cell(m.otherCPU, "%.0f"), cell(e?.otherCPU, "%.0f")])
        }
        s += "(hens/torch: member-steps/s ratio for inference, step-time ratio for training; training GF/s count 3× forward)\n"
        for row in scalingPairs.map(scalingRow) {
            s += String(format: "B=8→32 %@ t%d: hens %+.0f %%, torch %@\n", row["config"] as! String, row["threads"] as! Int,
                        row["hens_change_pct"] as! Double, cell(row["torch_change_pct"] as? Double, "%+.0f %%"))
        }
        for t in targets() {
            s += String(format: "target %@ %@ t%d B=%d: %.2f (%@ %.2f) %@\n", t.name, t.config, t.threads, t.batch, t.value,
                        t.atLeast ? "≥" : "≤", t.bound, t.met ? "met" : "MISSED")
        }
        return s
    }
}
