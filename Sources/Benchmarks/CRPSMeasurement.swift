import Foundation
import HensCore

/// One run of the anchor runner `bench/anchors/crps_anchor.py` (single-threaded NumPy, numba,
/// properscoring, scoringrules) and its best-of-repeats seconds.
///
/// The runner's JSON: `{"env": {…versions…}, "runs": [{"m", "ref_mean_standard",
/// "ref_mean_fair", "results": [{"impl": NAME, "seconds": S}]}]}` with the implementation names
/// `properscoring`, `np.sort-only`, `sr-numba:qd` and `np-sorted-ref(std+fair)`.
public struct CRPSAnchorRun {
    /// The runner's numbers for one ensemble size.
    public struct Entry: Equatable {
        /// Best-of-repeats seconds by implementation name, as the runner names them.
        public let seconds: [String: Double]
        /// Mean standard CRPS of its float64 reference (a checksum of the inputs).
        public let meanStandard: Double
        /// Mean fair CRPS of its float64 reference.
        public let meanFair: Double
    }

    /// Versions and environment, as the runner reports them.
    public let info: [String: Any]
    /// Entries by ensemble size m.
    public let byMembers: [Int: Entry]

    /// Runs `python script … --json TMP` (its progress goes to stderr) and reads its JSON.
    public static func run(python: String, script: String, arguments: [String]) throws -> CRPSAnchorRun {
        try CRPSAnchorRun(document: AnchorScript.run(python: python, script: script, arguments: arguments, tag: "crps"))
    }

    /// Parses the runner's document; a run without `m` or `results` is skipped.
    public init(document doc: [String: Any]) throws {
        guard let runs = doc["runs"] as? [[String: Any]] else {
            throw HensError(.badInput, "crps anchor JSON: no 'runs' list")
        }
        var byMembers: [Int: Entry] = [:]
        for run in runs {
            guard let m = run["m"] as? Int, let results = run["results"] as? [[String: Any]] else { continue }
            var seconds: [String: Double] = [:]
            for r in results { if let name = r["impl"] as? String, let s = r["seconds"] as? Double { seconds[name] = s } }
            byMembers[m] = Entry(seconds: seconds, meanStandard: run["ref_mean_standard"] as? Double ?? .nan,
                                 meanFair: run["ref_mean_fair"] as? Double ?? .nan)
        }
        info = doc["env"] as? [String: Any] ?? [:]
        self.byMembers = byMembers
    }
}

/// One timed configuration of the CRPS benchmark and its checksums.
public struct CRPSMeasurement {
    /// Sort and score, or sort alone.
    public enum Variant: String { case sortAndCRPS = "sort+crps", sortOnly = "sort" }
    /// `float64` or `float32` forecasts.
    public let dtype: String
    /// Ensemble size m.
    public let members: Int
    /// Points N.
    public let points: Int
    /// Worker threads.
    public let threads: Int
    /// What was timed.
    public let variant: Variant
    /// Seconds per call over all N points.
    public let timing: Timing
    /// Other processes' CPU share during the measurement, percent.
    public let otherCPU: Double?
    /// Mean standard CRPS over the points (sort+crps only).
    public let meanStandard: Double?
    /// Mean fair CRPS over the points (sort+crps only).
    public let meanFair: Double?

    /// A measurement of these values.
    public init(dtype: String, members: Int, points: Int, threads: Int, variant: Variant, timing: Timing, otherCPU: Double?,
                meanStandard: Double?, meanFair: Double?) {
        (self.dtype, self.members, self.points, self.threads, self.variant) = (dtype, members, points, threads, variant)
        (self.timing, self.otherCPU, self.meanStandard, self.meanFair) = (timing, otherCPU, meanStandard, meanFair)
    }

    /// Median nanoseconds per (point × member).
    public var nsPerElement: Double { 1e9 * timing.median / Double(points * members) }

    /// A one-line summary for stderr.
    public var line: String {
        var s = String(format: "%@ m=%d t%d %@: %.4f s median (best %.4f, worst %.4f), %.2f ns/(pt·mem), other load %@",
                       dtype, members, threads, variant.rawValue, timing.median, timing.min, timing.max, nsPerElement,
                       otherCPU.map { String(format: "%.0f %%", $0) } ?? "?")
        if let meanStandard, let meanFair { s += String(format: "; mean standard %.6f fair %.6f", meanStandard, meanFair) }
        return s
    }

    /// The JSON row, with the anchor's times and the ratios when it ran. The ratios divide hens'
    /// median (`*_best`: hens' best) by the anchor's best of repeats; with inputs from the
    /// runner's dump, float64 checksums must equal the anchor's reference means to 1e-9.
    public func row(anchor: CRPSAnchorRun.Entry?, fromDump: Bool) -> [String: Any] {
        var r: [String: Any] = ["kind": "crps", "variant": variant.rawValue, "dtype": dtype, "m": members, "n": points,
                                "threads": threads, "median_s": timing.median, "min_s": timing.min, "max_s": timing.max,
                                "runs": timing.runs, "ns_per_point_member": nsPerElement, "other_cpu_pct": otherCPU ?? NSNull()]
        if let meanStandard, let meanFair {
            r["mean_crps"] = meanStandard
            r["mean_crps_fair"] = meanFair
        }
        guard let anchor else { return r }
        r["anchor_properscoring_s"] = anchor.seconds["properscoring"] ?? NSNull()
        r["anchor_np_sort_s"] = anchor.seconds["np.sort-only"] ?? NSNull()
        r["anchor_sr_numba_qd_s"] = anchor.seconds["sr-numba:qd"] ?? NSNull()
        r["anchor_np_sorted_ref_s"] = anchor.seconds["np-sorted-ref(std+fair)"] ?? NSNull()
        r["anchor_threads"] = 1
        if let ps = anchor.seconds["properscoring"] {
            r["ratio_vs_properscoring"] = timing.median / ps
            r["ratio_vs_properscoring_best"] = timing.min / ps
        }
        if let sort = anchor.seconds["np.sort-only"] {
            r["ratio_vs_np_sort"] = timing.median / sort
            r["ratio_vs_np_sort_best"] = timing.min / sort
        }
        if let meanStandard, let meanFair {
            r["anchor_ref_mean_standard"] = anchor.meanStandard
            r["anchor_ref_mean_fair"] = anchor.meanFair
            if fromDump && dtype == "float64" {
                r["checksum_matches_anchor"] = abs(meanStandard - anchor.meanStandard) < 1e-9 && abs(meanFair - anchor.meanFair) < 1e-9
            }
        }
        if variant == .sortAndCRPS {
            r["target"] = dtype == "float32" ? "<= 0.5 x properscoring (float64)" : "<= 0.8 x properscoring and <= 1.5 x np.sort"
        }
        return r
    }
}
