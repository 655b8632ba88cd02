import XCTest
@testable import Report

final class GnuplotScriptTests: XCTestCase {
    func testChartScriptHasDataLabelsAndBothOutputs() {
        let chart = Chart(xLabel: "lead (h)", yLabel: "CRPS (m2 s-2)",
                          series: [Series("CRPS", x: [0, 6, 12], y: [1, .nan, 3]), Series("say \"hi\"", x: [0, 12], y: [2, 2], style: .dashed)])
        let figure = Figure(id: "skill-z", section: .skill, title: "z: skill", caption: "", content: .chart(chart))
        let script = GnuplotScript.script(for: figure, svg: "skill-z.svg", png: "skill-z.png")
        XCTAssertTrue(script.contains("$s0 << EOD\n0 1\n6 NaN\n12 3\nEOD"), script)
        XCTAssertTrue(script.contains("set xlabel \"lead (h)\""))
        XCTAssertTrue(script.contains("set ylabel \"CRPS (m2 s-2)\""))
        XCTAssertTrue(script.contains("title \"say \\\"hi\\\"\""), "quotes in titles are escaped")
        XCTAssertTrue(script.contains("dt 2"), "dashed series")
        XCTAssertTrue(script.contains("set terminal svg") && script.contains("set output \"skill-z.svg\""))
        XCTAssertTrue(script.contains("set terminal pngcairo") && script.contains("set output \"skill-z.png\""))
        XCTAssertTrue(script.contains("noenhanced"), "wind_speed must not turn into a subscript")
        XCTAssertEqual(script.components(separatedBy: "\nplot ").count, 3, "the plot is drawn once per terminal")
        XCTAssertFalse(script.contains("set yrange"), "lines keep gnuplot's automatic range")
        let bars = Chart(xLabel: "rank", yLabel: "frequency", series: [Series("ranks", x: [0, 1], y: [0.4, 0.6], style: .bars(width: 0.8))])
        let barScript = GnuplotScript.script(for: Figure(id: "r", section: .ranks, title: "r", caption: "", content: .chart(bars)), svg: "r.svg", png: "r.png")
        XCTAssertTrue(barScript.contains("set yrange [0:*]"), "bars start at zero")
    }

    func testLogAxesDropNonPositivePoints() {
        let chart = Chart(xLabel: "l", yLabel: "power", series: [Series("truth", x: [0, 1, 2], y: [5, 0, 4])], logX: true, logY: true)
        XCTAssertTrue(chart.hasData)
        let script = GnuplotScript.script(for: Figure(id: "s", section: .spectra, title: "s", caption: "", content: .chart(chart)), svg: "s.svg", png: "s.png")
        XCTAssertTrue(script.contains("$s0 << EOD\n0 NaN\n1 NaN\n2 4\nEOD"), script)
        XCTAssertTrue(script.contains("set logscale x") && script.contains("set logscale y"))
        XCTAssertFalse(Chart(xLabel: "", yLabel: "", series: [Series("a", x: [1], y: [-1])], logY: true).hasData)
        XCTAssertFalse(Chart(xLabel: "", yLabel: "", series: [Series("a", x: [1], y: [.nan])]).hasData)
    }

    func testMapScriptRowsRangeAndDivergingPalette() {
        let map = MapField(latitudes: [45, -45], longitudes: [0, 90, 180, 270], values: [1, 2, 3, 4, -8, 6, 7, .nan],
                           colorLabel: "EFI (1)", palette: .diverging)
        let script = GnuplotScript.script(for: Figure(id: "m", section: .maps, title: "m", caption: "", content: .map(map)), svg: "m.svg", png: "m.png")
        XCTAssertTrue(script.contains("$field << EOD\n0 45 1\n90 45 2\n180 45 3\n270 45 4\n\n0 -45 -8\n"), script)
        XCTAssertTrue(script.contains("270 -45 NaN"))
        XCTAssertTrue(script.contains("set cbrange [-8:8]"), "a diverging scale is symmetric about 0")
        XCTAssertTrue(script.contains("set xrange [-45:315]"), "cells are centred on their longitudes")
        XCTAssertTrue(script.contains("set yrange [-90:90]"))
        XCTAssertTrue(script.contains("set cblabel \"EFI (1)\""))
        XCTAssertTrue(script.contains("with image"))
    }

    func testNumbersAreExactForIntegersAndSevenDigitsOtherwise() {
        XCTAssertEqual(GnuplotScript.number(12), "12")
        XCTAssertEqual(GnuplotScript.number(-0.000123456789), "-0.0001234568")
        XCTAssertEqual(GnuplotScript.number(.infinity), "NaN")
    }
}
