import Foundation
import Plot

/// The HTML page of a report: the run's description, the headline scores, and every figure as
/// inline SVG with a caption and a link to its PNG. Self-contained: no scripts, no network,
/// styles inline.
public struct ReportPage {
    /// One drawn figure.
    public struct Drawn: Sendable {
        /// The figure.
        public var figure: Figure
        /// Its SVG, ready to inline (`InlineSVG`).
        public var svg: String
        /// Path of its PNG relative to the page.
        public var png: String

        /// A drawn figure.
        public init(figure: Figure, svg: String, png: String) {
            self.figure = figure
            self.svg = svg
            self.png = png
        }
    }

    /// Page title.
    public var title: String
    /// Facts about the run, as (term, description) pairs.
    public var facts: [(String, String)]
    /// The headline table: column headings and rows of cells.
    public var headline: (lead: Double, columns: [String], rows: [[String]])
    /// The figures, in page order.
    public var figures: [Drawn]
    /// Why a section has fewer plots than usual (no checkpoints, no model climate, …).
    public var notes: [ReportSection: [String]]
    /// Tables shown under a section's heading, before its figures.
    public var tables: [ReportSection: [ReportTable]] = [:]

    /// The document.
    public func html() -> String {
        let sections = ReportSection.allCases.filter { s in figures.contains { $0.figure.section == s } || notes[s] != nil || tables[s] != nil }
        let page = HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .element(named: "title", text: title),
                .style(Self.css)
            ),
            .body(
                .header(.h1(.text(title)), .p(.class("generated"), .text("Made by hens report on \(Self.timestamp()).")),
                        .nav(.ul(.li(.a(.href("#run"), .text("The run"))),
                                 .forEach(sections) { .li(.a(.href("#\($0.rawValue)"), .text($0.heading))) }))),
                .section(.id("run"), .h2("The run"),
                         .dl(.forEach(facts) { .group(.dt(.text($0.0)), .dd(.text($0.1))) }),
                         .h3(.text("Headline scores at lead \(hours(headline.lead)), global")),
                         .table(.class("headline"),
                                .tr(.forEach(headline.columns) { .th(.text($0)) }),
                                .forEach(headline.rows) { row in .tr(.forEach(row) { .td(.text($0)) }) })),
                .forEach(sections) { section in
                    .section(.id(section.rawValue), .h2(.text(section.heading)),
                             .forEach(notes[section] ?? []) { .p(.class("note"), .text($0)) },
                             .forEach(tables[section] ?? []) { table in
                                 .group(.h3(.text(table.title)),
                                        .table(.class("headline"),
                                               .tr(.forEach(table.columns) { .th(.text($0)) }),
                                               .forEach(table.rows) { row in .tr(.forEach(row) { .td(.text($0)) }) }))
                             },
                             .div(.class("figures"), .forEach(figures.filter { $0.figure.section == section }) { drawn in
                                 .element(named: "figure", nodes: [
                                     .id("fig-\(drawn.figure.id)"),
                                     .data(named: "plot", value: drawn.figure.id),
                                     .raw(drawn.svg),
                                     .element(named: "figcaption", nodes: [
                                         .text(drawn.figure.caption + " "),
                                         .a(.href(drawn.png), .text("PNG")),
                                     ]),
                                 ])
                             }))
                },
                .footer(.p(.text("Plots drawn with gnuplot; each figure's script (figures/ID.gp) redraws it.")))
            )
        )
        return page.render(indentedBy: .spaces(1))
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    static let css = """
    body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1400px;padding:0 1.5em;color:#222}
    h1{margin-bottom:.2em} .generated{color:#666;margin-top:0}
    nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1.2em}
    dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em} dt{font-weight:bold} dd{margin:0}
    table.headline{border-collapse:collapse;margin:.5em 0 1.5em} table.headline th,table.headline td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
    table.headline td:first-child,table.headline th:first-child{text-align:left}
    .figures{display:flex;flex-wrap:wrap;gap:1em}
    figure{margin:0;flex:1 1 540px;max-width:680px} figure svg{width:100%;height:auto;display:block}
    figcaption{font-size:.85em;color:#444} .note{color:#8a4b00}
    footer{margin:2em 0;color:#666;font-size:.85em}
    """
}
