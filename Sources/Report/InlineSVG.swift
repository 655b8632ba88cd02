import Foundation

/// Makes gnuplot's SVG documents fit to sit inline in one HTML page.
///
/// Each SVG defines the same ids (`gpDot`, `gpPt0`, `gnuplot_canvas`, …); in one HTML document
/// ids must be unique, or every plot's markers would resolve to the first plot's definitions.
/// So every `id` attribute, and every reference to one (`href='#…'`, `url(#…)`), gets the
/// figure's prefix.
public enum InlineSVG {
    /// `id=` as an attribute (after whitespace), not inside a value such as base64 image data.
    private static let idAttribute = try! NSRegularExpression(pattern: #"(\s)id=(['"])"#)

    /// The `<svg>` element of `document` (XML prolog and doctype dropped) with ids prefixed by
    /// `prefix` and an accessible name `label`.
    public static func inline(_ document: String, prefix: String, label: String) -> String {
        guard let start = document.range(of: "<svg") else { return "" }
        var svg = String(document[start.lowerBound...])
        svg = idAttribute.stringByReplacingMatches(in: svg, range: NSRange(svg.startIndex..., in: svg),
                                                   withTemplate: "$1id=$2\(NSRegularExpression.escapedTemplate(for: prefix))-")
        for (from, to) in [("href='#", "href='#\(prefix)-"), ("href=\"#", "href=\"#\(prefix)-"), ("url(#", "url(#\(prefix)-")] {
            svg = svg.replacingOccurrences(of: from, with: to)
        }
        let escaped = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;")
        return svg.replacingOccurrences(of: "<svg", with: "<svg role=\"img\" aria-label=\"\(escaped)\"", options: [], range: svg.range(of: "<svg"))
    }
}
