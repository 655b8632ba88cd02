import HensCore

/// An inclusive range of dates for a split, written `1979..2015`, `2016-01..2016-06`,
/// `2018..` (open end) or `..2000` (open start); a year alone covers the whole year.
public struct DateRange: Sendable, Equatable {
    /// Lower bound as (year, month, day), inclusive; nil = open.
    public let lower: (Int, Int, Int)?
    /// Upper bound as (year, month, day), inclusive (to the end of that day); nil = open.
    public let upper: (Int, Int, Int)?
    public let text: String

    public static func == (a: DateRange, b: DateRange) -> Bool { a.text == b.text }

    /// Parses a range; `option` names the flag in errors.
    public init(_ text: String, option: String) throws {
        self.text = text
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2 || parts.count == 1 else { throw HensError.invalid(option, "a date range such as 1979..2015 or 2018.., got '\(text)'") }
        func parse(_ s: String, end: Bool) throws -> (Int, Int, Int)? {
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return nil }
            let f = t.split(separator: "-").map { Int($0) }
            guard (1...3).contains(f.count), f.allSatisfy({ $0 != nil }) else {
                throw HensError.invalid(option, "dates as YYYY, YYYY-MM or YYYY-MM-DD, got '\(t)'")
            }
            let v = f.map { $0! }
            guard v.count < 2 || (1...12).contains(v[1]), v.count < 3 || (1...31).contains(v[2]) else {
                throw HensError.invalid(option, "dates with months 1…12 and days 1…31, got '\(t)'")
            }
            if end { return (v[0], v.count > 1 ? v[1] : 12, v.count > 2 ? v[2] : 31) }
            return (v[0], v.count > 1 ? v[1] : 1, v.count > 2 ? v[2] : 1)
        }
        lower = try parse(parts[0], end: false)
        upper = try parse(parts.count == 2 ? parts[1] : parts[0], end: true)
    }

    /// Whether the two ranges share at least one day (open ends reach without limit).
    public func overlaps(_ other: DateRange) -> Bool {
        if let u = upper, let l = other.lower, u < l { return false }
        if let u = other.upper, let l = lower, u < l { return false }
        return true
    }

    /// Whether a date falls in the range.
    public func contains(year: Int, month: Int, day: Int) -> Bool {
        if let l = lower, (year, month, day) < l { return false }
        if let u = upper, (year, month, day) > u { return false }
        return true
    }
}
