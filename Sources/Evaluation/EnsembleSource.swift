import DatasetIO
import Foundation
import HensCore

/// One initial time of an ensemble to score: where its members come from (hens member shards
/// or an external NetCDF ensemble), on which grid, at which leads, and where its truth lives.
public protocol EnsembleSource: AnyObject {
    /// Label of the initial time (a folder name of the forecast, or the external file's).
    var label: String { get }
    /// Channel names available.
    var channels: [String] { get }
    /// Latitudes (north first) and longitudes of the stored fields.
    var latitudes: [Double] { get }
    /// Longitudes, increasing.
    var longitudes: [Double] { get }
    /// Leads in hours.
    var leadHours: [Double] { get }
    /// Members available (global indices, sorted).
    var memberIndices: [Int] { get }
    /// Members the ensemble should have (for the partial-run check).
    var expectedMemberCount: Int { get }
    /// The initial time, seconds since 1970 (absolute-time datasets), or nil.
    var initialSeconds: Double? { get }
    /// The analysis at the initial time in the dataset (hens forecasts), or nil.
    var initialLocation: (split: String, trajectory: Int, timeIndex: Int)? { get }
    /// Every member's rows `rows` of `channel` at lead index `lead`, member-major into `into`
    /// (`memberIndices.count × rows.count × longitudes.count`).
    func read(channel: String, lead: Int, rows: Range<Int>, into: UnsafeMutableBufferPointer<Float>) throws
    /// The ensemble's streaming summary (min, max, moments, exceedances), if it has one.
    func summary() throws -> EnsembleSummaryFile.Contents?
}

extension EnsembleSource {
    /// No streaming summary.
    public func summary() throws -> EnsembleSummaryFile.Contents? { nil }
}

/// What a hens forecast's files say about their initial time: leads in hours and the
/// analysis the run started from (its `split`, `trajectory` and `time_index` attributes).
enum ForecastRunFacts {
    /// Leads converted to hours from the file's lead units (hours, days or minutes).
    static func leadHours(_ layout: EnsembleOutputLayout) -> [Double] {
        let hours = layout.leadUnits.hasPrefix("hour") ? 1.0 : layout.leadUnits.hasPrefix("day") ? 24 : 1.0 / 60
        return layout.leads.map { $0 * hours }
    }

    /// The initial analysis named by the run attributes, if they name one.
    static func initialLocation(_ attributes: [String: String]) -> (split: String, trajectory: Int, timeIndex: Int)? {
        guard let split = attributes["split"], let t = Int(attributes["trajectory"] ?? ""), let i = Int(attributes["time_index"] ?? "") else {
            return nil
        }
        return (split, t, i)
    }
}

/// The member shards (`members-shard-K-of-N.nc`) of one initial time of `hens forecast`.
public final class ForecastShardSource: EnsembleSource {
    public let label: String
    public let channels: [String]
    public let latitudes: [Double]
    public let longitudes: [Double]
    public let leadHours: [Double]
    public let memberIndices: [Int]
    public let expectedMemberCount: Int
    public let initialSeconds: Double?
    public let initialLocation: (split: String, trajectory: Int, timeIndex: Int)?
    /// The run attributes of the first shard (dataset, split, step_hours, …).
    public let attributes: [String: String]
    /// The shard files read.
    public let paths: [String]
    /// A note when the shards were written with different BLAS kernels (nil when they agree).
    public var mixedKernelNote: String? { EnsembleRunInfo.mixedKernelNote(readers.map { ($0.path, $0.run.attributes) }) }
    private let readers: [EnsembleShardReader]
    /// (reader, slot) of each member, in `memberIndices` order.
    private let slots: [(reader: Int, slot: Int)]

