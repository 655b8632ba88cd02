#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea and Flood, 2014): hens' one 64-bit mixer and its one random stream.
///
/// Every reproducible draw in hens goes through this type — member seeds, perturbation noise,
/// rank tie-breaks, bootstrap draws, synthetic test files — so the same seed gives the same bits
/// on every machine, thread count and shard split. Callers keep their own input formulas
/// (which counters they combine), but never a copy of the constants.
///
/// Three levels, from the plain function to the stream:
/// - `finalize(_:)`: the bijective 64-bit finaliser alone;
/// - `mix(_:)`: one SplitMix64 step, the golden-ratio increment then the finaliser — the first
///   output of a stream seeded with its argument (`mix(0) == 0xE220A8397B1DCDAF`);
/// - an instance: the stream, whose k-th output is `finalize(seed + k·goldenGamma)`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The Weyl-sequence increment, ⌊2⁶⁴/φ⌋ with φ the golden ratio (odd, so
    /// the sequence visits all 2⁶⁴ states).
    public static let goldenGamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 finaliser: a bijection of 64-bit words in which every input bit affects
    /// every output bit, so nearby inputs (consecutive indices, times 6 h apart) land far apart.
    @inlinable
    public static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One SplitMix64 step: `finalize(x + goldenGamma)`, the first output of `SplitMix64(seed: x)`.
    /// The increment keeps 0 from mapping to 0, which a seed chain like
    /// `mix(mix(base) ^ time)` relies on.
    @inlinable
    public static func mix(_ x: UInt64) -> UInt64 { finalize(x &+ goldenGamma) }

    @usableFromInline var state: UInt64

    /// A stream starting after `seed`: its first output is `mix(seed)`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= Self.goldenGamma
        return Self.finalize(state)
    }

    /// Uniform in (0, 1): never exactly 0, so it is safe inside a logarithm.
    public mutating func nextUniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }

    /// Standard normal by the Box–Muller transform.
    public mutating func nextNormal() -> Double {
        let u = nextUniform(), v = nextUniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// The name most of hens uses for its random stream: the same type as `SplitMix64`.
public typealias SeededGenerator = SplitMix64
