import CNetCDF
import Foundation
import HensCore
import XCTest
@testable import DatasetIO
import HensTestSupport

final class CheckpointFileTests: TemporaryDirectoryTestCase {
    /// A small checkpoint whose weights are a recognisable byte pattern.
    func sample(optimizer: Bool = true) -> Checkpoint {
        let parameters = (0..<300).map { Float(1000 + $0) * 0.5 }
        return Checkpoint(
            modelConfig: "block: makani\nembed_dim: 8\n", trainingConfig: "{\"epochs\":2}", trainingState: "{\"schedule\":{}}",
            statistics: DatasetStatistics(channels: ["geopotential", "vorticity"], mean: [1, 2], std: [3, 4], tendencyStd: [0.5, 0.25]),
            grid: CheckpointGrid(label: "legendre-gauss 4×8", latitudes: [60, 20, -20, -60], longitudes: (0..<8).map { Double($0) * 45 }),
            epoch: 3, step: 120, seed: UInt64.max - 5,
            tensors: [CheckpointTensor(name: "encoder.weight", shape: [10, 20], offset: 0, decays: true),
                      CheckpointTensor(name: "encoder.bias", shape: [100], offset: 200, decays: false)],
            parameters: parameters,
            optimizer: optimizer ? CheckpointOptimizerState(step: 120, firstMoment: parameters.map { $0 * 1e-3 },
                                                            secondMoment: parameters.map { $0 * 1e-6 }) : nil,
            created: "2025-01-01T00:00:00Z")
    }

    var path: String { dir + "/checkpoint.nc" }

    func readError(_ path: String) -> String {
        do { _ = try Checkpoint.read(from: path); return "loaded" } catch { return "\(error)" }
    }

    func testRoundTrip() throws {
        for optimizer in [true, false] {
            let original = sample(optimizer: optimizer)
            try original.write(to: path)
            XCTAssertEqual(try Checkpoint.read(from: path), original)
        }
        XCTAssertEqual(try entries(), ["checkpoint.nc"])  // no temporary file left
        if let header = try ncdump(["-h", path]) {
            XCTAssertTrue(header.contains("hens_checkpoint_format = 1"), header)
            XCTAssertTrue(header.contains("float parameters(parameter)"), header)
            XCTAssertTrue(header.contains(":sha256 = "), header)
        }
    }

    /// A checkpoint written piece by piece (as `hens import` does) is the same file content as
    /// one written from memory, and a streaming reader that skips the optimiser moments still
    /// verifies them: the digest is one stream over the whole payload.
    func testStreamingWriteAndReadMatchTheInMemoryFile() throws {
        let original = sample(optimizer: true)
        var header = original
        header.parameters = []
        header.optimizer = nil
        var withoutOptimizer = original
        withoutOptimizer.optimizer = nil
        try Checkpoint.write(header: header, parameterCount: original.parameters.count, to: path) { sink in
            try original.parameters.withUnsafeBufferPointer { all in
                for range in [0..<7, 7..<200, 200..<300] { try sink.append(UnsafeBufferPointer(rebasing: all[range])) }
            }
        }
        XCTAssertEqual(try Checkpoint.read(from: path), withoutOptimizer)

        try original.write(to: path)
        let reader = try CheckpointReader(path: path)
        XCTAssertNil(reader.header.optimizer)
        XCTAssertEqual(reader.digest, original.payloadDigest())
        var values = [Float](repeating: 0, count: reader.parameterCount)
        try values.withUnsafeMutableBufferPointer { try reader.readParameters(into: $0) }
        XCTAssertEqual(values, original.parameters)
        reader.close()

        // A changed optimiser moment fails the checksum even when the moments are not loaded.
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let pattern = original.optimizer!.secondMoment[150..<154].withUnsafeBytes { Data($0) }
        let found = try XCTUnwrap(data.range(of: pattern), "moments not found in the file")
        data[found.lowerBound + 2] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        let damaged = try CheckpointReader(path: path)
        XCTAssertThrowsError(try values.withUnsafeMutableBufferPointer { try damaged.readParameters(into: $0) }) {
            XCTAssertTrue("\($0)".hasPrefix(path + ": checksum mismatch"), "\($0)")
        }
        // Producing fewer values than declared is a caller bug, and nothing is written.
        try? FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try Checkpoint.write(header: header, parameterCount: 300, to: path) { sink in
            try original.parameters.withUnsafeBufferPointer { try sink.append(UnsafeBufferPointer(rebasing: $0[0..<10])) }
        })
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    /// An imported model's step inputs make a format-2 file that reads back exactly; a file
    /// without them stays format 1, and the inputs are covered by the checksum.
    func testStepInputsRoundTripAsFormatTwo() throws {
        var checkpoint = sample(optimizer: false)
        let points = 4 * 8
        checkpoint.stepInputs = CheckpointStepInputs(cosZenith: true, staticNames: ["xsgrlat1", "xoro"],
                                                     staticValues: (0..<(2 * points)).map { Float($0) * 0.25 - 3 })
        try checkpoint.write(to: path)
        XCTAssertEqual(try Checkpoint.read(from: path), checkpoint)
        if let header = try ncdump(["-h", path]) {
            XCTAssertTrue(header.contains("hens_checkpoint_format = 2"), header)
            XCTAssertTrue(header.contains("float static_inputs(static_channel, lat, lon)"), header)
        }
        var zenithOnly = checkpoint
        zenithOnly.stepInputs = CheckpointStepInputs(cosZenith: true, staticNames: [], staticValues: [])
        try zenithOnly.write(to: path)
        XCTAssertEqual(try Checkpoint.read(from: path), zenithOnly)
        XCTAssertEqual(zenithOnly.stepInputs?.channelNames, ["xzen"])

        var plain = checkpoint
        plain.stepInputs = nil
        XCTAssertEqual(plain.writtenFormatVersion, 1)
        XCTAssertNotEqual(plain.payloadDigest(), checkpoint.payloadDigest())

        var wrongSize = checkpoint
        wrongSize.stepInputs?.staticValues.removeLast()
        XCTAssertThrowsError(try wrongSize.write(to: dir + "/bad.nc")) {
            XCTAssertTrue("\($0)".contains("step inputs: 2 fixed channel(s) need 64 values, got 63"), "\($0)")
        }
    }

