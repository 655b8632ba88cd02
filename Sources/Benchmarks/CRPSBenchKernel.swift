import Scores
import Foundation
import HensCore

/// Which sort the CRPS benchmark runs: FloatSort's own choice, or one method forced (`--sort-scan`).
public enum BenchSortMethod: String, CaseIterable { case auto, intro, radix, bucket }

/// Float32/Float64 dispatch of `FloatSort` for the CRPS benchmark's generic kernel.
public protocol BenchSortable: BinaryFloatingPoint {
    /// Sorts `count` values at `values` with `method`, using `scratch` (room for `count` values).
    static func sortSlice(_ values: UnsafeMutablePointer<Self>, count: Int, scratch: UnsafeMutablePointer<Self>, method: BenchSortMethod)
}

extension Float: BenchSortable {
    /// Sorts with `FloatSort`, radix sorting the order-preserving UInt32 keys.
    public static func sortSlice(_ values: UnsafeMutablePointer<Float>, count: Int, scratch: UnsafeMutablePointer<Float>, method: BenchSortMethod) {
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
    /// Sorts with `FloatSort`, radix sorting the order-preserving UInt64 keys.
    public static func sortSlice(_ values: UnsafeMutablePointer<Double>, count: Int, scratch: UnsafeMutablePointer<Double>, method: BenchSortMethod) {
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

/// The timed kernel: per point, copy the (N, m) row into worker scratch (as `np.sort` copies),
/// sort it, and (when `scoring`) one O(m) pass for the standard and fair CRPS.
public enum CRPSBenchKernel {
    /// Scores every point of point-major `forecast` (N × `members`) against `observation` (N)
    /// into `standard` and `fair`; without `scoring` only sorts (and stores each row's minimum,
    /// so the sort cannot be optimised away).
    public static func run<T: BenchSortable>(_ forecast: UnsafeBufferPointer<T>, observation: UnsafeBufferPointer<Double>,
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
                    standard[p] = Double(row[0])
                }
            }
        }
    }
}

/// The CRPS benchmark's inputs for one ensemble size: observations (N) and point-major forecasts (N, m).
public struct CRPSBenchInput {
    /// N.
    public let points: Int
    /// m.
    public let members: Int
    /// Observations, N values.
    public let observation: [Double]
    /// Forecasts, point-major N × m.
    public let forecast: [Double]
    /// The forecasts rounded to Float32.
    public var float32: [Float] { forecast.map { Float($0) } }

    /// Synthetic inputs (obs ~ N(0, 1), forecasts ~ N(0.1, 1.2²), from hens' generator), or the
    /// raw files `obs_N.f64` / `fct_N_m.f64` in `directory` that the anchor runner's `--dump` writes.
    public init(points: Int, members: Int, directory: String?, seed: UInt64) throws {
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

    /// `count` raw little-endian float64 values from `path`; a missing or short file is an error naming it.
    public static func read(_ path: String, count: Int) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HensError(.io, "\(path): cannot read (write it with bench/anchors/crps_anchor.py --dump)")
        }
        guard data.count == count * 8 else {
            throw HensError(.badInput, "\(path): \(data.count) bytes, expected \(count) float64 values")
        }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }
}
