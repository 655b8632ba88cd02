import Foundation
import HensCore

/// A CF time axis: "<unit> since <reference>" in a calendar, decoded to dates.
public struct CFTimeUnits: Sendable, Equatable {
    /// Seconds per unit (s, min, h, d; months and years are refused: not fixed lengths).
    public let secondsPerUnit: Double
    public let calendar: CFCalendar
    /// Reference date as seconds since 1970-01-01 00:00:00 counted in `calendar`.
    public let referenceSeconds: Double
    /// The units text as given.
    public let text: String

    /// Parses CF time units, e.g. `hours since 1900-01-01 00:00:00.0`,
    /// `seconds since 1970-01-01`, `days since 1-1-1 00:00:0.0`, `hours since 2000-01-01T06:00:00Z`.
    public init(_ units: String, calendar: CFCalendar) throws {
        text = units
        self.calendar = calendar
        let parts = units.trimmingCharacters(in: .whitespaces).components(separatedBy: " since ")
        guard parts.count == 2 else {
            throw HensError(.badInput, "time units '\(units)': expected '<unit> since <date>' (CF)")
        }
        switch parts[0].trimmingCharacters(in: .whitespaces).lowercased() {
        case "s", "sec", "secs", "second", "seconds": secondsPerUnit = 1
        case "min", "mins", "minute", "minutes": secondsPerUnit = 60
        case "h", "hr", "hrs", "hour", "hours": secondsPerUnit = 3600
        case "d", "day", "days": secondsPerUnit = 86_400
        case let u where ["month", "months", "year", "years", "yr", "common_year", "common_years"].contains(u):
            throw HensError(.badInput, "time units '\(units)': '\(u)' is not a fixed length of time; hens needs seconds, minutes, hours or days")
        case let u:
            throw HensError(.badInput, "time units '\(units)': unknown unit '\(u)'")
        }
        let (day, seconds) = try Self.parseReference(parts[1], units: units, calendar: calendar)
        let epoch = try calendar.dayNumber(year: 1970, month: 1, day: 1)
        referenceSeconds = Double(day - epoch) * 86_400 + seconds
    }

    /// Seconds since 1970-01-01 00:00:00 (in the calendar) of a raw time value.
    public func seconds(_ value: Double) -> Double { referenceSeconds + value * secondsPerUnit }

    /// The calendar date and seconds of day of seconds since 1970-01-01 in the calendar.
    ///
    /// A time beyond ±30 million years (or not a number: a damaged file) is clamped to that
    /// range, so that printing it in a message can never trap on the integer conversion.
    public func date(seconds unclamped: Double) -> (year: Int, month: Int, day: Int, secondsOfDay: Double) {
        let seconds = unclamped.isFinite ? min(max(unclamped, -1e15), 1e15) : 0
        let epoch = (try? calendar.dayNumber(year: 1970, month: 1, day: 1)) ?? 0
        let days = Int((seconds / 86_400).rounded(.down))
        let (y, m, d) = calendar.date(dayNumber: epoch + days)
        return (y, m, d, seconds - Double(days) * 86_400)
    }

    /// An ISO-like date string for seconds since 1970 in the calendar.
    public func isoString(seconds: Double) -> String {
        let (y, m, d, rest) = date(seconds: seconds)
        let s = Int(rest.rounded())
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, s / 3600, s % 3600 / 60, s % 60)
    }

    /// Parses `Y-M-D[( |T)h:m[:s[.f]]][Z| UTC|+00:00]` into (day number, seconds of day).
    static func parseReference(_ text: String, units: String, calendar: CFCalendar) throws -> (Int, Double) {
        var t = text.trimmingCharacters(in: .whitespaces)
        for zone in ["Z", " UTC", " utc", "+00:00", " +00:00", "+0000", " 00:00"] where t.hasSuffix(zone) && t.count > 10 {
            t.removeLast(zone.count)
        }
        let pieces = t.replacingOccurrences(of: "T", with: " ").split(separator: " ", omittingEmptySubsequences: true)
        guard let datePart = pieces.first, pieces.count <= 2 else {
            throw HensError(.badInput, "time units '\(units)': cannot read the reference date '\(text)'")
        }
        let ymd = datePart.split(separator: "-").map { Int($0) }
        guard ymd.count == 3, let y = ymd[0], let m = ymd[1], let d = ymd[2] else {
            throw HensError(.badInput, "time units '\(units)': cannot read the reference date '\(text)' (expected year-month-day)")
        }
        var seconds = 0.0
        if pieces.count == 2 {
            let hms = pieces[1].split(separator: ":").map { Double($0) }
            guard (1...3).contains(hms.count), hms.allSatisfy({ $0 != nil }) else {
                throw HensError(.badInput, "time units '\(units)': cannot read the reference time of day '\(pieces[1])'")
            }
            let v = hms.map { $0! }
            seconds = v[0] * 3600 + (v.count > 1 ? v[1] * 60 : 0) + (v.count > 2 ? v[2] : 0)
        }
        do {
            return (try calendar.dayNumber(year: y, month: m, day: d), seconds)
        } catch let e as HensError {
            throw HensError(.badInput, "time units '\(units)': \(e.message)")
        }
    }
}