    /// Opens every member shard in `folder`.
    /// - Throws: when there are none, when shards disagree, or when members repeat.
    public init(folder: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // Batch part files (`….part-B.nc`) of an unfinished run are not shards.
        let shardNames = names.filter { $0.hasPrefix("members-shard-") && $0.hasSuffix(".nc") && !$0.contains(".part-") }.sorted()
        guard !shardNames.isEmpty else {
            throw HensError(.badInput, "\(folder): no member files (members-shard-K-of-N.nc); was the forecast run with write_members: false?")
        }
        paths = shardNames.map { folder + "/" + $0 }
        readers = try paths.map { try EnsembleShardReader(path: $0) }
        let first = readers[0]
        label = URL(fileURLWithPath: folder).lastPathComponent
        channels = first.layout.channels.map(\.name)
        latitudes = first.layout.latitudes
        longitudes = first.layout.longitudes
        leadHours = ForecastRunFacts.leadHours(first.layout)
        attributes = first.run.attributes
        var seen: [Int: (Int, Int)] = [:]
        for (r, reader) in readers.enumerated() {
            guard reader.layout.channels.map(\.name) == channels, reader.layout.leads == first.layout.leads,
                  reader.layout.latitudes == latitudes, reader.layout.longitudes == longitudes,
                  reader.layout.initialTime == first.layout.initialTime else {
                throw HensError(.badInput, "\(reader.path): channels, leads, grid or initial time differ from \(first.path)")
            }
            for (slot, member) in reader.members.enumerated() {
                if seen[member.index] != nil {
                    throw HensError(.badInput, "\(reader.path): member \(member.index) is also in another shard of \(folder)")
                }
                seen[member.index] = (r, slot)
            }
        }
        memberIndices = seen.keys.sorted()
        slots = memberIndices.map { seen[$0]! }
        expectedMemberCount = Int(attributes["member_count"] ?? "") ?? memberIndices.count
        initialLocation = ForecastRunFacts.initialLocation(attributes)
        initialSeconds = nil
    }

    public func read(channel: String, lead: Int, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let c = channels.firstIndex(of: channel) else {
            throw HensError(.badInput, "\(paths[0]): no channel '\(channel)' (has \(channels.joined(separator: ", ")))")
        }
        let n = rows.count * longitudes.count
        precondition(buffer.count == n * slots.count, "ForecastShardSource.read: buffer size")
        for (k, s) in slots.enumerated() {
            try readers[s.reader].read(channel: c, memberSlot: s.slot, lead: lead, rows: rows,
                                       into: UnsafeMutableBufferPointer(rebasing: buffer[(k * n)..<((k + 1) * n)]))
        }
    }

    /// The merged streaming summary beside the shards, if there is one.
    public func summary() throws -> EnsembleSummaryFile.Contents? {
        let path = URL(fileURLWithPath: paths[0]).deletingLastPathComponent().path + "/summary.nc"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try EnsembleSummaryFile.read(path: path)
    }
}

/// One initial time of a forecast that kept only its streaming summary (`write_members: false`
/// or `--no-members`): scored from the per-point moments, range and exceedance counts.
public final class ForecastSummarySource: EnsembleSource {
    public let label: String
    public let channels: [String]
    public let latitudes: [Double]
    public let longitudes: [Double]
    public let leadHours: [Double]
    public let memberIndices: [Int]
    public let expectedMemberCount: Int
    public let initialSeconds: Double? = nil
    public let initialLocation: (split: String, trajectory: Int, timeIndex: Int)?
    /// The summary file read.
    public let path: String
    private let contents: EnsembleSummaryFile.Contents

    /// Reads `folder/summary.nc`.
    public init(folder: String) throws {
        path = folder + "/summary.nc"
        contents = try EnsembleSummaryFile.read(path: path)
        label = URL(fileURLWithPath: folder).lastPathComponent
        channels = contents.layout.channels.map(\.name)
        latitudes = contents.layout.latitudes
        longitudes = contents.layout.longitudes
        leadHours = ForecastRunFacts.leadHours(contents.layout)
        memberIndices = contents.memberIndices
        let attributes = contents.run.attributes
        expectedMemberCount = Int(attributes["member_count"] ?? "") ?? memberIndices.count
        initialLocation = ForecastRunFacts.initialLocation(attributes)
    }

    public func read(channel: String, lead: Int, rows: Range<Int>, into: UnsafeMutableBufferPointer<Float>) throws {
        throw HensError(.badInput, "\(path): this forecast kept no member fields (write_members: false); only summary scores are possible")
    }

    public func summary() throws -> EnsembleSummaryFile.Contents? { contents }
}
