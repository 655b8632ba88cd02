import HensCore

/// The element type of a tensor in an imported file (torch checkpoint, safetensors, `.npy`):
/// one enum for all three formats, so a tensor's type reads the same whichever file it came from
/// and every format shares one conversion to Float32.
public enum TensorElementType: String, CaseIterable, Sendable, Equatable {
    case float64, float32, float16, bfloat16
    /// Two Float32 per element (real, imaginary).
    case complex64
    /// Two Float64 per element (real, imaginary).
    case complex128
    case int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float64, .int64, .complex64: return 8
        case .complex128: return 16
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Real components per element: 2 for complex types (stored interleaved), else 1.
    public var componentCount: Int { isComplex ? 2 : 1 }

    /// Whether the type is complex.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }

    /// Whether `copyFloat32` accepts it: floating-point and complex types. Integers are refused
    /// there rather than rounded silently (an int64 step counter is not a weight).
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16, .complex64, .complex128: return true
        default: return false
        }
    }

    /// The names each format gives the type: torch's storage class (`torch.<name>`, as
    /// `torch.save` pickles it), the safetensors dtype code, and the little-endian numpy
    /// `descr` (none for bfloat16, which numpy lacks). One table, so the formats cannot drift.
    private static let formatNames: [TensorElementType: (torch: String, safetensors: String, npy: String?)] = [
        .float64: ("DoubleStorage", "F64", "<f8"), .float32: ("FloatStorage", "F32", "<f4"),
        .float16: ("HalfStorage", "F16", "<f2"), .bfloat16: ("BFloat16Storage", "BF16", nil),
        .complex64: ("ComplexFloatStorage", "C64", "<c8"), .complex128: ("ComplexDoubleStorage", "C128", "<c16"),
        .int64: ("LongStorage", "I64", "<i8"), .int32: ("IntStorage", "I32", "<i4"), .int16: ("ShortStorage", "I16", "<i2"),
        .int8: ("CharStorage", "I8", "|i1"), .uint8: ("ByteStorage", "U8", "|u1"), .bool: ("BoolStorage", "BOOL", "|b1"),
    ]

    /// The torch storage class that holds this type (`FloatStorage`).
    public var torchStorageName: String { Self.formatNames[self]?.torch ?? "" }

    /// The type of a torch storage class name (`FloatStorage`), nil for others.
    public init?(torchStorageName: String) {
        guard let match = Self.allCases.first(where: { $0.torchStorageName == torchStorageName }) else { return nil }
        self = match
    }

    /// The safetensors dtype code (`F32`, `BF16`, `C64`, …).
    public var safetensorsCode: String { Self.formatNames[self]?.safetensors ?? "" }

    /// The type of a safetensors dtype code, nil for codes hens does not read.
    public init?(safetensorsCode: String) {
        guard let match = Self.allCases.first(where: { $0.safetensorsCode == safetensorsCode }) else { return nil }
        self = match
    }

    /// The little-endian numpy `descr` (`<f4`, `|u1`), nil for bfloat16.
    public var npyDescr: String? { Self.formatNames[self]?.npy }

    /// The type of a numpy `descr`, nil for others (big-endian, strings, records…).
    public init?(npyDescr: String) {
        guard let match = Self.allCases.first(where: { $0.npyDescr == npyDescr }) else { return nil }
        self = match
    }
}

/// IEEE binary16 bits as a Float, exactly (every half value is a Float). Written out rather
/// than `Float16`, which Swift lacks on x86-64 macOS.
@inline(__always)
func floatFromHalfBits(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x03FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa × 2⁻²⁴, exact in Float.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }  // inf, NaN
    return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
}

