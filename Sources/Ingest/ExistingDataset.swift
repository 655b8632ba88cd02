import DatasetIO
import Foundation
import HensCore
import Regrid
import Spherical

/// A dataset already in the output folder, as `hens ingest --append` sees it: its channels and
/// grid, each split's times, and the settings recorded when it was made (`IngestRecord`).
struct ExistingDataset {
    /// One split file.
    struct Split {
        let name: String
        let path: String
        /// Times per trajectory.
        let timeCount: Int
        /// Step between a trajectory's times (seconds); nil for one time per trajectory.
        let step: Double?
        /// Every time in the split (seconds since 1970-01-01 in the dataset's calendar).
        let times: [Double]
        /// The `trajectory_starts` attribute as found.
        let startsText: String
        /// The `appended_sources` attribute as found (empty before the first append).
        let appendedSources: String
    }

    let folder: String
    /// Splits present, in the recorded order.
    let splits: [Split]
    /// The recorded date range of each split.
    let ranges: [(name: String, range: DateRange)]
    let channels: [ChannelInfo]
    let latitudes: [Double]
    let longitudes: [Double]
    /// The model grid the dataset was regridded onto, nil when it kept the inputs' grid.
    let modelGrid: SphericalGrid?
    /// The regridding method, nil when not regridded.
    let regridMethod: RegridMethod?
    /// The inputs' grid summary (`GridDescription.summary`).
    let sourceGrid: String
    let calendar: CFCalendar
    let member: Int
    /// Decodes this dataset's times.
    let units: CFTimeUnits

    /// Reads the folder's split files' headers and time axes (no fields).
    /// - Throws: when the folder holds no dataset, or one `hens ingest` did not write (or wrote
    ///   before `--append` existed), or whose files disagree.
    init(folder: String) throws {
        let trainPath = DatasetLayout.splitPath(folder, "train")
        guard FileManager.default.fileExists(atPath: trainPath), FileManager.default.fileExists(atPath: DatasetLayout.statsPath(folder)) else {
            throw HensError(.io, "\(folder): holds no dataset to append to (train.nc and stats.nc); run hens ingest without --append first")
        }
        let train = try DatasetSplitReader(path: trainPath)
        defer { train.close() }
        func attribute(_ key: String) throws -> String {
            guard let value = train.attributes[key] else {
                throw HensError(.badInput, "\(trainPath): no '\(key)' attribute: not written by hens ingest, or before --append existed; rebuild the dataset with --overwrite")
            }
            return value
        }
        ranges = try IngestRecord.decodeSplits(try attribute(IngestRecord.splitRanges), file: trainPath)
        let gridText = try attribute(IngestRecord.modelGrid)
        modelGrid = try ModelGridSpec.parse(gridText, field: "\(trainPath): \(IngestRecord.modelGrid)")
        let methodText = try attribute(IngestRecord.regridMethod)
        regridMethod = RegridMethod(rawValue: methodText)
        guard regridMethod != nil || (methodText == "none" && modelGrid == nil) else {
            throw HensError(.badInput, "\(trainPath): attribute '\(IngestRecord.regridMethod)' is '\(methodText)', expected bilinear, conservative, spectral or none")
        }
        sourceGrid = try attribute(IngestRecord.sourceGrid)
        do { calendar = try CFCalendar(attribute: try attribute(IngestRecord.calendar)) } catch let e as HensError {
            throw HensError(.badInput, "\(trainPath): \(e.message)")
        }
        guard let member = Int(try attribute(IngestRecord.member)) else {
            throw HensError(.badInput, "\(trainPath): attribute '\(IngestRecord.member)' is not an integer")
        }
        self.member = member
        units = try CFTimeUnits("seconds since 1970-01-01", calendar: calendar)
        channels = train.channels
        latitudes = train.latitudes
        longitudes = train.longitudes
        self.folder = folder

        var splits: [Split] = []
        for (name, _) in ranges {
            let path = DatasetLayout.splitPath(folder, name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw HensError(.badInput, "\(path): missing, although \(trainPath) records a \(name) split; rebuild the dataset with --overwrite")
            }
            let reader = try DatasetSplitReader(path: path)
            defer { reader.close() }
            guard reader.channels.map(\.name) == channels.map(\.name), reader.latitudes == latitudes, reader.longitudes == longitudes else {
                throw HensError(.badInput, "\(path): channels or grid differ from \(trainPath)'s")
            }
            splits.append(try Self.split(name, path, reader, calendar: calendar))
        }
        self.splits = splits
    }

    /// A split's times: trajectory starts (attribute) plus the shared offsets (`time` axis).
    private static func split(_ name: String, _ path: String, _ reader: DatasetSplitReader, calendar: CFCalendar) throws -> Split {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        let axis: CFTimeUnits
        do { axis = try CFTimeUnits(reader.timeUnits, calendar: calendar) } catch let e as HensError { throw fail(e.message) }
        let offsets = reader.times.map { axis.seconds($0) - axis.referenceSeconds }
        let startsText = reader.attributes[IngestRecord.trajectoryStarts] ?? ""
        let starts = try startsText.split(separator: " ").map { iso -> Double in
            do { return try CFTimeUnits("seconds since \(iso)", calendar: calendar).referenceSeconds } catch {
                throw fail("attribute '\(IngestRecord.trajectoryStarts)' holds '\(iso)', not a date")
            }
        }
        guard starts.count == reader.trajectoryCount else {
            throw fail("attribute '\(IngestRecord.trajectoryStarts)' lists \(starts.count) start(s) for \(reader.trajectoryCount) trajectories")
        }
        return Split(name: name, path: path, timeCount: reader.timeCount,
                     step: offsets.count > 1 ? offsets[1] - offsets[0] : nil,
                     times: starts.flatMap { s in offsets.map { s + $0 } }, startsText: startsText,
                     appendedSources: reader.attributes[IngestRecord.appendedSources] ?? "")
    }

    /// The split holding each time, keyed by the time rounded to whole seconds (times are
    /// whole seconds in practice; rounding absorbs the Float64 error of hour offsets).
    var splitOfTime: [Int64: String] {
        var out: [Int64: String] = [:]
        for s in splits { for t in s.times { out[Self.key(t)] = s.name } }
        return out
    }

    /// The lookup key of a time in `splitOfTime`.
    static func key(_ time: Double) -> Int64 { Int64(time.rounded()) }

    /// Row weights the statistics use: the model grid's quadrature weights, else cos φ.
    var statisticsWeights: [Double] {
        modelGrid?.weights ?? latitudes.map { max(0, cos($0 * .pi / 180)) }
    }
}
