import Foundation

/// The gnuplot program that draws one `Figure` twice: as SVG (inlined in the HTML report) and as
/// PNG (for slides and mail).
///
/// Data go into the script as datablocks, so a kept script redraws its plot on its own
/// (`gnuplot ID.gp`). Text is drawn `noenhanced`: channel names such as `wind_speed` and CF
/// units such as `m2 s-2` must appear as written, not as sub- and superscripts.
public enum GnuplotScript {
    /// Line colours, in series order when a series names none (Tableau 10: distinct in print
    /// and for the common colour-vision deficiencies).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The script for `figure`, writing `svg` and `png` (paths relative to gnuplot's working
    /// directory).
    public static func script(for figure: Figure, svg: String, png: String) -> String {
        var lines = [
            // NaN is not declared `missing`: as plain NaN, gnuplot breaks lines there and leaves
            // map cells blank, whereas a `missing` marker joins lines across it and corrupts images.
            "# \(figure.title) — drawn by hens report; `gnuplot \(figure.id).gp` redraws it.",
        ]
        let plot: String
        switch figure.content {
        case .chart(let chart): plot = chartCommands(chart, into: &lines)
        case .map(let map): plot = mapCommands(map, into: &lines)
        }
        lines.append("set title \(quoted(figure.title))")
        let font = "font \"DejaVu Sans,11\""
        lines += [
            "set terminal svg size \(figure.width),\(figure.height) dynamic noenhanced \(font) background \"white\"",
            "set output \(quoted(svg))",
            plot,
            "set terminal pngcairo size \(figure.width),\(figure.height) noenhanced \(font) background \"white\"",
            "set output \(quoted(png))",
            plot,
            "unset output",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Axis settings and datablocks of a chart; returns its `plot` command.
    static func chartCommands(_ chart: Chart, into lines: inout [String]) -> String {
        var terms: [String] = []
        for (k, s) in chart.series.enumerated() {
            let name = "$s\(k)"
            lines.append("\(name) << EOD")
            for (x, y) in zip(s.x, s.y) {
                let drawable = (!chart.logX || x > 0) && (!chart.logY || y > 0)
                lines.append("\(number(x)) \(drawable ? number(y) : "NaN")")
            }
            lines.append("EOD")
            let color = s.color ?? palette[k % palette.count]
            let with: String
            switch s.style {
            case .line: with = "using 1:2 with lines lw 2"
            case .linePoints: with = "using 1:2 with linespoints lw 2 pt 7 ps 0.6"
            case .dashed: with = "using 1:2 with lines lw 1.5 dt 2"
            case .dashedPoints: with = "using 1:2 with linespoints lw 1.5 dt 2 pt 7 ps 0.6"
            case .dotted: with = "using 1:2 with lines lw 2 dt 3"
            case .bars(let width): with = "using 1:2:(\(number(width))) with boxes fs solid 0.5 border"
            }
            terms.append("\(name) \(with) lc rgb \"\(color)\" title \(quoted(s.title))")
        }
        lines += [
            "set xlabel \(quoted(chart.xLabel))",
            "set ylabel \(quoted(chart.yLabel))",
            "set grid lc rgb \"#dddddd\"",
            "set key \(chart.legend) samplen 2\(chart.legend == "below" ? " maxrows 3" : "")",
            "set border 3 lc rgb \"#444444\"",
            "set tics nomirror",
        ]
        // Log axes label powers of ten as 1e+06, not 1000000.0000002.
        if chart.logX { lines += ["set logscale x", "set format x \"%g\""] }
        if chart.logY { lines += ["set logscale y", "set format y \"%.0e\""] }
        if let r = chart.xRange { lines.append("set xrange [\(number(r.lowerBound)):\(number(r.upperBound))]") }
        if let r = chart.yRange {
            lines.append("set yrange [\(number(r.lowerBound)):\(number(r.upperBound))]")
        } else if chart.series.contains(where: { if case .bars = $0.style { true } else { false } }) {
            // Bars are read by their height: the axis must start at zero.
            lines.append("set yrange [0:*]")
        }
        return "plot " + terms.joined(separator: ", \\\n     ")
    }

    /// Axis, palette and the datablock of a map; returns its `plot` command.
    static func mapCommands(_ map: MapField, into lines: inout [String]) -> String {
        lines.append("$field << EOD")
        let nlon = map.longitudes.count
        for (r, lat) in map.latitudes.enumerated() {
            for (c, lon) in map.longitudes.enumerated() {
                lines.append("\(number(lon)) \(number(lat)) \(number(map.values[r * nlon + c]))")
            }
            lines.append("")
        }
        lines.append("EOD")
        let dlon = nlon > 1 ? map.longitudes[1] - map.longitudes[0] : 1
        let lats = map.latitudes.sorted()
        let dlat = lats.count > 1 ? lats[1] - lats[0] : 1
        let finite = map.values.filter(\.isFinite)
        var range = map.range ?? ((finite.min() ?? 0)...(finite.max() ?? 1))
        if map.range == nil && map.palette == .diverging {
            let m = max(abs(range.lowerBound), abs(range.upperBound))
            range = -m...m
        }
        if range.upperBound <= range.lowerBound { range = (range.lowerBound - 1)...(range.upperBound + 1) }
        let colours = map.palette == .diverging
            ? "0 \"#3b4cc0\", 0.5 \"#f7f7f7\", 1 \"#b40426\""
            : "0 \"#440154\", 0.25 \"#3b528b\", 0.5 \"#21918c\", 0.75 \"#5ec962\", 1 \"#fde725\""
        lines += [
            "set xlabel \"longitude (degrees east)\"",
            "set ylabel \"latitude (degrees north)\"",
            "set cblabel \(quoted(map.colorLabel))",
            "set xrange [\(number(map.longitudes[0] - dlon / 2)):\(number(map.longitudes[nlon - 1] + dlon / 2))]",
            "set yrange [\(number(max(-90, lats[0] - dlat / 2))):\(number(min(90, lats[lats.count - 1] + dlat / 2)))]",
            "set cbrange [\(number(range.lowerBound)):\(number(range.upperBound))]",
            "set palette defined (\(colours))",
            "set tics out nomirror",
            "set xtics 60",
            "set ytics 30",
        ]
        return "plot $field using 1:2:3 with image notitle"
    }

    /// A number as gnuplot reads it; NaN and infinities become the missing-value marker.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "NaN" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.7g", v)
    }

    /// A gnuplot double-quoted string (backslashes and quotes escaped, one line).
    static func quoted(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ")
        return "\"\(escaped)\""
    }
}
