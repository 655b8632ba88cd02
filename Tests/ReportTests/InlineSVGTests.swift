import XCTest
@testable import Report

final class InlineSVGTests: XCTestCase {
    func testIdsAndReferencesArePrefixedAndColoursKept() {
        let document = """
        <?xml version="1.0" encoding="utf-8"  standalone="no"?>
        <svg viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg">
        <defs><circle id='gpDot' r='0.5'/><clipPath id="gpClip1"><rect/></clipPath></defs>
        <g id="gnuplot_canvas" clip-path="url(#gpClip1)"><use xlink:href='#gpDot' fill='#ffffff'/><use href="#gpDot" stroke="#000000"/></g>
        </svg>
        """
        let svg = InlineSVG.inline(document, prefix: "f3", label: "z < 5 & \"q\"")
        XCTAssertTrue(svg.hasPrefix("<svg role=\"img\" aria-label=\"z &lt; 5 &amp; &quot;q&quot;\""), svg)
        XCTAssertFalse(svg.contains("<?xml"))
        for expected in ["id='f3-gpDot'", "id=\"f3-gpClip1\"", "id=\"f3-gnuplot_canvas\"", "url(#f3-gpClip1)", "href='#f3-gpDot'", "href=\"#f3-gpDot\"",
                         "fill='#ffffff'", "stroke=\"#000000\""] {
            XCTAssertTrue(svg.contains(expected), "missing \(expected) in \(svg)")
        }
        XCTAssertEqual(InlineSVG.inline("not svg", prefix: "f", label: ""), "")
    }
}
