import CNetCDF
import Foundation
import HensCore

/// What a file is, judged by its first bytes (not its name).
public enum FileKind: String, Sendable {
    case netcdf3Classic = "NetCDF-3 classic"
    case netcdf3Offset64 = "NetCDF-3 64-bit offset"
    case netcdf3CDF5 = "NetCDF-3 CDF5 (64-bit data)"
    case netcdf4 = "NetCDF-4/HDF5"
    case zip = "ZIP archive"
    case grib = "GRIB"
    case empty = "empty file"
    case unknown = "unknown"

    /// Reads the magic bytes of `path`.
    /// - Throws: when the file cannot be read at all.
    public static func detect(path: String) throws -> FileKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HensError(.badInput, "\(path): no such file")
        }
        if isDirectory.boolValue { throw HensError(.badInput, "\(path): is a folder, expected a NetCDF file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HensError(.badInput, "\(path): cannot read the file (permissions?)")
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        return classify(head)
    }

    /// Classifies the first (up to 8) bytes of a file.
    public static func classify(_ head: [UInt8]) -> FileKind {
        if head.isEmpty { return .empty }
        func starts(_ bytes: [UInt8]) -> Bool { head.count >= bytes.count && Array(head.prefix(bytes.count)) == bytes }
        if starts([0x43, 0x44, 0x46, 0x01]) { return .netcdf3Classic }
        if starts([0x43, 0x44, 0x46, 0x02]) { return .netcdf3Offset64 }
        if starts([0x43, 0x44, 0x46, 0x05]) { return .netcdf3CDF5 }
        if starts([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return .netcdf4 }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if starts([0x47, 0x52, 0x49, 0x42]) { return .grib }
        return .unknown
    }

    /// Whether libnetcdf can open this kind.
    public var isNetCDF: Bool { [.netcdf3Classic, .netcdf3Offset64, .netcdf3CDF5, .netcdf4].contains(self) }

    /// What to tell a user who handed hens this kind instead of NetCDF.
    public var advice: String {
        switch self {
        case .zip: return "a ZIP archive, not NetCDF (the new CDS zips one file per stepType): unzip it and pass the .nc files inside"
        case .grib: return "GRIB, not NetCDF: convert it first, e.g. `grib_to_netcdf -o out.nc in.grib` (Debian libeccodes-tools) or with cfgrib/xarray"
        case .empty: return "an empty file (an interrupted download?)"
        case .unknown: return "not a NetCDF file (no NetCDF or HDF5 signature in its first bytes)"
        default: return "NetCDF"
        }
    }
}

/// A read-only, convention-free view of any NetCDF file: dimensions, variables, attributes and
/// raw values. CF interpretation is layered on top: packing (`Unpacking`) and time (`CFTimeUnits`)
/// here, coordinate axes in Ingest.
public final class NetCDFReader {
    /// A dimension of the file.
    public struct Dimension: Equatable, Sendable {
        public let name: String
        public let length: Int
        public let isUnlimited: Bool
    }

    /// An attribute value: text, or numbers (any numeric type, as Double).
    public enum Attribute: Equatable, Sendable {
        case text(String)
        case numbers([Double])

        /// The text, if this is a text attribute.
        public var text: String? { if case let .text(t) = self { return t } else { return nil } }
        /// The first number, if this is a numeric attribute.
        public var number: Double? { if case let .numbers(n) = self { return n.first } else { return nil } }
        /// All numbers, if numeric.
        public var numbers: [Double]? { if case let .numbers(n) = self { return n } else { return nil } }
    }

    /// A variable: name, external type, dimension names and sizes, attributes.
    public struct Variable: Sendable {
        public let name: String
        /// NetCDF type name: byte, char, short, int, float, double, ubyte, ushort, uint, int64, uint64, string.
        public let typeName: String
        public let dimensions: [String]
        public let shape: [Int]
        public let attributes: [String: Attribute]
        let id: Int32

        /// Number of values.
        public var count: Int { shape.reduce(1, *) }
        /// Whether the values are numbers (not characters or strings).
        public var isNumeric: Bool { typeName != "char" && typeName != "string" }
    }

    public let path: String
    public let kind: FileKind
    /// libnetcdf's own format description (e.g. "NetCDF-4", "classic").
    public let formatDescription: String
    public let dimensions: [Dimension]
    public let variables: [Variable]
    public let globalAttributes: [String: Attribute]
    private let file: NetCDFFile

    /// Opens a file, refusing anything that is not NetCDF with advice on what it is. An HDF5
    /// file is read by a child process first (`HDF5Probe`) when the CLI has set one up.
    public convenience init(path: String) throws {
        try self.init(path: path, probing: true)
    }

    /// Opens a file; `probing` false is the probe's own child reading it.
    init(path: String, probing: Bool) throws {
        let kind = try FileKind.detect(path: path)
        guard kind.isNetCDF else {
            // A NetCDF file cut inside its first bytes has no full signature: say truncated, not "other format".
            try FileIntegrity.check(path: path)
            throw HensError(.badInput, "\(path): \(kind.advice)")
        }
        self.path = path
        self.kind = kind
        let file = try NetCDFFile.open(path: path, untrusted: probing)
        self.file = file
        do {
            formatDescription = Self.format(of: file)
            var unlimitedCount: Int32 = 0
            var unlimited = [Int32](repeating: 0, count: Int(NC_MAX_DIMS))
            try file.call("list unlimited dimensions") { nc_inq_unlimdims(file.id, &unlimitedCount, &unlimited) }
            var ndims: Int32 = 0
            try file.call("count dimensions") { nc_inq_ndims(file.id, &ndims) }
            var dimIDs = [Int32](repeating: 0, count: Int(ndims))
            try file.call("list dimensions") { nc_inq_dimids(file.id, &ndims, &dimIDs, 0) }
            let unlimitedSet = Set(unlimited.prefix(Int(unlimitedCount)))
            var dims: [Dimension] = []
            var names: [Int32: (String, Int)] = [:]
            for d in dimIDs {
                let name = try file.dimensionName(d), length = try file.dimensionLength(d)
                dims.append(Dimension(name: name, length: length, isUnlimited: unlimitedSet.contains(d)))
                names[d] = (name, length)
            }
            dimensions = dims
            variables = try file.variables().map { v in
                Variable(name: v.name, typeName: Self.typeName(v.type),
                         dimensions: v.dimensionIDs.map { names[$0]?.0 ?? "?" },
                         shape: v.dimensionIDs.map { names[$0]?.1 ?? 0 },
                         attributes: try Self.attributes(file, v.id), id: v.id)
            }
            globalAttributes = try Self.attributes(file, NC_GLOBAL)
        } catch {
            file.closeQuietly()
            throw error
        }
    }

    deinit { file.closeQuietly() }

    /// The variable of that name, or nil.
    public func variable(_ name: String) -> Variable? { variables.first { $0.name == name } }

    /// The coordinate variable of a dimension: the 1-D variable named like it (NUG), or nil.
    public func coordinate(of dimension: String) -> Variable? {
        variables.first { $0.name == dimension && $0.dimensions == [dimension] }
    }

    /// Raw values (no scale, offset or fill handling) of a hyperslab, converted to Double.
    public func readDoubles(_ variable: Variable, start: [Int], count: [Int]) throws -> [Double] {
        guard variable.isNumeric else {
            throw HensError(.badInput, "\(path): variable '\(variable.name)' holds \(variable.typeName) values, not numbers")
        }
        precondition(start.count == variable.shape.count && count.count == variable.shape.count, "hyperslab rank")
        let n = count.reduce(1, *)
        guard n > 0 else { return [] }
        // Uninitialised: libnetcdf fills every value (an ERA5 field is 8 MB not worth zeroing first).
        return try [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
            try file.call("read variable '\(variable.name)'") { nc_get_vara_double(file.id, variable.id, start, count, buffer.baseAddress) }
            initialized = n
        }
    }

    /// All raw values of a variable, as Double.
    public func readDoubles(_ variable: Variable) throws -> [Double] {
        try readDoubles(variable, start: variable.shape.map { _ in 0 }, count: variable.shape)
    }

    /// The values of a 1-D NC_STRING or NC_CHAR variable as strings.
    public func readStrings(_ variable: Variable) throws -> [String] {
        if variable.typeName == "string", variable.shape.count == 1 {
            return try file.getStrings(variable: variable.id, length: variable.shape[0])
        }
        throw HensError(.badInput, "\(path): variable '\(variable.name)' is not a list of strings")
    }

    /// Reads what a damaged HDF5 file hides its traps in (`HDF5Probe`): every string variable
    /// whole (their values live in the global heap) and the first and last value of every
    /// numeric variable (the ends of its chunk index). Attributes were read on opening.
    func touchEveryVariable() throws {
        for v in variables where v.count > 0 {
            if v.typeName == "string" {
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: v.count)
                try file.call("read variable '\(v.name)'") {
                    nc_get_vara_string(file.id, v.id, v.shape.map { _ in 0 }, v.shape, &pointers)
                }
                _ = NetCDFFile.locked { nc_free_string(v.count, &pointers) }
            } else if v.isNumeric {
                _ = try readDoubles(v, start: v.shape.map { _ in 0 }, count: v.shape.map { _ in 1 })
                _ = try readDoubles(v, start: v.shape.map { $0 - 1 }, count: v.shape.map { _ in 1 })
            }
        }
    }

    private static func format(of file: NetCDFFile) -> String {
        var format: Int32 = 0, mode: Int32 = 0
        _ = NetCDFFile.locked { nc_inq_format_extended(file.id, &format, &mode) }
        var classic: Int32 = 0
        _ = NetCDFFile.locked { nc_inq_format(file.id, &classic) }
        switch classic {
        case NC_FORMAT_CLASSIC: return "classic"
        case NC_FORMAT_64BIT_OFFSET: return "64-bit offset"
        case NC_FORMAT_CDF5: return "CDF5"
        case NC_FORMAT_NETCDF4: return "NetCDF-4"
        case NC_FORMAT_NETCDF4_CLASSIC: return "NetCDF-4 classic model"
        default: return "format \(classic)"
        }
    }

    private static func typeName(_ type: nc_type) -> String {
        switch Int32(type) {
        case NC_BYTE: return "byte"
        case NC_CHAR: return "char"
        case NC_SHORT: return "short"
        case NC_INT: return "int"
        case NC_FLOAT: return "float"
        case NC_DOUBLE: return "double"
        case NC_UBYTE: return "ubyte"
        case NC_USHORT: return "ushort"
        case NC_UINT: return "uint"
        case NC_INT64: return "int64"
        case NC_UINT64: return "uint64"
        case NC_STRING: return "string"
        default: return "type \(type)"
        }
    }

    private static func attributes(_ file: NetCDFFile, _ varid: Int32) throws -> [String: Attribute] {
        var result: [String: Attribute] = [:]
        for name in try file.attributeNames(variable: varid) {
            if let text = try file.textAttribute(name, variable: varid) {
                result[name] = .text(text)
                continue
            }
            var length = 0
            try file.call("inquire attribute '\(name)'") { nc_inq_attlen(file.id, varid, name, &length) }
            var values = [Double](repeating: 0, count: max(1, length))
            try file.call("read attribute '\(name)'") { nc_get_att_double(file.id, varid, name, &values) }
            result[name] = .numbers(Array(values.prefix(length)))
        }
        return result
    }
}
