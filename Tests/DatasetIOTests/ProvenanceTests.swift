import CNetCDF
import Foundation
import HensCore
import NumericsBackend
import XCTest
@testable import DatasetIO

/// Every file hens writes names its writer (version, BLAS kernel, CPU, commit), and readers refuse
/// files of a format they do not know.
final class ProvenanceTests: TemporaryDirectoryTestCase {
    private func writeStatistics() throws -> String {
        let path = DatasetLayout.statsPath(dir)
        try DatasetStatistics(channels: ["h"], mean: [1], std: [2], tendencyStd: [3]).write(to: path, attributes: ["source": "test"])
        return path
    }

    /// Replaces a text global attribute in place, as another hens version would have written it.
    private func setGlobal(_ name: String, _ value: String, in path: String) {
        var ncid: Int32 = -1
        XCTAssertEqual(nc_open(path, NC_WRITE, &ncid), NC_NOERR)
        XCTAssertEqual(nc_redef(ncid), NC_NOERR)
        XCTAssertEqual(nc_put_att_text(ncid, NC_GLOBAL, name, value.utf8.count, value), NC_NOERR)
        XCTAssertEqual(nc_close(ncid), NC_NOERR)
    }

    func testFilesRecordTheWriter() throws {
        let path = try writeStatistics()
        let nc = try NetCDFFile.open(path: path)
        defer { nc.closeQuietly() }
        XCTAssertEqual(try nc.textAttribute("hens_version"), HensVersion.string)
        XCTAssertEqual(try nc.textAttribute("hens_blas_kernel"), BLASLibrary.coreName)
        XCTAssertEqual(try nc.textAttribute("hens_cpu"), CPUIdentity.host.summary)
        XCTAssertEqual(try nc.textAttribute("hens_git_commit"), BuildTarget.commit)
        XCTAssertTrue(try nc.textAttribute("hens_blas")?.hasPrefix("OpenBLAS ") ?? false)
        XCTAssertEqual(try nc.textAttribute("source"), "test")
    }

    func testPreviousFormatIsRead() throws {
        let path = try writeStatistics()
        setGlobal("hens_version", "0.1.0", in: path)
        XCTAssertEqual(try DatasetStatistics.read(from: path).channels, ["h"])
    }

    func testUnknownFormatIsRefusedNamingBothVersions() throws {
        let path = try writeStatistics()
        setGlobal("hens_version", "9.0.0", in: path)
        XCTAssertThrowsError(try DatasetStatistics.read(from: path)) { error in
            let hensError = error as? HensError
            XCTAssertEqual(hensError?.kind, .badInput)
            XCTAssertTrue(hensError?.message.hasPrefix("\(path): written by hens 9.0.0, this reader is hens \(HensVersion.string)") ?? false,
                          "\(error)")
        }
    }

    func testMixedKernelNote() {
        let zen = ["hens_blas_kernel": "Zen"], skylake = ["hens_blas_kernel": "SkylakeX"]
        XCTAssertNil(EnsembleRunInfo.mixedKernelNote([("/a/members-shard-1-of-2.nc", zen), ("/a/members-shard-2-of-2.nc", zen)]))
        let note = EnsembleRunInfo.mixedKernelNote([("/a/members-shard-1-of-2.nc", zen), ("/a/members-shard-2-of-2.nc", skylake)])
        XCTAssertEqual(note, "the shards ran on different BLAS kernels (members-shard-1-of-2.nc: Zen, members-shard-2-of-2.nc: "
                       + "SkylakeX); their results agree to the cross-kernel tolerance, not bit for bit")
        XCTAssertEqual(EnsembleRunInfo.blasKernels([("x.nc", [:])]), "x.nc: unknown")
    }
}
