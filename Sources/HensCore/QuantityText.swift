import Foundation

/// Byte counts as people write them in configurations and options: binary (`GiB`, `MiB`,
/// `KiB`, and the shorthands `G`, `M`) and decimal (`GB`, `MB`) units, or a plain number.
public enum ByteCount {
    /// `4GiB`, `512MiB`, `2GB`, `1000000` → bytes.
    public static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000),
                                 ("G", 1 << 30), ("M", 1 << 20)] where t.hasSuffix(suffix) {
            // Beyond 2⁶² bytes (or negative, or not a number) is no size: nil, not a trap.
            guard let value = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)).map({ $0 * Double(factor) }),
                  value.isFinite, value >= 0, value < 0x1p62 else { return nil }
            return Int(value)
        }
        return Int(t)
    }
}

/// Durations as people write them in configurations and options: a number of seconds with an
/// optional unit suffix (`s`, `min`, `h`, `d`).
public enum DurationText {
    /// Parses `300`, `300s`, `30min`, `1h`, `5d` into seconds; nil for anything else.
    public static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, factor) in [("min", 60.0), ("s", 1), ("h", 3600), ("d", 86_400)] where t.hasSuffix(suffix) {
            return Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)).map { $0 * factor }.flatMap { $0.isFinite ? $0 : nil }
        }
        return Double(t).flatMap { $0.isFinite ? $0 : nil }
    }
}
