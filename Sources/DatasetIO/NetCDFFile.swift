import CNetCDF
import Foundation
import HensCore

/// libnetcdf keeps process-wide state (open-file table, HDF5 handles) and is not built
/// thread-safe, so every call into it goes through this one lock: two writers or a reader
/// and a writer on different threads must not interleave inside the library.
private let netcdfLock = NSLock()

/// A thin wrapper over one open libnetcdf file id.
///
/// Every call is serialised through a process-wide lock and every status code becomes a
/// one-line `HensError` naming the file and the operation. `name` is what messages show
/// (the final path, not an atomic writer's temporary path).
struct NetCDFFile {
    /// The libnetcdf file id.
    let id: Int32
    /// The path messages name.
    let name: String
    /// Error kind for failures: `.badInput` when reading, `.io` when writing.
    let errorKind: HensError.Kind

    /// One variable's shape, as found in the file.
    struct VariableInfo {
        let id: Int32
        let name: String
        let type: nc_type
        let dimensionIDs: [Int32]
    }

    // MARK: Errors and locking

    /// Turns a libnetcdf status into a one-line error such as
    /// `train.nc: cannot open: NetCDF: Unknown file format`.
    ///
    /// A failed write names the cause the library hides: libhdf5 reports a full disk as a bare
    /// "HDF error", so `systemError` (errno right after the call) and the free space beside the
    /// file decide whether the message says "no space left on device" (`WriteFailure`).
    static func check(_ status: Int32, file: String, what: @autoclosure () -> String,
                      kind: HensError.Kind = .io, systemError: Int32 = 0) throws {
        guard status != NC_NOERR else { return }
        let reason = String(cString: nc_strerror(status))
        if kind == .io, let cause = WriteFailure.cause(errno: systemError, near: file) {
            throw HensError(.io, "\(file): cannot \(what()): \(cause) (\(reason))")
        }
        throw HensError(kind, "\(file): cannot \(what()): \(reason)")
    }

    /// Runs one libnetcdf call under the lock and returns its status.
    static func locked(_ body: () -> Int32) -> Int32 {
        lockedKeepingErrno(body).status
    }

    /// Runs one libnetcdf call under the lock and returns its status with errno as the call
    /// left it (cleared before), read before anything else can overwrite it.
    static func lockedKeepingErrno(_ body: () -> Int32) -> (status: Int32, errno: Int32) {
        netcdfLock.lock()
        defer { netcdfLock.unlock() }
        errno = 0
        let status = body()
        return (status, errno)
    }

    /// Runs one libnetcdf call under the lock and throws on failure.
    func call(_ what: @autoclosure () -> String, _ body: () -> Int32) throws {
        let (status, systemError) = Self.lockedKeepingErrno(body)
        try Self.check(status, file: name, what: what(), kind: errorKind, systemError: systemError)
    }

    // MARK: Open, create, close

    /// Creates (or truncates) a file at `path`, NetCDF-4 unless `format` says otherwise (e.g.
    /// `NC_64BIT_OFFSET`); messages name `displayName`.
    static func create(path: String, displayName: String, format: Int32 = NC_NETCDF4) throws -> NetCDFFile {
        var ncid: Int32 = -1
        let (status, systemError) = lockedKeepingErrno { nc_create(path, format | NC_CLOBBER, &ncid) }
        try check(status, file: displayName, what: "create the file", kind: .io, systemError: systemError)
        return NetCDFFile(id: ncid, name: displayName, errorKind: .io)
    }

    /// Opens an existing file read-only, refusing one shorter than its header says
    /// (`FileIntegrity`): libnetcdf would read the missing part as fill values. An `untrusted`
    /// file (an input from elsewhere, a checkpoint) in HDF5 is first read by a child process
    /// (`HDF5Probe`), since a damaged one can crash or hang the HDF5 library.
    static func open(path: String, untrusted: Bool = false) throws -> NetCDFFile {
        try FileIntegrity.check(path: path)
        if untrusted { try HDF5Probe.check(path: path) }
        var ncid: Int32 = -1
        let status = locked { nc_open(path, NC_NOWRITE, &ncid) }
        try check(status, file: path, what: "open the file as NetCDF", kind: .badInput)
        return NetCDFFile(id: ncid, name: path, errorKind: .badInput)
    }

