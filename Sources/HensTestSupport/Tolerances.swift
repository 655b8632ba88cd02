import XCTest

/// The largest |aᵢ| (0 for an empty array).
public func maxAbs<T: BinaryFloatingPoint>(_ a: [T]) -> Double {
    a.reduce(0.0) { max($0, abs(Double($1))) }
}

/// The largest |aᵢ − bᵢ| over the common prefix (arrays of different lengths fail `assertClose`).
public func maxAbsDifference<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Double {
    zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
}

/// Asserts equal lengths and max |aᵢ − bᵢ| ≤ `tolerance`, reporting the worst index.
public func assertClose<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], tolerance: Double, _ what: String = "",
                                               file: StaticString = #filePath, line: UInt = #line) {
    guard a.count == b.count else {
        return XCTFail("\(what): \(a.count) values against \(b.count)", file: file, line: line)
    }
    var worst = 0.0, at = 0
    for i in a.indices {
        let d = abs(Double(a[i]) - Double(b[i]))
        if !(d <= worst) { worst = d; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(what): worst at index \(at): \(a.isEmpty ? 0 : Double(a[at])) vs \(b.isEmpty ? 0 : Double(b[at]))",
                             file: file, line: line)
}
