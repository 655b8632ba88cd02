import XCTest
@testable import DatasetIO

final class CFTimeTests: XCTestCase {
    func iso(_ units: String, _ value: Double, _ calendar: String? = nil) throws -> String {
        let u = try CFTimeUnits(units, calendar: CFCalendar(attribute: calendar))
        return u.isoString(seconds: u.seconds(value))
    }

    func testCommonUnitsAndReferenceFormats() throws {
        XCTAssertEqual(try iso("hours since 1900-01-01 00:00:00.0", 1_025_616), "2017-01-01T00:00:00")     // old CDS
        XCTAssertEqual(try iso("seconds since 1970-01-01", 1_483_272_000), "2017-01-01T12:00:00")           // new CDS
        XCTAssertEqual(try iso("hours since 1800-1-1 00:00:0.0", 1_877_184 + 18), "2014-02-24T18:00:00")    // NCEP
        XCTAssertEqual(try iso("days since 2000-01-01T06:00:00Z", 1.5), "2000-01-02T18:00:00")
        XCTAssertEqual(try iso("minutes since 2000-03-01 00:00", -1), "2000-02-29T23:59:00")
        XCTAssertEqual(try iso("hour since 1980-01-14 14:00:00", 24), "1980-01-15T14:00:00")
    }

    func testCalendars() throws {
        XCTAssertEqual(try iso("days since 2000-01-01", 365, "noleap"), "2001-01-01T00:00:00")
        XCTAssertEqual(try iso("days since 2000-01-01", 365, "gregorian"), "2000-12-31T00:00:00")
        XCTAssertEqual(try iso("days since 2000-01-01", 366, "all_leap"), "2001-01-01T00:00:00")
        XCTAssertEqual(try iso("days since 2000-01-01", 30, "360_day"), "2000-02-01T00:00:00")
        XCTAssertEqual(try iso("days since 2000-02-29", 1, "360_day"), "2000-02-30T00:00:00")
        // Julian and the standard calendar agree before 1582 and differ after.
        XCTAssertEqual(try iso("days since 1500-02-28", 1, "julian"), "1500-02-29T00:00:00")
        XCTAssertEqual(try iso("days since 1500-02-28", 1, "standard"), "1500-02-29T00:00:00")
        XCTAssertEqual(try iso("days since 1500-02-28", 1, "proleptic_gregorian"), "1500-03-01T00:00:00")
        XCTAssertEqual(try iso("days since 1582-10-04", 1, "standard"), "1582-10-15T00:00:00") // the Gregorian switch
        XCTAssertEqual(try iso("hours since 1-1-1 00:00:0.0", 24, "standard"), "0001-01-02T00:00:00")
        XCTAssertEqual(try iso("days since 0000-01-01", 366, "proleptic_gregorian"), "0001-01-01T00:00:00")
    }

    func testRefusals() {
        XCTAssertThrowsError(try iso("months since 1958-1-1", 1))
        XCTAssertThrowsError(try iso("days", 1))
        XCTAssertThrowsError(try iso("fortnights since 2000-01-01", 1))
        XCTAssertThrowsError(try iso("hour since 0000-01-01", 1, "standard")) { error in
            XCTAssertTrue("\(error)".contains("year 0"))
        }
        XCTAssertThrowsError(try iso("days since 2001-02-29", 1, "noleap"))
        XCTAssertThrowsError(try CFCalendar(attribute: "lunar"))
    }
}
