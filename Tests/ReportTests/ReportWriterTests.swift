import HensCore
import XCTest
@testable import Report
import HensTestSupport

final class ReportWriterTests: XCTestCase {
    /// gnuplot from `make deps`; a machine without it cannot draw, which this suite reports.
    func renderer() throws -> GnuplotRenderer {
        do { return try GnuplotRenderer() } catch { throw XCTSkip("gnuplot not installed: \(error)") }
    }

    func testReportHasEveryFigureInlineWithItsPNGAndUniqueIds() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        try fixture.addTrainingLogs(seeds: [1, 2])
        let inputs = try ReportInputs(run: fixture.folder)
        XCTAssertEqual(inputs.checkpoints, fixture.folder + "/checkpoints")
        let out = fixture.folder + "/report/"
        var options = ReportOptions()
        options.headlineLead = 6
        let manifest = try ReportWriter(inputs: inputs, options: options, renderer: try renderer()).write(to: out, quiet: true)
        XCTAssertEqual(manifest.figures.count, 3 + 2 + 4 + 4 + 2 + 2, "skill, dispersion, ranks, probabilities, spectra, training")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        XCTAssertFalse(html.contains("<script"), "no JavaScript")
        XCTAssertNil(html.range(of: #"(src|href)=['"]https?:"#, options: .regularExpression), "no network resources")
        var prefixes = Set<String>()
        for entry in manifest.figures {
            guard let start = html.range(of: "<figure id=\"fig-\(entry.id)\""), let end = html.range(of: "</figure>", range: start.upperBound..<html.endIndex) else {
                return XCTFail("\(entry.id) not on the page")
            }
            let figure = html[start.lowerBound..<end.upperBound]
            XCTAssertTrue(figure.contains("<svg role=\"img\""), entry.id)
            // gnuplot repeats some ids inside one SVG; across figures none may be shared.
            let svgIds = try figure.matches(of: Regex("id=['\"]([^'\"]+)['\"]")).map { String(figure[$0.range].dropFirst(4).dropLast()) }.dropFirst()
            let figurePrefixes = Set(svgIds.map { $0.prefix { $0 != "-" } })
            XCTAssertEqual(figurePrefixes.count, 1, "\(entry.id): ids \(figurePrefixes)")
            XCTAssertTrue(prefixes.insert(figurePrefixes.first.map(String.init) ?? "").inserted, "\(entry.id) shares its id prefix")
            XCTAssertTrue(figure.contains("href=\"\(entry.png)\""), entry.id)
            let png = try Data(contentsOf: URL(fileURLWithPath: out + "/" + entry.png))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(entry.png) is a PNG")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/figures/\(entry.id).gp"), "the script is kept")
        }
        XCTAssertTrue(html.contains("Headline scores at lead 6 h"))
        XCTAssertTrue(html.contains("No maps"), "the missing forecast is explained")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fixture.folder).filter { $0.contains(".tmp-") || $0.contains(".old-") }, [])
    }

    func testMissingCheckpointsAreExplained() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        _ = try ReportWriter(inputs: try ReportInputs(run: fixture.folder), options: ReportOptions(), renderer: try renderer())
            .write(to: fixture.folder + "/report", quiet: true)
        XCTAssertTrue(try String(contentsOfFile: fixture.folder + "/report/index.html", encoding: .utf8).contains("No training curves"))
    }

    /// Missing values break lines and blank map cells; an all-missing map still draws.
    func testGnuplotDrawsMissingValues() throws {
        let folder = try temporaryFolder("hens-gnuplot")
        let renderer = try renderer()
        let grid = (lat: [60.0, 0, -60], lon: [0.0, 90, 180, 270])
        for (id, values) in [("some-nan", [1, 2, .nan, 4, 5, 6, 7, 8, 9, .nan, 11, 12]), ("all-nan", [Double](repeating: .nan, count: 12))] {
            let map = MapField(latitudes: grid.lat, longitudes: grid.lon, values: values, colorLabel: "m")
            let output = try renderer.render(Figure(id: id, section: .maps, title: id, caption: "", content: .map(map)), in: folder)
            XCTAssertTrue(output.svg.contains("<svg"), id)
        }
        let chart = Chart(xLabel: "x", yLabel: "y", series: [Series("gap", x: [0, 1, 2, 3], y: [1, 2, .nan, 4])])
        let output = try renderer.render(Figure(id: "gap", section: .skill, title: "gap", caption: "", content: .chart(chart)), in: folder)
        // The series' path: its legend sample (one move), then the line in two pieces — gnuplot
        // starts a new subpath (M) after the gap instead of joining across it.
        guard let plot = output.svg.range(of: "gnuplot_plot_1") else { return XCTFail("no plot group") }
        let path = output.svg[plot.upperBound...].components(separatedBy: "d='").dropFirst().first ?? ""
        XCTAssertEqual(path.prefix { $0 != "'" }.filter { $0 == "M" }.count, 3, String(path.prefix(200)))
    }

    func testFailedDrawingKeepsThePreviousReport() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let inputs = try ReportInputs(run: fixture.folder)
        let out = fixture.folder + "/report"
        _ = try ReportWriter(inputs: inputs, options: ReportOptions(), renderer: try renderer()).write(to: out, quiet: true)
        let before = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        let broken = fixture.folder + "/broken-gnuplot"
        try "#!/bin/sh\necho 'line 3: undefined variable: nonsense' >&2\nexit 1\n".write(toFile: broken, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: broken)
        let failing = try GnuplotRenderer(environment: ["HENS_GNUPLOT": broken])
        XCTAssertThrowsError(try ReportWriter(inputs: inputs, options: ReportOptions(), renderer: failing).write(to: out, quiet: true)) { error in
            XCTAssertTrue("\(error)".contains("gnuplot failed") && "\(error)".contains("undefined variable"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: out + "/index.html", encoding: .utf8), before, "the earlier report is untouched")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fixture.folder).filter { $0.contains(".tmp-") }, [])
    }

    func testBadInputsAreRefusedClearly() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        XCTAssertThrowsError(try ReportInputs(run: fixture.folder + "/nothing")) { error in
            XCTAssertTrue("\(error)".contains("nothing/scores/scores.csv: not found"), "\(error)")
        }
        XCTAssertThrowsError(try ReportInputs(run: fixture.folder, forecast: "/no/such/forecast")) { error in
            XCTAssertTrue("\(error)".contains("--forecast"), "\(error)")
        }
        let inputs = try ReportInputs(run: fixture.folder)
        var options = ReportOptions()
        options.headlineLead = 7
        XCTAssertThrowsError(try ReportWriter(inputs: inputs, options: options, renderer: try renderer()).write(to: fixture.folder + "/r", quiet: true)) { error in
            XCTAssertTrue("\(error)".contains("--lead") && "\(error)".contains("0 h, 6 h, 12 h"), "\(error)")
        }
        options = ReportOptions()
        options.caseInit = "nope"
        XCTAssertThrowsError(try ReportWriter(inputs: inputs, options: options, renderer: try renderer()).write(to: fixture.folder + "/r", quiet: true)) { error in
            XCTAssertTrue("\(error)".contains("--case"), "\(error)")
        }
        let occupied = fixture.folder + "/occupied"
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
        try "keep".write(toFile: occupied + "/notes.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportWriter(inputs: inputs, options: ReportOptions(), renderer: try renderer()).write(to: occupied, quiet: true)) { error in
            XCTAssertTrue("\(error)".contains("not a hens report"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: occupied + "/notes.txt", encoding: .utf8), "keep")
        XCTAssertThrowsError(try GnuplotRenderer(environment: ["PATH": "/nonexistent"])) { error in
            XCTAssertTrue("\(error)".contains("gnuplot-nox"), "\(error)")
        }
    }
}
