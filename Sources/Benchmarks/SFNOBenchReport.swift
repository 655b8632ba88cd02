import Foundation
import HensCore
import SFNO

/// One hens measurement of `hens bench sfno`: a forward call or a training step of `batch` members.
public struct SFNOMeasurement {
    /// Forward call or training step.
    public enum Kind: String { case inference, training }

    /// Forward call or training step.
    public let kind: Kind
    /// Configuration name.
    public let config: String
    /// Architecture variant (only torch-harmonics' example block is compared with torch).
    public let variant: SFNOVariant
    /// hens' worker threads.
    public let threads: Int
    /// Members (inference) or samples (training) per call.
    public let batch: Int
    /// Seconds per call.
    public let timing: Timing
    /// Other processes' CPU share during the measurement, percent.
    public let otherCPU: Double?
    /// Forward FLOPs per member-step: dense-equivalent (torch-harmonics' layout) and as hens computes them.
    public let flops: (dense: Double, computed: Double)

    /// A measurement of these values.
    public init(kind: Kind, config: String, variant: SFNOVariant, threads: Int, batch: Int, timing: Timing, otherCPU: Double?,
                flops: (dense: Double, computed: Double)) {
        (self.kind, self.config, self.variant, self.threads, self.batch) = (kind, config, variant, threads, batch)
        (self.timing, self.otherCPU, self.flops) = (timing, otherCPU, flops)
    }

    /// FLOPs of one timed call: `batch` forward passes, 3× that for a training step (forward + backward).
    public var callFLOPs: (dense: Double, computed: Double) {
        let f = Double(batch) * (kind == .training ? 3 : 1)
        return (flops.dense * f, flops.computed * f)
    }

    /// Members (samples) per second at the median time.
    public var membersPerSecond: Double { Double(batch) / timing.median }

    /// A one-line summary for stderr.
    public var line: String {
        String(format: "%@ %@ t%d B=%d: %.1f ms/call (min %.1f, max %.1f, %d runs) → %.2f %@/s, %.1f GFLOP/s as computed, other load %@",
               config, kind.rawValue, threads, batch, timing.median * 1e3, timing.min * 1e3, timing.max * 1e3, timing.runs,
               membersPerSecond, kind == .inference ? "member-steps" : "samples",
               callFLOPs.computed / timing.median / 1e9, otherCPU.map { String(format: "%.0f %%", $0) } ?? "?")
    }
}

/// Turns hens' measurements (and the anchor's, when it ran) into JSON rows, ratios, the
/// performance targets and a plain-text table.
public struct SFNOBenchReport {
    /// hens' measurements, in the order they were taken.
    public let measurements: [SFNOMeasurement]
    /// SGEMM GFLOP/s (median) by thread count.
    public let peaks: [Int: Double]
    /// The anchor's run, when it ran.
    public let torch: SFNOAnchorRun?

    /// The targets: inference member-steps/s at least 2× torch's at B = 8; a training step in at
    /// most 0.67× torch's time (1 thread is the headline; every measured thread count is reported).
    public static let inferenceRatioTarget = 2.0, trainingTimeTarget = 0.67

    /// A report of these measurements.
    public init(measurements: [SFNOMeasurement], peaks: [Int: Double], torch: SFNOAnchorRun?) {
        (self.measurements, self.peaks, self.torch) = (measurements, peaks, torch)
    }

    /// torch's number for the same (config, threads, batch) and kind.
    public func torchEntry(_ m: SFNOMeasurement) -> SFNOAnchorRun.Entry? {
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
    public func rows() -> [[String: Any]] {
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
    public struct Target {
        /// `inference_vs_torch`, `training_time_vs_torch` or `b8_to_b32_no_slowdown`.
        public let name: String
        /// Configuration name.
        public let config: String
        /// Thread count.
        public let threads: Int
        /// Batch size the target is judged at.
        public let batch: Int
        /// The measured ratio.
        public let value: Double
        /// The bound it must meet.
        public let bound: Double
        /// Whether the value must be at least (true) or at most (false) the bound.
        public let atLeast: Bool

        /// Whether the target is met.
        public var met: Bool { atLeast ? value >= bound : value <= bound }
        /// The JSON row.
        public var row: [String: Any] {
            ["kind": "target", "target": name, "config": config, "threads": threads, "batch": batch, "value": value,
             "bound": bound, "comparison": atLeast ? ">=" : "<=", "met": met]
        }
    }

    /// Inference ≥ 2× torch at B = 8; no slowdown B = 8 → 32; training step ≤ 0.67× torch's time.
    public func targets() -> [Target] {
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
    public func table() -> String {
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