    func testTruncatedAndEmptiedFilesFailLoudly() throws {
        try sample().write(to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for length in [data.count / 2, data.count - 100, 0] {
            try data.prefix(length).write(to: URL(fileURLWithPath: path))
            let message = readError(path)
            XCTAssertTrue(message.hasPrefix(path + ": "), "length \(length): \(message)")
            XCTAssertFalse(message.contains("\n"))
        }
        XCTAssertEqual(readError(dir + "/absent.nc"), dir + "/absent.nc: no such checkpoint file")
    }

    func testFlippedByteInTheWeightsFailsTheChecksum() throws {
        let checkpoint = sample(optimizer: false)
        try checkpoint.write(to: path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let pattern = checkpoint.parameters[100..<104].withUnsafeBytes { Data($0) }
        let found = try XCTUnwrap(data.range(of: pattern), "weights not found in the file")
        data[found.lowerBound + 5] ^= 0x10
        try data.write(to: URL(fileURLWithPath: path))
        let message = readError(path)
        XCTAssertTrue(message.hasPrefix(path + ": checksum mismatch"), message)
    }

    func testWrongVersionIsRefused() throws {
        try sample().write(to: path)
        var ncid: Int32 = 0
        XCTAssertEqual(nc_open(path, NC_WRITE, &ncid), NC_NOERR)
        XCTAssertEqual(nc_redef(ncid), NC_NOERR)
        var version: Int32 = 3
        XCTAssertEqual(nc_put_att_int(ncid, NC_GLOBAL, "hens_checkpoint_format", nc_type(NC_INT), 1, &version), NC_NOERR)
        XCTAssertEqual(nc_close(ncid), NC_NOERR)
        XCTAssertEqual(readError(path), "\(path): checkpoint format version 3, but this hens (\(HensVersion.string)) reads versions 1 to 2")

        // A NetCDF file that is not a checkpoint at all.
        try DatasetStatistics(channels: ["a"], mean: [0], std: [1], tendencyStd: [1]).write(to: dir + "/stats.nc")
        XCTAssertTrue(readError(dir + "/stats.nc").contains("not a hens checkpoint"))
    }

    func testEditedAttributeFailsTheChecksum() throws {
        try sample().write(to: path)
        var ncid: Int32 = 0
        XCTAssertEqual(nc_open(path, NC_WRITE, &ncid), NC_NOERR)
        var epoch: Int64 = 4
        XCTAssertEqual(nc_put_att_longlong(ncid, NC_GLOBAL, "epoch", nc_type(NC_INT64), 1, &epoch), NC_NOERR)
        XCTAssertEqual(nc_close(ncid), NC_NOERR)
        XCTAssertTrue(readError(path).contains("checksum mismatch"))
    }

    func testCompatibilityWithADataset() throws {
        let c = sample()
        let lats = c.grid.latitudes, lons = c.grid.longitudes
        XCTAssertNoThrow(try c.checkCompatible(channels: c.channels, latitudes: lats, longitudes: lons, dataset: "d", checkpoint: "c"))
        XCTAssertEqual(errorMessage { try c.checkCompatible(channels: ["geopotential", "divergence"], latitudes: lats, longitudes: lons,
                                                       dataset: "data/test.nc", checkpoint: "ck.nc") },
                       "data/test.nc: channels (geopotential, divergence) do not match checkpoint ck.nc's (geopotential, vorticity): lacking vorticity")
        XCTAssertTrue(errorMessage { try c.checkCompatible(channels: c.channels, latitudes: Array(lats.prefix(2)), longitudes: lons,
                                                      dataset: "d", checkpoint: "ck.nc") }.contains("grid 2×8 does not match"))
        var shifted = lons
        shifted[1] += 0.5
        XCTAssertTrue(errorMessage { try c.checkCompatible(channels: c.channels, latitudes: lats, longitudes: shifted,
                                                      dataset: "d", checkpoint: "ck.nc") }.contains("longitudes differ"))
    }

    func testInconsistentCheckpointIsNotWritten() {
        var c = sample()
        c.tensors.append(CheckpointTensor(name: "extra", shape: [10], offset: 295, decays: true))
        XCTAssertThrowsError(try c.write(to: path))
        XCTAssertFalse(exists(path))
    }
}