/// bfloat16 bits as a Float: the upper half of a Float's bits, so exact.
@inline(__always)
func floatFromBFloat16Bits(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

/// Where a tensor's elements lie in its storage: shape, strides and offset in elements, checked
/// once against the storage so every later read stays inside it.
struct StridedLayout: Equatable, Sendable {
    let shape: [Int]
    let strides: [Int]
    let offset: Int
    let elementCount: Int

    /// Validates a layout against a storage of `storageElements` elements. Returns a reason on
    /// failure (the caller names the file and tensor).
    static func validated(shape: [Int], strides: [Int], offset: Int, storageElements: Int) -> Result<StridedLayout, LayoutProblem> {
        guard shape.count == strides.count else { return .failure(.init("shape \(shape) and strides \(strides) differ in rank")) }
        guard shape.allSatisfy({ $0 >= 0 }) else { return .failure(.init("shape \(shape) has a negative size")) }
        guard strides.allSatisfy({ $0 >= 0 }) else { return .failure(.init("strides \(strides) have a negative stride")) }
        guard offset >= 0 else { return .failure(.init("storage offset \(offset) is negative")) }
        guard let count = CheckedSize.elementCount(shape) else { return .failure(.init("shape \(shape) has more elements than fit in memory")) }
        if count > 0 {
            // The last element touched is offset + Σ (nᵢ − 1)·sᵢ; it must lie inside the storage.
            var last = offset
            for (n, s) in zip(shape, strides) {
                guard let step = CheckedSize.product(n - 1, s), let next = CheckedSize.sum(last, step) else {
                    return .failure(.init("shape \(shape) with strides \(strides) reaches beyond any storage"))
                }
                last = next
            }
            guard last < storageElements else {
                return .failure(.init("shape \(shape), strides \(strides) and offset \(offset) reach element \(last), but the storage holds \(storageElements)"))
            }
        }
        return .success(StridedLayout(shape: shape, strides: strides, offset: offset, elementCount: count))
    }

    /// Row-major strides for `shape` (the layout of a contiguous tensor). Callers have checked
    /// the element count, so the products fit.
    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for i in shape.indices.reversed() { strides[i] = running; running = running &* max(shape[i], 1) }
        return strides
    }

    /// Whether the elements are stored row-major without gaps from `offset` on.
    var isRowMajorContiguous: Bool {
        var expected = 1
        for i in shape.indices.reversed() where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected = expected &* shape[i]
        }
        return true
    }

    /// Calls `body` with the storage element index of every element in row-major order.
    func forEachElementIndex(_ body: (Int, Int) -> Void) {
        if elementCount == 0 { return }
        if isRowMajorContiguous {
            for i in 0..<elementCount { body(i, offset + i) }
            return
        }
        // An odometer over all dimensions but the last, the last walked by its stride.
        let rank = shape.count
        if rank == 0 { body(0, offset); return }
        var counter = [Int](repeating: 0, count: rank)
        var base = offset
        let innerCount = shape[rank - 1], innerStride = strides[rank - 1]
        var produced = 0
        while produced < elementCount {
            for j in 0..<innerCount { body(produced + j, base + j * innerStride) }
            produced += innerCount
            var d = rank - 2
            while d >= 0 {
                counter[d] += 1
                base += strides[d]
                if counter[d] < shape[d] { break }
                base -= strides[d] * shape[d]
                counter[d] = 0
                d -= 1
            }
            if d < 0 { break }
        }
    }

    /// Copies the elements of `type` stored in `storage` into `destination` as row-major
    /// Float32 (complex as interleaved real, imaginary). `destination` must hold
    /// `elementCount × componentCount` values and `storage` the layout's extent (both checked
    /// by the callers, which name the file).
    func copyFloat32(from storage: UnsafeRawBufferPointer, type: TensorElementType, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let out = destination.baseAddress, let base = storage.baseAddress else { return }
        let size = type.byteCount
        switch type {
        case .float32:
            if isRowMajorContiguous {
                UnsafeMutableRawPointer(out).copyMemory(from: base + offset * 4, byteCount: elementCount * 4)
            } else {
                forEachElementIndex { i, e in out[i] = base.loadUnaligned(fromByteOffset: e * 4, as: Float.self) }
            }
        case .float64:
            forEachElementIndex { i, e in out[i] = Float(base.loadUnaligned(fromByteOffset: e * size, as: Double.self)) }
        case .float16:
            forEachElementIndex { i, e in out[i] = floatFromHalfBits(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: e * size, as: UInt16.self))) }
        case .bfloat16:
            forEachElementIndex { i, e in out[i] = floatFromBFloat16Bits(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: e * size, as: UInt16.self))) }
        case .complex64:
            forEachElementIndex { i, e in
                out[2 * i] = base.loadUnaligned(fromByteOffset: e * size, as: Float.self)
                out[2 * i + 1] = base.loadUnaligned(fromByteOffset: e * size + 4, as: Float.self)
            }
        case .complex128:
            forEachElementIndex { i, e in
                out[2 * i] = Float(base.loadUnaligned(fromByteOffset: e * size, as: Double.self))
                out[2 * i + 1] = Float(base.loadUnaligned(fromByteOffset: e * size + 8, as: Double.self))
            }
        case .int64, .int32, .int16, .int8, .uint8, .bool:
            // Not reached: callers refuse non-floating types first.
            forEachElementIndex { i, e in out[i] = Float(Self.integerValue(base, e, type)) }
        }
    }

    /// Copies the elements into `destination` as row-major Float64 (complex interleaved); every
    /// type converts exactly except int64 beyond 2⁵³.
    func copyFloat64(from storage: UnsafeRawBufferPointer, type: TensorElementType, into destination: UnsafeMutableBufferPointer<Double>) {
        guard let out = destination.baseAddress, let base = storage.baseAddress else { return }
        let size = type.byteCount
        switch type {
        case .float64: forEachElementIndex { i, e in out[i] = base.loadUnaligned(fromByteOffset: e * size, as: Double.self) }
        case .float32: forEachElementIndex { i, e in out[i] = Double(base.loadUnaligned(fromByteOffset: e * size, as: Float.self)) }
        case .float16:
            forEachElementIndex { i, e in out[i] = Double(floatFromHalfBits(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: e * size, as: UInt16.self)))) }
        case .bfloat16:
            forEachElementIndex { i, e in out[i] = Double(floatFromBFloat16Bits(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: e * size, as: UInt16.self)))) }
        case .complex64:
            forEachElementIndex { i, e in
                out[2 * i] = Double(base.loadUnaligned(fromByteOffset: e * size, as: Float.self))
                out[2 * i + 1] = Double(base.loadUnaligned(fromByteOffset: e * size + 4, as: Float.self))
            }
        case .complex128:
            forEachElementIndex { i, e in
                out[2 * i] = base.loadUnaligned(fromByteOffset: e * size, as: Double.self)
                out[2 * i + 1] = base.loadUnaligned(fromByteOffset: e * size + 8, as: Double.self)
            }
        case .int64, .int32, .int16, .int8, .uint8, .bool:
            forEachElementIndex { i, e in out[i] = Double(Self.integerValue(base, e, type)) }
        }
    }

    /// Element `e` of an integer or bool storage.
    @inline(__always)
    private static func integerValue(_ base: UnsafeRawPointer, _ e: Int, _ type: TensorElementType) -> Int64 {
        switch type {
        case .int64: return Int64(littleEndian: base.loadUnaligned(fromByteOffset: e * 8, as: Int64.self))
        case .int32: return Int64(Int32(littleEndian: base.loadUnaligned(fromByteOffset: e * 4, as: Int32.self)))
        case .int16: return Int64(Int16(littleEndian: base.loadUnaligned(fromByteOffset: e * 2, as: Int16.self)))
        case .int8: return Int64(base.load(fromByteOffset: e, as: Int8.self))
        case .uint8: return Int64(base.load(fromByteOffset: e, as: UInt8.self))
        case .bool: return base.load(fromByteOffset: e, as: UInt8.self) != 0 ? 1 : 0
        default: return 0
        }
    }
}

/// Why a tensor layout does not fit its storage (the caller adds file and tensor names).
struct LayoutProblem: Error, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

