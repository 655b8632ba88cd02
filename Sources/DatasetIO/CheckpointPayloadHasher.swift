import Crypto

/// SHA-256 over a canonical byte stream of checkpoint fields.
///
/// Every field goes in as little-endian bytes, and every text or array is preceded by its
/// length (Int64), so two different checkpoints can never produce the same stream by moving a
/// boundary (e.g. text "ab"+"c" vs "a"+"bc"). The digest therefore depends on the decoded
/// values only, not on how libnetcdf/HDF5 laid them out in the file.
struct CheckpointPayloadHasher {
    private var hasher = SHA256()

    /// Adds one integer.
    mutating func add(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
    }

    /// Adds one integer.
    mutating func add(_ value: Int) { add(Int64(value)) }

    /// Adds a flag as 0 or 1.
    mutating func add(_ flag: Bool) { add(Int64(flag ? 1 : 0)) }

    /// Adds a text as its UTF-8 length and bytes.
    mutating func add(_ text: String) {
        let bytes = Array(text.utf8)
        add(bytes.count)
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    }

    /// Adds a list of texts: count, then each text.
    mutating func add(_ texts: [String]) {
        add(texts.count)
        for t in texts { add(t) }
    }

    /// Adds Float32 values: count, then their IEEE bit patterns.
    mutating func add(_ values: [Float]) {
        add(values.count)
        values.withUnsafeBufferPointer { addValues($0) }
    }

    /// Adds the IEEE bit patterns of Float32 values without a count: a long array hashed in
    /// pieces (the count was added before the first piece) gives the same digest as `add(_:)`.
    mutating func addValues(_ values: UnsafeBufferPointer<Float>) {
        #if _endian(little)
        hasher.update(bufferPointer: UnsafeRawBufferPointer(values))
        #else
        let le = values.map { $0.bitPattern.littleEndian }
        le.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #endif
    }

    /// Adds Float64 values: count, then their IEEE bit patterns.
    mutating func add(_ values: [Double]) {
        add(values.count)
        #if _endian(little)
        values.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #else
        let le = values.map { $0.bitPattern.littleEndian }
        le.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #endif
    }

    /// The digest as 64 lowercase hex digits.
    func hexDigest() -> String {
        hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