    /// Opens a file hens wrote, read-only, refusing one written by a hens whose format this build
    /// does not read (`HensVersion.checkReadable`).
    static func openHensFile(path: String) throws -> NetCDFFile {
        let nc = try open(path: path)
        do {
            try HensVersion.checkReadable(written: try nc.textAttribute("hens_version"), path: path)
        } catch {
            nc.closeQuietly()
            throw error
        }
        return nc
    }

    /// Opens an existing file for writing (to extend a copy of a dataset file); errors are `.io`.
    static func openForWriting(path: String, displayName: String) throws -> NetCDFFile {
        var ncid: Int32 = -1
        let status = locked { nc_open(path, NC_WRITE, &ncid) }
        try check(status, file: displayName, what: "open the file for writing", kind: .io)
        return NetCDFFile(id: ncid, name: displayName, errorKind: .io)
    }

    /// Closes the file, flushing everything written.
    func close() throws {
        try call("close the file") { nc_close(id) }
    }

    /// Closes the file ignoring errors (used on paths that already failed).
    func closeQuietly() {
        _ = Self.locked { nc_close(id) }
    }

    /// Re-enters define mode (to change attributes of an open file).
    func redefine() throws {
        try call("re-enter define mode") { nc_redef(id) }
    }

    /// Leaves define mode so that data can be written.
    func endDefinitions() throws {
        try call("finish the header") { nc_enddef(id) }
    }

    // MARK: Definitions

    /// Defines a fixed-length dimension and returns its id.
    func defineDimension(_ dimName: String, length: Int) throws -> Int32 {
        var dimid: Int32 = -1
        try call("define dimension '\(dimName)'") { nc_def_dim(id, dimName, length, &dimid) }
        return dimid
    }

    /// Defines a variable over `dimensions` (outermost first) and returns its id.
    func defineVariable(_ varName: String, type: nc_type, dimensions: [Int32]) throws -> Int32 {
        var varid: Int32 = -1
        try call("define variable '\(varName)'") {
            dimensions.withUnsafeBufferPointer { dims in
                nc_def_var(id, varName, type, Int32(dims.count), dims.baseAddress, &varid)
            }
        }
        return varid
    }

    /// Stores a variable in chunks of the given shape.
    func setChunking(variable varid: Int32, chunks: [Int]) throws {
        try call("set the chunking of variable \(variableName(varid))") {
            chunks.withUnsafeBufferPointer { nc_def_var_chunking(id, varid, NC_CHUNKED, $0.baseAddress) }
        }
    }

    /// Sets the HDF5 chunk cache of one variable (bytes, slots). Files whose chunks are each
    /// written or read exactly once need only a few chunks of cache; libnetcdf's default (tens
    /// of MiB per variable) otherwise fills with finished chunks and grows the process.
    func setChunkCache(variable varid: Int32, bytes: Int, slots: Int = 11) throws {
        try call("set the chunk cache of variable \(variableName(varid))") {
            nc_set_var_chunk_cache(id, varid, bytes, slots, 0.75)
        }
    }

