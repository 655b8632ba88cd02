import CNetCDF
import HensCore
import NumericsBackend

extension NetCDFFile {
    /// Creates a complete NetCDF file for `path` under a temporary name: `body` defines and
    /// fills it, then it is closed. Any failure — in `body` or in the final `nc_close`, which is
    /// where libnetcdf flushes — deletes the temporary file and rethrows, so the final path is
    /// never touched; on success `commit()` on the result moves the file into place.
    static func stage(path: String, format: Int32 = NC_NETCDF4, _ body: (NetCDFFile) throws -> Void) throws -> StagedFile {
        let output = AtomicFile(path: path)
        let nc = try NetCDFFile.create(path: output.temporaryPath, displayName: path, format: format)
        do {
            try body(nc)
        } catch {
            nc.closeQuietly()
            output.discard()
            throw error
        }
        // Closed outside the block above: a failed nc_close must not be followed by a second
        // close of an id libnetcdf may already have handed to another file.
        do { try nc.close() } catch {
            output.discard()
            throw error
        }
        return StagedFile(file: output)
    }
}

extension NetCDFFile {
    /// Writes `attributes` as global text attributes (sorted keys: stable headers) together with
    /// `Conventions = CF-1.8` and the provenance of the writer (`hensProvenance`).
    func putGlobalAttributes(_ attributes: [String: String]) throws {
        try putTextAttributes(attributes.merging(Self.hensProvenance) { _, provenance in provenance })
    }

    /// `Conventions`, `hens_version` and the backend's provenance (git commit, BLAS kernel, CPU),
    /// which take precedence over a writer's own attributes of the same names.
    static var hensProvenance: [String: String] {
        BackendProvenance.fileAttributes.merging(["Conventions": "CF-1.8", "hens_version": HensVersion.string]) { $1 }
    }

    /// Writes text attributes of a variable (or global ones), in sorted key order so identical
    /// runs give byte-comparable headers.
    func putTextAttributes(_ attributes: [String: String], variable varid: Int32 = NC_GLOBAL) throws {
        for key in attributes.keys.sorted() { try putAttribute(key, text: attributes[key]!, variable: varid) }
    }
}
