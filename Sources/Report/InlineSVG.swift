import Foundation

/// Makes gnuplot's SVG documents fit to sit inline in one HTML page.
///
/// Each SVG defines the same ids (`gpDot`, `gpPt0`, `gnuplot_canvas`, …); in one HTML document
/// ids must be unique, or every plot's markers would resolve to the first plot's definitions.
/// So every `id`, and every reference to one (`href='#…'`, `url(#…)`), gets the figure's prefix.
public enum InlineSVG {
    /// The `<svg>` element of `document` (XML prolog and doctype dropped) with ids prefixed by
    /// `prefix` and an accessible name `label`.
    public static func inline(_ document: String, prefix: String, label: String) -> String {
        guard let start = document.range(of: "<svg") else { return "" }
        var svg = String(document[start.lowerBound...])
        for (from, to) in [("id='", "id='\(prefix)-"), ("id=\"", "id=\"\(prefix)-"),
                           ("href='#", "href='#\(prefix)-"), ("href=\"#", "href=\"#\(prefix)-"),
                           ("url(#", "url(#\(prefix)-")] {
            svg = svg.replacingOccurrences(of: from, with: to)
        }
        let escaped = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;")
        return svg.replacingOccurrences(of: "<svg", with: "<svg role=\"img\" aria-label=\"\(escaped)\"", options: [], range: svg.range(of: "<svg"))
    }
}