    /// Writes a text (NC_CHAR) attribute; `varid` may be `NC_GLOBAL`.
    func putAttribute(_ attName: String, text: String, variable varid: Int32 = NC_GLOBAL) throws {
        let bytes = Array(text.utf8)
        try call("write attribute '\(attName)'\(ofVariable(varid))") {
            bytes.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: CChar.self) { nc_put_att_text(id, varid, attName, buf.count, $0.baseAddress) }
            }
        }
    }

    /// Writes a numeric attribute (one value or a list), stored as `type` (default double; e.g.
    /// `NC_SHORT` for the `_FillValue` of a short variable).
    func putAttribute(_ attName: String, doubles: [Double], type: nc_type = nc_type(NC_DOUBLE),
                      variable varid: Int32 = NC_GLOBAL) throws {
        try call("write attribute '\(attName)'\(ofVariable(varid))") {
            nc_put_att_double(id, varid, attName, type, doubles.count, doubles)
        }
    }

    /// Writes an int attribute (one value or a list).
    func putAttribute(_ attName: String, ints: [Int32], variable varid: Int32 = NC_GLOBAL) throws {
        try call("write attribute '\(attName)'\(ofVariable(varid))") {
            nc_put_att_int(id, varid, attName, NC_INT, ints.count, ints)
        }
    }

    // MARK: Data

    /// Writes a whole 1-D double variable.
    func putDoubles(variable varid: Int32, _ values: [Double]) throws {
        try call("write variable \(variableName(varid))") {
            var start = 0, count = values.count
            return nc_put_vara_double(id, varid, &start, &count, values)
        }
    }

    /// Writes a 1-D int variable from index `offset` on (the whole variable by default).
    func putInts(variable varid: Int32, offset: Int = 0, _ values: [Int32]) throws {
        try call("write variable \(variableName(varid))") {
            var start = offset, count = values.count
            return nc_put_vara_int(id, varid, &start, &count, values)
        }
    }

    /// Writes a whole 1-D NC_STRING variable.
    func putStrings(variable varid: Int32, _ values: [String]) throws {
        // strdup'd copies keep the C strings alive for the duration of the call.
        let cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
        try call("write variable \(variableName(varid))") {
            var start = 0, count = values.count
            return nc_put_vara_string(id, varid, &start, &count, &pointers)
        }
    }

    /// Writes a Float slab; `start` and `count` have one entry per dimension.
    func putFloats(variable varid: Int32, start: [Int], count: [Int], _ values: UnsafeBufferPointer<Float>) throws {
        precondition(count.reduce(1, *) == values.count, "slab size mismatch")
        try call("write variable \(variableName(varid)) at \(start)") {
            nc_put_vara_float(id, varid, start, count, values.baseAddress)
        }
    }

    /// Writes an Int16 slab (packed data); `start` and `count` have one entry per dimension.
    func putShorts(variable varid: Int32, start: [Int], count: [Int], _ values: UnsafeBufferPointer<Int16>) throws {
        precondition(count.reduce(1, *) == values.count, "slab size mismatch")
        try call("write variable \(variableName(varid)) at \(start)") {
            nc_put_vara_short(id, varid, start, count, values.baseAddress)
        }
    }

    /// Reads a Float slab (converting from the stored type, no scale/offset applied).
    func getFloats(variable varid: Int32, start: [Int], count: [Int], into values: UnsafeMutableBufferPointer<Float>) throws {
        precondition(count.reduce(1, *) == values.count, "slab size mismatch")
        try call("read variable \(variableName(varid)) at \(start)") {
            nc_get_vara_float(id, varid, start, count, values.baseAddress)
        }
    }

    /// Reads a whole 1-D variable of `length` values as doubles.
    func getDoubles(variable varid: Int32, length: Int) throws -> [Double] {
        var values = [Double](repeating: 0, count: length)
        guard length > 0 else { return values }
        try call("read variable \(variableName(varid))") {
            var start = 0, count = length
            return nc_get_vara_double(id, varid, &start, &count, &values)
        }
        return values
    }

    /// Reads a whole 1-D NC_STRING variable of `length` values.
    func getStrings(variable varid: Int32, length: Int) throws -> [String] {
        guard length > 0 else { return [] }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
        try call("read variable \(variableName(varid))") {
            var start = 0, count = length
            return nc_get_vara_string(id, varid, &start, &count, &pointers)
        }
        let values = pointers.map { $0.map { String(cString: $0) } ?? "" }
        _ = Self.locked { nc_free_string(length, &pointers) }
        return values
    }

    // MARK: Inquiry

    /// The id of a dimension, or nil when the file has none of that name.
    func dimensionID(_ dimName: String) -> Int32? {
        var dimid: Int32 = -1
        return Self.locked { nc_inq_dimid(id, dimName, &dimid) } == NC_NOERR ? dimid : nil
    }

    /// A dimension's name.
    func dimensionName(_ dimid: Int32) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        try call("inquire dimension \(dimid)") { nc_inq_dimname(id, dimid, &buffer) }
        return Self.text(buffer)
    }

    /// Whether a dimension is unlimited (can grow).
    func isUnlimited(_ dimid: Int32) throws -> Bool {
        var count: Int32 = 0
        var ids = [Int32](repeating: 0, count: Int(NC_MAX_DIMS))
        try call("list unlimited dimensions") { nc_inq_unlimdims(id, &count, &ids) }
        return ids.prefix(Int(count)).contains(dimid)
    }

    /// A dimension's length.
    func dimensionLength(_ dimid: Int32) throws -> Int {
        var length = 0
        try call("inquire dimension \(dimid)") { nc_inq_dimlen(id, dimid, &length) }
        return length
    }

    /// The id of a variable, or nil when the file has none of that name.
    func variableID(_ varName: String) -> Int32? {
        var varid: Int32 = -1
        return Self.locked { nc_inq_varid(id, varName, &varid) } == NC_NOERR ? varid : nil
    }

    /// One variable's name, type and dimensions.
    func variable(_ varid: Int32) throws -> VariableInfo {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        var type: nc_type = 0
        var ndims: Int32 = 0
        try call("inquire variable \(varid)") { nc_inq_var(id, varid, &buffer, &type, &ndims, nil, nil) }
        var dims = [Int32](repeating: 0, count: Int(ndims))
        try call("inquire variable \(varid)") { nc_inq_vardimid(id, varid, &dims) }
        return VariableInfo(id: varid, name: Self.text(buffer), type: type, dimensionIDs: dims)
    }

    /// All variables in definition order.
    func variables() throws -> [VariableInfo] {
        var count: Int32 = 0
        try call("count variables") { nc_inq_nvars(id, &count) }
        return try (0..<count).map { try variable($0) }
    }

    /// A text attribute (NC_CHAR or NC_STRING), nil when absent or of another type.
    func textAttribute(_ attName: String, variable varid: Int32 = NC_GLOBAL) throws -> String? {
        var type: nc_type = 0
        var length = 0
        let status = Self.locked { nc_inq_att(id, varid, attName, &type, &length) }
        if status == NC_ENOTATT { return nil }
        try call("inquire attribute '\(attName)'\(ofVariable(varid))") { status }
        switch type {
        case nc_type(NC_CHAR):
            var bytes = [UInt8](repeating: 0, count: length)
            if length > 0 {
                try call("read attribute '\(attName)'\(ofVariable(varid))") {
                    bytes.withUnsafeMutableBufferPointer { buf in
                        buf.withMemoryRebound(to: CChar.self) { nc_get_att_text(id, varid, attName, $0.baseAddress) }
                    }
                }
            }
            // Some writers include the C terminator in the length.
            while bytes.last == 0 { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        case nc_type(NC_STRING):
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
            try call("read attribute '\(attName)'\(ofVariable(varid))") { nc_get_att_string(id, varid, attName, &pointers) }
            let values = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = Self.locked { nc_free_string(length, &pointers) }
            return values.joined(separator: "\n")
        default:
            return nil
        }
    }

    /// Names of a variable's attributes (or the global ones), in file order.
    func attributeNames(variable varid: Int32 = NC_GLOBAL) throws -> [String] {
        var count: Int32 = 0
        if varid == NC_GLOBAL {
            try call("count global attributes") { nc_inq_natts(id, &count) }
        } else {
            try call("count attributes\(ofVariable(varid))") { nc_inq_varnatts(id, varid, &count) }
        }
        return try (0..<count).map { index in
            var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            try call("inquire attribute \(index)\(ofVariable(varid))") { nc_inq_attname(id, varid, index, &buffer) }
            return Self.text(buffer)
        }
    }

    /// All text attributes of a variable (or the global ones), by name.
    func textAttributes(variable varid: Int32 = NC_GLOBAL) throws -> [String: String] {
        var result: [String: String] = [:]
        for attName in try attributeNames(variable: varid) {
            if let value = try textAttribute(attName, variable: varid) { result[attName] = value }
        }
        return result
    }

    // MARK: Message helpers

    /// `'name'` of a variable for messages (its id if the name cannot be found).
    /// A NUL-terminated name filled in by libnetcdf, as text.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func variableName(_ varid: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        let status = Self.locked { nc_inq_varname(id, varid, &buffer) }
        return status == NC_NOERR ? "'\(Self.text(buffer))'" : "#\(varid)"
    }

    private func ofVariable(_ varid: Int32) -> String {
        varid == NC_GLOBAL ? "" : " of variable \(variableName(varid))"
    }
}
