import CNetCDF
import HensCore

/// Storage settings of a NetCDF-4 variable (chunking, deflate, shuffle, lossy quantisation)
/// and typed n-D slabs, which the ensemble output files need beyond the dataset files' Float and
/// 1-D helpers.
extension NetCDFFile {
    /// A lossy quantisation algorithm of libnetcdf (`nc_def_var_quantize`).
    enum QuantizeAlgorithm: Int32 {
        /// BitGroom: alternately shaves and sets the bits beyond the kept precision.
        case bitGroom = 1 // NC_QUANTIZE_BITGROOM
        /// Granular BitRound: rounds to the bits each value needs for the requested digits.
        case granularBitRound = 2 // NC_QUANTIZE_GRANULARBR
    }

    /// One variable's storage, as libnetcdf reports it.
    struct StorageInfo: Equatable {
        /// Chunk shape, or nil when the variable is contiguous.
        var chunks: [Int]?
        /// Deflate level, or nil when uncompressed.
        var deflateLevel: Int?
        /// Whether the shuffle filter is on.
        var shuffle: Bool
        /// Quantisation algorithm and significant digits, or nil when lossless.
        var quantize: (algorithm: Int32, digits: Int)?

        static func == (a: StorageInfo, b: StorageInfo) -> Bool {
            a.chunks == b.chunks && a.deflateLevel == b.deflateLevel && a.shuffle == b.shuffle
                && a.quantize?.algorithm == b.quantize?.algorithm && a.quantize?.digits == b.quantize?.digits
        }
    }

    /// Turns on deflate (level 1…9) and optionally shuffle for a variable in define mode.
    func setDeflate(variable varid: Int32, level: Int, shuffle: Bool) throws {
        try call("set deflate level \(level) on variable \(nameOf(varid))") {
            nc_def_var_deflate(id, varid, shuffle ? 1 : 0, 1, Int32(level))
        }
    }

    /// Turns on lossy quantisation to `digits` significant decimal digits (1…7 for Float32).
    ///
    /// The values are rounded before compression so that deflate finds long runs of equal
    /// trailing bits; the file stays readable by any netCDF reader (no special filter needed).
    /// A libnetcdf built without quantisation support returns an error, reported as such.
    func setQuantize(variable varid: Int32, algorithm: QuantizeAlgorithm, digits: Int) throws {
        let status = Self.locked { nc_def_var_quantize(id, varid, algorithm.rawValue, Int32(digits)) }
        guard status == NC_NOERR else {
            let reason = String(cString: nc_strerror(status))
            throw HensError(errorKind, "\(name): cannot quantise variable \(nameOf(varid)) to \(digits) significant digits "
                + "(needs netCDF ≥ 4.9 with quantize support, NetCDF-4 format, a float variable and 1…7 digits): \(reason)")
        }
    }

    /// The chunking, compression and quantisation of a variable.
    func storage(variable varid: Int32) throws -> StorageInfo {
        let rank = try variable(varid).dimensionIDs.count
        var layout: Int32 = 0
        var chunks = [Int](repeating: 0, count: max(rank, 1))
        try call("inquire the chunking of variable \(nameOf(varid))") { nc_inq_var_chunking(id, varid, &layout, &chunks) }
        var shuffle: Int32 = 0, deflate: Int32 = 0, level: Int32 = 0
        try call("inquire the compression of variable \(nameOf(varid))") {
            nc_inq_var_deflate(id, varid, &shuffle, &deflate, &level)
        }
        var mode: Int32 = 0, digits: Int32 = 0
        try call("inquire the quantisation of variable \(nameOf(varid))") { nc_inq_var_quantize(id, varid, &mode, &digits) }
        return StorageInfo(chunks: layout == NC_CHUNKED ? Array(chunks.prefix(rank)) : nil,
                           deflateLevel: deflate != 0 ? Int(level) : nil, shuffle: shuffle != 0,
                           quantize: mode != NC_NOQUANTIZE ? (mode, Int(digits)) : nil)
    }

