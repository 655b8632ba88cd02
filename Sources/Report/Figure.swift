/// One plot of the report: a chart of lines, points or bars, or a map of one field.
///
/// Figures are plain values built from the run's files (`ReportFigures`) and rendered by
/// gnuplot (`GnuplotScript`, `GnuplotRenderer`), so the choice of what to show stays testable
/// without any rendering.
public struct Figure: Equatable, Sendable {
    /// Stable identifier: the HTML anchor and the PNG's file name (`[a-z0-9-]`).
    public var id: String
    /// Report section the figure belongs to.
    public var section: ReportSection
    /// Title drawn above the plot.
    public var title: String
    /// Caption under the plot in the HTML report.
    public var caption: String
    /// What is drawn.
    public var content: Content
    /// Size in pixels (PNG) and in SVG user units.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// What a figure draws.
    public enum Content: Equatable, Sendable {
        /// Series against shared axes.
        case chart(Chart)
        /// One field on a latitude–longitude grid.
        case map(MapField)
    }

    /// A figure; see the properties.
    public init(id: String, section: ReportSection, title: String, caption: String, content: Content,
                width: Int = 640, height: Int = 400) {
        self.id = id
        self.section = section
        self.title = title
        self.caption = caption
        self.content = content
        self.width = width
        self.height = height
    }
}

extension Array where Element == Figure {
    /// Appends a chart figure, unless the chart has nothing to draw (a score the run lacks):
    /// the report shows no empty axes.
    mutating func appendChart(id: String, section: ReportSection, title: String, caption: String, _ chart: Chart,
                              width: Int = 640, height: Int = 400) {
        guard chart.hasData else { return }
        append(Figure(id: id, section: section, title: title, caption: caption, content: .chart(chart), width: width, height: height))
    }
}

/// The report's sections, in page order.
public enum ReportSection: String, CaseIterable, Codable, Sendable {
    case comparison, skill, dispersion, ranks, probabilities, spectra, maps, training

    /// Heading of the section.
    public var heading: String {
        switch self {
        case .comparison: "Methods compared"
        case .skill: "Skill against lead time"
        case .dispersion: "Spread and skill"
        case .ranks: "Rank histograms"
        case .probabilities: "Probabilities: reliability and ROC"
        case .spectra: "Power spectra"
        case .maps: "Maps of one case"
        case .training: "Training curves"
        }
    }
}

/// Series against shared x and y axes, with labels (units included) and a legend.
public struct Chart: Equatable, Sendable {
    /// x-axis label, with units.
    public var xLabel: String
    /// y-axis label, with units.
    public var yLabel: String
    /// The series, drawn in order.
    public var series: [Series]
    /// Logarithmic x axis (points with x ≤ 0 are left out).
    public var logX = false
    /// Logarithmic y axis (points with y ≤ 0 are left out).
    public var logY = false
    /// Fixed x range, or nil for automatic.
    public var xRange: ClosedRange<Double>?
    /// Fixed y range, or nil for automatic.
    public var yRange: ClosedRange<Double>?
    /// Where the legend goes, in gnuplot's words: `below` the plot (the default: it never
    /// hides data), or inside, e.g. `top left`, `bottom right`.
    public var legend = "below"

    /// A chart; see the properties.
    public init(xLabel: String, yLabel: String, series: [Series], logX: Bool = false, logY: Bool = false,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, legend: String = "below") {
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logX = logX
        self.logY = logY
        self.xRange = xRange
        self.yRange = yRange
        self.legend = legend
    }

    /// Whether any series has a point that can be drawn on these axes.
    public var hasData: Bool {
        series.contains { s in zip(s.x, s.y).contains { x, y in
            x.isFinite && y.isFinite && (!logX || x > 0) && (!logY || y > 0)
        } }
    }
}

/// One named series of (x, y) points; NaN marks a gap.
public struct Series: Equatable, Sendable {
    /// Legend entry.
    public var title: String
    /// x values.
    public var x: [Double]
    /// y values (same count as `x`).
    public var y: [Double]
    /// How the points are drawn.
    public var style: Style
    /// Colour as `#rrggbb`, or nil for the palette colour of the series' position.
    public var color: String?

    /// Drawing styles.
    public enum Style: Equatable, Sendable {
        /// Solid line.
        case line
        /// Solid line with a marker at every point.
        case linePoints
        /// Dashed line (references: climatology, persistence, the ideal value).
        case dashed
        /// Dashed line with a marker at every point.
        case dashedPoints
        /// Dotted line.
        case dotted
        /// Bars centred on x, of the given width.
        case bars(width: Double)
    }

    /// A black dashed horizontal line at `value` over `x` (an ideal or expected value).
    public static func reference(_ title: String, x: [Double], value: Double) -> Series {
        Series(title, x: x, y: x.map { _ in value }, style: .dashed, color: "#000000")
    }

    /// A black dashed diagonal from (0, 0) to (1, 1) (perfect reliability, a ROC without skill).
    public static func diagonal(_ title: String) -> Series {
        Series(title, x: [0, 1], y: [0, 1], style: .dashed, color: "#000000")
    }

    /// A series; `x` and `y` must have the same count.
    public init(_ title: String, x: [Double], y: [Double], style: Style = .linePoints, color: String? = nil) {
        precondition(x.count == y.count, "series '\(title)': \(x.count) x values but \(y.count) y values")
        self.title = title
        self.x = x
        self.y = y
        self.style = style
        self.color = color
    }
}

/// One field on a latitude–longitude grid, drawn as an image with a colour bar.
public struct MapField: Equatable, Sendable {
    /// Latitudes of the rows (any order), degrees north.
    public var latitudes: [Double]
    /// Longitudes of the columns (increasing), degrees east.
    public var longitudes: [Double]
    /// Values, row-major (`latitudes.count × longitudes.count`); NaN is drawn blank.
    public var values: [Double]
    /// Colour-bar label, with units.
    public var colorLabel: String
    /// Colour scale.
    public var palette: Palette
    /// Fixed colour range, or nil for the data's range.
    public var range: ClosedRange<Double>?

    /// Colour scales.
    public enum Palette: Equatable, Sendable {
        /// Dark to light (magnitudes: fields, spread).
        case sequential
        /// Blue–white–red around zero (anomalies, EFI).
        case diverging
    }

    /// A map; `values` must hold one value per grid point.
    public init(latitudes: [Double], longitudes: [Double], values: [Double], colorLabel: String,
                palette: Palette = .sequential, range: ClosedRange<Double>? = nil) {
        precondition(values.count == latitudes.count * longitudes.count, "map: \(values.count) values for a \(latitudes.count)×\(longitudes.count) grid")
        self.latitudes = latitudes
        self.longitudes = longitudes
        self.values = values
        self.colorLabel = colorLabel
        self.palette = palette
        self.range = range
    }
}
