import HensCore
import XCTest

/// The text of the error `body` throws, or "no error" when it returns: lets a test assert on
/// what a user would read.
public func errorMessage(_ body: () throws -> Any) -> String {
    do { _ = try body(); return "no error" } catch { return "\(error)" }
}

/// Asserts that `body` throws a one-line `HensError` (of `kind`, when given) whose message
/// contains every word of `words` — the contract of every error a user can meet.
public func assertThrows(_ body: @autoclosure () throws -> some Any, kind: HensError.Kind? = nil, mentioning words: [String],
                         file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let e = error as? HensError else { return XCTFail("not a HensError: \(error)", file: file, line: line) }
        if let kind { XCTAssertEqual(e.kind, kind, file: file, line: line) }
        XCTAssertFalse(e.message.contains("\n"), "one line: \(e.message)", file: file, line: line)
        for w in words { XCTAssertTrue(e.message.contains(w), "“\(e.message)” should mention \(w)", file: file, line: line) }
    }
}