    // MARK: Typed slabs

    /// Writes a slab of any element type through the matching `nc_put_vara_*` function.
    private func putSlab<T>(_ varid: Int32, start: [Int], count: [Int], _ values: [T],
                            _ put: (Int32, Int32, UnsafePointer<Int>?, UnsafePointer<Int>?, UnsafePointer<T>?) -> Int32) throws {
        precondition(count.reduce(1, *) == values.count, "slab size mismatch")
        try call("write variable \(nameOf(varid)) at \(start)") { put(id, varid, start, count, values) }
    }

    /// Reads a slab of any element type through the matching `nc_get_vara_*` function.
    private func getSlab<T>(_ varid: Int32, start: [Int], count: [Int], zero: T,
                            _ get: (Int32, Int32, UnsafePointer<Int>?, UnsafePointer<Int>?, UnsafeMutablePointer<T>?) -> Int32) throws -> [T] {
        var values = [T](repeating: zero, count: count.reduce(1, *))
        guard !values.isEmpty else { return values }
        try call("read variable \(nameOf(varid)) at \(start)") { get(id, varid, start, count, &values) }
        return values
    }

    /// Writes an Int32 slab.
    func putInt32s(variable varid: Int32, start: [Int], count: [Int], _ values: [Int32]) throws {
        try putSlab(varid, start: start, count: count, values, nc_put_vara_int)
    }

    /// Reads an Int32 slab.
    func getInt32s(variable varid: Int32, start: [Int], count: [Int]) throws -> [Int32] {
        try getSlab(varid, start: start, count: count, zero: 0, nc_get_vara_int)
    }

    /// Writes a Double slab.
    func putDoubles(variable varid: Int32, start: [Int], count: [Int], _ values: [Double]) throws {
        try putSlab(varid, start: start, count: count, values, nc_put_vara_double)
    }

    /// Reads a Double slab.
    func getDoubles(variable varid: Int32, start: [Int], count: [Int]) throws -> [Double] {
        try getSlab(varid, start: start, count: count, zero: 0, nc_get_vara_double)
    }

    /// Writes a Float slab from an array.
    func putFloats(variable varid: Int32, start: [Int], count: [Int], _ values: [Float]) throws {
        try putSlab(varid, start: start, count: count, values, nc_put_vara_float)
    }

    /// Reads a Float slab into a new array.
    func getFloats(variable varid: Int32, start: [Int], count: [Int]) throws -> [Float] {
        try getSlab(varid, start: start, count: count, zero: 0, nc_get_vara_float)
    }

    /// Writes an Int8 slab (NC_BYTE).
    func putInt8s(variable varid: Int32, start: [Int], count: [Int], _ values: [Int8]) throws {
        try putSlab(varid, start: start, count: count, values, nc_put_vara_schar)
    }

    /// Reads an Int8 slab.
    func getInt8s(variable varid: Int32, start: [Int], count: [Int]) throws -> [Int8] {
        try getSlab(varid, start: start, count: count, zero: 0, nc_get_vara_schar)
    }

    /// Writes a UInt64 slab (NC_UINT64: seeds keep all 64 bits).
    func putUInt64s(variable varid: Int32, start: [Int], count: [Int], _ values: [UInt64]) throws {
        try putSlab(varid, start: start, count: count, values, nc_put_vara_ulonglong)
    }

    /// Reads a UInt64 slab.
    func getUInt64s(variable varid: Int32, start: [Int], count: [Int]) throws -> [UInt64] {
        try getSlab(varid, start: start, count: count, zero: 0, nc_get_vara_ulonglong)
    }

    /// `'name'` of a variable for messages (`#id` if it cannot be found).
    func nameOf(_ varid: Int32) -> String {
        (try? variable(varid)).map { "'\($0.name)'" } ?? "#\(varid)"
    }

    /// The lengths of a variable's dimensions, outermost first.
    func shape(of varid: Int32) throws -> [Int] {
        try variable(varid).dimensionIDs.map { try dimensionLength($0) }
    }
}
