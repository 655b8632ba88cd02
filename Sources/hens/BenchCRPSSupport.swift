import Scores
import Evaluation
import Foundation
import HensCore

/// Which sort the benchmark runs: FloatSort's own choice, or one path forced (`--sort-scan`).
enum BenchSortMethod: String, CaseIterable { case auto, intro, radix, bucket }

/// Float32/Float64 dispatch of `FloatSort` for the CRPS benchmark's generic kernel.
protocol BenchSortable: BinaryFloatingPoint {
    /// Sorts `count` values at `values` with `method`.
    static func sortSlice(_ values: UnsafeMutablePointer<Self>, count: Int, scratch: UnsafeMutablePointer<Self>, method: BenchSortMethod)
}

extension Float: BenchSortable {
    static func sortSlice(_ values: UnsafeMutablePointer<Float>, count: Int, scratch: UnsafeMutablePointer<Float>, method: BenchSortMethod) {
        switch method {
        case .auto: FloatSort.sort(UnsafeMutableBufferPointer(start: values, count: count),
                                   scratch: UnsafeMutableBufferPointer(start: scratch, count: count))
        case .radix: values.withMemoryRebound(to: UInt32.self, capacity: count) { v in
            scratch.withMemoryRebound(to: UInt32.self, capacity: count) { FloatSort.radixSortKeys(v, scratch: $0, count: count) }
        }
        case .intro: FloatSort.introsort(values, count: count)
        case .bucket: FloatSort.bucketSort(values, scratch: scratch, count: count)
        }
    }
}

extension Double: BenchSortable {
    static func sortSlice(_ values: UnsafeMutablePointer<Double>, count: Int, scratch: UnsafeMutablePointer<Double>, method: BenchSortMethod) {
        switch method {
        case .auto: FloatSort.sort(UnsafeMutableBufferPointer(start: values, count: count),
                                   scratch: UnsafeMutableBufferPointer(start: scratch, count: count))
        case .radix: values.withMemoryRebound(to: UInt64.self, capacity: count) { v in
            scratch.withMemoryRebound(to: UInt64.self, capacity: count) { FloatSort.radixSortKeys(v, scratch: $0, count: count) }
        }
        case .intro: FloatSort.introsort(values, count: count)
        case .bucket: FloatSort.bucketSort(values, scratch: scratch, count: count)
        }
    }
}

/// The timed kernel: per point, copy the (N, m) row into worker scratch, sort, and (when
/// `scoring`) one O(m) pass for the standard and fair CRPS.
enum CRPSBenchKernel {
    static func run<T: BenchSortable>(_ forecast: UnsafeBufferPointer<T>, observation: UnsafeBufferPointer<Double>,
                                      members m: Int, standard: UnsafeMutableBufferPointer<Double>,
                                      fair: UnsafeMutableBufferPointer<Double>, scoring: Bool) {
        let n = observation.count
        Parallel.forEachChunk(n, minimumChunk: 64) { range in
            let row = UnsafeMutablePointer<T>.allocate(capacity: m)
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: m)
            defer { row.deallocate(); scratch.deallocate() }
            let source = forecast.baseAddress!
            for p in range {
                row.update(from: source + p * m, count: m)
                T.sortSlice(row, count: m, scratch: scratch, method: .auto)
                if scoring {
                    let s = SortedCRPS.summary(sorted: UnsafeBufferPointer(start: row, count: m), truth: observation[p])
                    standard[p] = s.crps
                    fair[p] = s.crpsFair
                } else {
                    standard[p] = Double(row[0])   // keeps the sort observable
                }
            }
        }
    }
}

/// The benchmark's inputs for one m: observations (N) and point-major forecasts (N, m).
struct CRPSBenchInput {
    let points: Int
    let members: Int
    let observation: [Double]
    let forecast: [Double]
    /// The forecasts rounded to Float32.
    var float32: [Float] { forecast.map { Float($0) } }

    /// Synthetic (as crps_anchor.py's distribution) or read from a `crps_anchor.py --dump` directory.
    init(points: Int, members: Int, directory: String?, seed: UInt64) throws {
        self.points = points
        self.members = members
        if let directory {
            observation = try Self.read("\(directory)/obs_\(points).f64", count: points)
            forecast = try Self.read("\(directory)/fct_\(points)_\(members).f64", count: points * members)
        } else {
            var g = SeededGenerator(seed: seed &+ UInt64(members))
            observation = (0..<points).map { _ in g.nextNormal() }
            forecast = (0..<(points * members)).map { _ in 0.1 + 1.2 * g.nextNormal() }
        }
    }

    /// Raw little-endian float64 values.
    static func read(_ path: String, count: Int) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HensError(.io, "\(path): cannot read (write it with crps_anchor.py --dump)")
        }
        guard data.count == count * 8 else {
            throw HensError(.badInput, "\(path): \(data.count) bytes, expected \(count) float64 values")
        }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }
}

/// One timed configuration and its checksums.
struct CRPSMeasurement {
    enum Variant: String { case sortAndCRPS = "sort+crps", sortOnly = "sort" }
    let dtype: String
    let members: Int
    let points: Int
    let threads: Int
    let variant: Variant
    let timing: Timing
    let otherCPU: Double?
    let meanStandard: Double?
    let meanFair: Double?

    var nsPerElement: Double { 1e9 * timing.median / Double(points * members) }

    var line: String {
        var s = String(format: "%@ m=%d t%d %@: %.4f s median (best %.4f, worst %.4f), %.2f ns/(pt·mem), other load %@",
                       dtype, members, threads, variant.rawValue, timing.median, timing.min, timing.max, nsPerElement,
                       otherCPU.map { String(format: "%.0f %%", $0) } ?? "?")
        if let meanStandard, let meanFair { s += String(format: "; mean standard %.6f fair %.6f", meanStandard, meanFair) }
        return s
    }

    /// The JSON row, with the anchor's times and the ratios when it ran.
    func row(anchor: CRPSAnchorRun.Entry?, fromDump: Bool) -> [String: Any] {
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

/// One run of `crps_anchor.py` (single-threaded NumPy / numba) and its best-of-repeats seconds.
struct CRPSAnchorRun {
    struct Entry {
        /// Seconds by implementation name, as the script names them.
        let seconds: [String: Double]
        let meanStandard: Double
        let meanFair: Double
    }

    /// Versions and environment, as the script reports them.
    let info: [String: Any]
    let byMembers: [Int: Entry]

    /// Runs `python script … --json TMP` (its progress goes to stderr) and reads its JSON.
    static func run(python: String, script: String, arguments: [String]) throws -> CRPSAnchorRun {
        let doc = try runAnchorScript(python: python, script: script, arguments: arguments, tag: "crps")
        guard let runs = doc["runs"] as? [[String: Any]] else {
            throw HensError(.badInput, "\(script): the anchor's JSON has no 'runs' list")
        }
        var byMembers: [Int: Entry] = [:]
        for run in runs {
            guard let m = run["m"] as? Int, let results = run["results"] as? [[String: Any]] else { continue }
            var seconds: [String: Double] = [:]
            for r in results { if let name = r["impl"] as? String, let s = r["seconds"] as? Double { seconds[name] = s } }
            byMembers[m] = Entry(seconds: seconds, meanStandard: run["ref_mean_standard"] as? Double ?? .nan,
                                 meanFair: run["ref_mean_fair"] as? Double ?? .nan)
        }
        return CRPSAnchorRun(info: doc["env"] as? [String: Any] ?? [:], byMembers: byMembers)
    }
}
