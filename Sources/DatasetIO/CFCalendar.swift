import HensCore

/// A CF calendar (CF-1.11 §4.4.1). `standard` (alias `gregorian`) is Julian before
/// 1582-10-15 and Gregorian from then on; the others count days by their own rules.
public enum CFCalendar: String, CaseIterable, Sendable {
    case standard
    case proleptic_gregorian
    case julian
    case noleap
    case all_leap
    case days360 = "360_day"

    /// Parses a calendar attribute (case-insensitive; CF aliases accepted). Missing → standard.
    public init(attribute: String?) throws {
        switch (attribute ?? "standard").lowercased().trimmingCharacters(in: .whitespaces) {
        case "standard", "gregorian", "": self = .standard
        case "proleptic_gregorian": self = .proleptic_gregorian
        case "julian": self = .julian
        case "noleap", "365_day": self = .noleap
        case "all_leap", "366_day": self = .all_leap
        case "360_day": self = .days360
        case let other:
            throw HensError(.badInput, "calendar '\(other)' is not supported (standard, gregorian, proleptic_gregorian, julian, noleap, 365_day, all_leap, 366_day, 360_day)")
        }
    }

    /// Whether `year` is a leap year in this calendar.
    func isLeap(_ year: Int) -> Bool {
        switch self {
        case .proleptic_gregorian: return gregorianLeap(year)
        case .julian: return year % 4 == 0
        case .standard: return year < 1583 ? year % 4 == 0 : gregorianLeap(year)
        case .noleap, .days360: return false
        case .all_leap: return true
        }
    }

    private func gregorianLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    /// Days in a month of a year.
    func daysInMonth(_ year: Int, _ month: Int) -> Int {
        if self == .days360 { return 30 }
        let lengths = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return lengths[month - 1]
    }

    /// A continuous day count for a date (any fixed origin; only differences matter).
    /// - Throws: for dates that do not exist in this calendar.
    public func dayNumber(year: Int, month: Int, day: Int) throws -> Int {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else {
            throw HensError(.badInput, "date \(year)-\(month)-\(day) does not exist in the \(rawValue) calendar")
        }
        switch self {
        case .days360:
            return year * 360 + (month - 1) * 30 + (day - 1)
        case .noleap, .all_leap:
            let perYear = self == .noleap ? 365 : 366
            var n = year * perYear
            for m in 1..<month { n += daysInMonth(year, m) }
            return n + day - 1
        case .proleptic_gregorian:
            return Self.gregorianDays(year, month, day)
        case .julian:
            return Self.julianDays(year, month, day)
        case .standard:
            if year == 0 { throw HensError(.badInput, "year 0 does not exist in the standard calendar (use proleptic_gregorian)") }
            if (year, month, day) >= (1582, 10, 15) { return Self.gregorianDays(year, month, day) }
            if (year, month, day) > (1582, 10, 4) {
                throw HensError(.badInput, "date \(year)-\(month)-\(day) falls in the 1582 Julian–Gregorian gap of the standard calendar")
            }
            return Self.julianDays(year, month, day)
        }
    }

    /// The date of a day number (inverse of `dayNumber`).
    public func date(dayNumber n: Int) -> (year: Int, month: Int, day: Int) {
        switch self {
        case .days360:
            let year = Int((Double(n) / 360).rounded(.down)), rest = n - year * 360
            return (year, rest / 30 + 1, rest % 30 + 1)
        case .noleap, .all_leap:
            let perYear = self == .noleap ? 365 : 366
            let year = Int((Double(n) / Double(perYear)).rounded(.down))
            var rest = n - year * perYear, month = 1
            while rest >= daysInMonth(year, month) { rest -= daysInMonth(year, month); month += 1 }
            return (year, month, rest + 1)
        case .proleptic_gregorian: return Self.gregorianDate(n)
        case .julian: return Self.julianDate(n)
        case .standard: return n >= Self.gregorianDays(1582, 10, 15) ? Self.gregorianDate(n) : Self.julianDate(n)
        }
    }

    // Day counts on the Julian Day Number scale (JDN − 2440588 = days since 1970-01-01 Gregorian).
    static func gregorianDays(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let a = (14 - m) / 12, yy = y + 4800 - a, mm = m + 12 * a - 3
        return d + (153 * mm + 2) / 5 + 365 * yy + floorDiv(yy, 4) - floorDiv(yy, 100) + floorDiv(yy, 400) - 32045
    }

    static func julianDays(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let a = (14 - m) / 12, yy = y + 4800 - a, mm = m + 12 * a - 3
        return d + (153 * mm + 2) / 5 + 365 * yy + floorDiv(yy, 4) - 32083
    }

    static func gregorianDate(_ jdn: Int) -> (Int, Int, Int) {
        let a = jdn + 32044, b = floorDiv(4 * a + 3, 146_097), c = a - floorDiv(146_097 * b, 4)
        let d = floorDiv(4 * c + 3, 1461), e = c - floorDiv(1461 * d, 4), m = floorDiv(5 * e + 2, 153)
        return (100 * b + d - 4800 + m / 10, m + 3 - 12 * (m / 10), e - (153 * m + 2) / 5 + 1)
    }

    static func julianDate(_ jdn: Int) -> (Int, Int, Int) {
        let c = jdn + 32082, d = floorDiv(4 * c + 3, 1461), e = c - floorDiv(1461 * d, 4), m = floorDiv(5 * e + 2, 153)
        return (d - 4800 + m / 10, m + 3 - 12 * (m / 10), e - (153 * m + 2) / 5 + 1)
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { Int((Double(a) / Double(b)).rounded(.down)) }
}
