import Scores
import ChannelDerivation
import DatasetIO
import Foundation
import HensCore
import Spherical

/// Verifying fields from a canonical dataset, in the output channels of a forecast (model
/// channels, or channels derived from them exactly as `hens forecast` derives them, e.g. wind
/// speed from vorticity and divergence) and on the forecast's (possibly cropped) grid.
public final class TruthFields {
    /// The dataset's analyses.
    public let archive: AnalysisArchive
    /// Output channel names, in order.
    public let channels: [String]
    /// Points of the output region.
    public let pointCount: Int
    private let plan: OutputChannelPlan
    private let rows: [Int], columns: [Int]
    private let workspace: OutputChannelWorkspace

    /// Prepares truth fields for `channels` on the region with `latitudes` × `longitudes`,
    /// which must be rows and columns of the dataset's grid.
    public init(archive: AnalysisArchive, channels: [String], latitudes: [Double], longitudes: [Double]) throws {
        self.archive = archive
        self.channels = channels
        func indices(_ wanted: [Double], in all: [Double], _ what: String) throws -> [Int] {
            try wanted.map { w in
                guard let i = all.firstIndex(where: { abs($0 - w) < 1e-6 }) else {
                    throw HensError(.badInput, "\(archive.directory): the forecast's \(what) \(w) is not on the dataset's grid")
                }
                return i
            }
        }
        rows = try indices(latitudes, in: archive.latitudes, "latitude")
        columns = try indices(longitudes, in: archive.longitudes, "longitude")
        pointCount = rows.count * columns.count
        let grid = (try? AngularPowerSpectrum.gridKind(latitudes: archive.latitudes)).flatMap {
            try? SphericalGrid($0, nlat: archive.latitudes.count, nlon: archive.longitudes.count)
        }
        let derived = channels.contains { !archive.channels.contains($0) }
        guard grid != nil || !derived else {
            throw HensError(.badInput, "\(archive.directory): derived channels (\(channels.filter { !archive.channels.contains($0) }.joined(separator: ", "))) "
                + "need a global Gauss or equiangular grid")
        }
        plan = try OutputChannelPlan(requested: channels, modelChannels: archive.channelInfo,
                                     grid: try grid ?? SphericalGrid(.equiangular, nlat: max(2, archive.latitudes.count), nlon: archive.longitudes.count))
        workspace = plan.makeWorkspace()
    }

    /// CF descriptions of the output channels.
    public var channelInfo: [ChannelInfo] { plan.outputs }

    /// The fields at `location`, `[channel][point]` on the output region.
    public func fields(at location: AnalysisLocation) throws -> [Float] {
        let state = try archive.state(at: location, channels: archive.channels)
        let full = archive.fieldCount, nlon = archive.longitudes.count
        var outputs = [Float](repeating: 0, count: channels.count * full)
        state.withUnsafeBufferPointer { s in
            outputs.withUnsafeMutableBufferPointer { o in plan.compute(state: s.baseAddress!, into: o.baseAddress!, workspace: workspace) }
        }
        if rows.count == archive.latitudes.count && columns.count == nlon { return outputs }
        var region = [Float](repeating: 0, count: channels.count * pointCount)
        for c in channels.indices {
            var k = c * pointCount
            for r in rows {
                for col in columns {
                    region[k] = outputs[c * full + r * nlon + col]
                    k += 1
                }
            }
        }
        return region
    }
}
