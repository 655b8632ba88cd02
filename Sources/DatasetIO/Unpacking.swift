import Foundation

/// CF packing and missing-data rules of one variable (CF §8.1, NUG): values equal to
/// `_FillValue` or `missing_value`, or outside `valid_min`/`valid_max`/`valid_range`, are
/// missing — all compared in *packed* space, before `x·scale_factor + add_offset`.
/// `_Unsigned = "true"` reinterprets byte/short/int values as unsigned (NetCDF-3 convention).
public struct Unpacking: Sendable, Equatable {
    public var scaleFactor: Double = 1
    public var addOffset: Double = 0
    public var missingValues: [Double] = []
    public var validMin: Double = -.infinity
    public var validMax: Double = .infinity
    /// Bits of the packed type when `_Unsigned` is set, else nil.
    public var unsignedBits: Int?

    /// Reads the rules from a variable's attributes.
    public init(_ v: NetCDFReader.Variable) {
        let a = v.attributes
        scaleFactor = a["scale_factor"]?.number ?? 1
        addOffset = a["add_offset"]?.number ?? 0
        for key in ["_FillValue", "missing_value"] {
            for value in a[key]?.numbers ?? [] where !missingValues.contains(value) { missingValues.append(value) }
        }
        if let range = a["valid_range"]?.numbers, range.count == 2 { validMin = range[0]; validMax = range[1] }
        if let lo = a["valid_min"]?.number { validMin = lo }
        if let hi = a["valid_max"]?.number { validMax = hi }
        if a["_Unsigned"]?.text?.lowercased() == "true" {
            unsignedBits = ["byte": 8, "short": 16, "int": 32][v.typeName]
        }
    }

    /// Whether values are packed integers (scale or offset present).
    public var isPacked: Bool { scaleFactor != 1 || addOffset != 0 }

    /// Decodes raw values (as read, in packed space) to Float, missing → NaN.
    public func decode(_ raw: [Double]) -> [Float] {
        // The hot loop of every ingest (an ERA5 0.25° field is 1M values): no closures or
        // array searches per value. Files have at most two missing markers (`_FillValue`,
        // `missing_value`, usually equal); NaN stands for "none", since it equals nothing.
        let first = missingValues.first ?? .nan, second = missingValues.dropFirst().first ?? .nan
        let others = Array(missingValues.dropFirst(2))
        let (lo, hi, scale, offset) = (validMin, validMax, scaleFactor, addOffset)
        let wrap = unsignedBits.map { pow(2, Double($0)) } ?? 0
        return [Float](unsafeUninitializedCapacity: raw.count) { out, initialized in
            raw.withUnsafeBufferPointer { input in
                for i in 0..<input.count {
                    var x = input[i]
                    if x < 0 { x += wrap }
                    let missing = x.isNaN || x == first || x == second || x < lo || x > hi || (!others.isEmpty && others.contains(x))
                    out[i] = missing ? .nan : Float(x * scale + offset)
                }
            }
            initialized = raw.count
        }
    }
}
