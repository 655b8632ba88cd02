import CNetCDF
import HensCore

/// 64-bit integer attributes and variables, which checkpoints need for step counts, seeds and
/// tensor tables (values that may exceed Int32, or a UInt64 seed that must round-trip exactly).
extension NetCDFFile {
    /// Writes a signed 64-bit integer attribute (one value or a list); `varid` may be `NC_GLOBAL`.
    func putAttribute(_ attName: String, int64s: [Int64], variable varid: Int32 = NC_GLOBAL) throws {
        try call("write attribute '\(attName)'") {
            nc_put_att_longlong(id, varid, attName, nc_type(NC_INT64), int64s.count, int64s)
        }
    }

    /// Writes an unsigned 64-bit integer attribute (a seed keeps all 64 bits).
    func putAttribute(_ attName: String, uint64: UInt64, variable varid: Int32 = NC_GLOBAL) throws {
        var value = uint64
        try call("write attribute '\(attName)'") {
            nc_put_att_ulonglong(id, varid, attName, nc_type(NC_UINT64), 1, &value)
        }
    }

    /// The type and length of an attribute, or nil when the attribute is absent.
    func attributeShape(_ attName: String, variable varid: Int32 = NC_GLOBAL) throws -> (type: nc_type, length: Int)? {
        var type: nc_type = 0
        var length = 0
        let status = Self.locked { nc_inq_att(id, varid, attName, &type, &length) }
        if status == NC_ENOTATT { return nil }
        try call("inquire attribute '\(attName)'") { status }
        return (type, length)
    }

    /// A single integer attribute of any integer type, read as Int64; nil when absent or not
    /// one integer.
    func int64Attribute(_ attName: String, variable varid: Int32 = NC_GLOBAL) throws -> Int64? {
        guard let shape = try attributeShape(attName, variable: varid), shape.length == 1,
              Self.integerTypes.contains(shape.type) else { return nil }
        var value: Int64 = 0
        try call("read attribute '\(attName)'") { nc_get_att_longlong(id, varid, attName, &value) }
        return value
    }

    /// A single unsigned 64-bit attribute (read exactly only when stored as NC_UINT64).
    func uint64Attribute(_ attName: String, variable varid: Int32 = NC_GLOBAL) throws -> UInt64? {
        guard let shape = try attributeShape(attName, variable: varid), shape.length == 1,
              Self.integerTypes.contains(shape.type) else { return nil }
        var value: UInt64 = 0
        try call("read attribute '\(attName)'") { nc_get_att_ulonglong(id, varid, attName, &value) }
        return value
    }

    /// Writes a whole Int64 variable of any rank (row-major `values`).
    func putInt64s(variable varid: Int32, shape: [Int], _ values: [Int64]) throws {
        precondition(shape.reduce(1, *) == values.count, "slab size mismatch")
        let start = [Int](repeating: 0, count: shape.count)
        try call("write variable #\(varid)") { nc_put_vara_longlong(id, varid, start, shape, values) }
    }

    /// Reads a whole Int64 variable of any rank (row-major).
    func getInt64s(variable varid: Int32, shape: [Int]) throws -> [Int64] {
        var values = [Int64](repeating: 0, count: shape.reduce(1, *))
        guard !values.isEmpty else { return values }
        let start = [Int](repeating: 0, count: shape.count)
        try call("read variable #\(varid)") { nc_get_vara_longlong(id, varid, start, shape, &values) }
        return values
    }

    private static let integerTypes: Set<nc_type> = [
        nc_type(NC_BYTE), nc_type(NC_SHORT), nc_type(NC_INT), nc_type(NC_INT64),
        nc_type(NC_UBYTE), nc_type(NC_USHORT), nc_type(NC_UINT), nc_type(NC_UINT64),
    ]
}
