import HensCore
import XCTest
@testable import Report

final class ReportFiguresTests: XCTestCase {
    func testScoreTableSelectsAndReadsNumbers() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let table = try ScoreTable(path: fixture.folder + "/scores/scores.csv")
        let rows = try table.selecting("channel", "z500").selecting("band", "global")
        XCTAssertEqual(try rows.numbers("lead_hours"), [0, 6, 12])
        XCTAssertEqual(try rows.selecting("lead_hours", number: 6.0).numbers("crps"), [2])
        XCTAssertTrue(try rows.numbers("crpss_persistence")[0].isNaN, "an empty cell is NaN")
        XCTAssertEqual(try table.distinct("channel"), ["z500", "wind_speed"])
        XCTAssertThrowsError(try table.numbers("nope")) { error in
            XCTAssertTrue("\(error)".contains("scores.csv") && "\(error)".contains("'nope'"), "\(error)")
        }
    }

    func testShortRowsReadAsMissingValues() throws {
        let path = NSTemporaryDirectory() + "short-\(UUID().uuidString).csv"
        try "a,b\n1,2\n3\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let b = try ScoreTable(path: path).numbers("b")
        XCTAssertEqual(b.count, 2)
        XCTAssertEqual(b[0], 2)
        XCTAssertTrue(b[1].isNaN)
    }

    func testFiguresCoverEverySectionWithUnitsAndReferences() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let inputs = try ReportInputs(run: fixture.folder)
        let summary = try EvaluationSummary(path: inputs.scores + "/summary.json")
        let figures = ReportFigures(summary: summary, inputs: inputs, units: ["z500": "m2 s-2"], headlineLead: 6, spectrumLeads: [6, 12])
        let skill = try figures.skill()
        XCTAssertEqual(skill.map(\.id), ["skill-z500", "skill-wind-speed", "crpss"])
        guard case .chart(let z) = skill[0].content else { return XCTFail("chart expected") }
        XCTAssertEqual(z.yLabel, "score (m2 s-2)")
        XCTAssertEqual(z.series.map(\.title), ["CRPS", "CRPS (fair)", "RMSE of the ensemble mean", "spread", "CRPS of climatology", "CRPS of persistence"])
        XCTAssertEqual(z.series[2].y, [2, 4, 6], "RMSE of the global band only")
        guard case .chart(let w) = skill[1].content else { return XCTFail("chart expected") }
        XCTAssertEqual(w.yLabel, "score", "no units known: no empty parentheses")

        let dispersion = try figures.dispersion()
        XCTAssertEqual(dispersion.map(\.id), ["ssr", "outliers"])
        guard case .chart(let ssr) = dispersion[0].content else { return XCTFail("chart expected") }
        XCTAssertTrue(ssr.series[0].y[0].isNaN, "SSR at lead 0 (RMSE ≈ 0) is not drawn")
        XCTAssertEqual(ssr.series.last?.y, [1, 1, 1])
        guard case .chart(let outliers) = dispersion[1].content else { return XCTFail("chart expected") }
        XCTAssertEqual(outliers.series.last?.y[0] ?? 0, 2.0 / 5, accuracy: 1e-12, "expected 2/(m+1) for 4 members")

        XCTAssertEqual(try figures.ranks().map(\.id), ["ranks-z500-6-h", "ranks-z500-12-h", "ranks-wind-speed-6-h", "ranks-wind-speed-12-h"])
        let probabilities = try figures.probabilities()
        XCTAssertEqual(probabilities.map(\.id), ["reliability-z500", "roc-z500", "reliability-wind-speed", "roc-wind-speed"])
        guard case .chart(let reliability) = probabilities[0].content else { return XCTFail("chart expected") }
        XCTAssertEqual(reliability.series.map(\.title), ["p90", "perfect"], "gt30 never happened: not drawn")
        XCTAssertTrue(probabilities[0].caption.contains("gt30"))
        guard case .chart(let roc) = probabilities[1].content else { return XCTFail("chart expected") }
        XCTAssertEqual(roc.series.first?.title, "p90 (AUC 0.800)")

        let spectra = try figures.spectra()
        XCTAssertEqual(spectra.map(\.id), ["spectrum-z500", "spectrum-wind-speed"])
        guard case .chart(let spectrum) = spectra[0].content else { return XCTFail("chart expected") }
        XCTAssertTrue(spectrum.logX && spectrum.logY)
        XCTAssertEqual(spectrum.series.count, 6, "truth, members and mean at 2 leads")
        XCTAssertEqual(spectrum.yLabel, "angular power ((m2 s-2)2)")
    }

    func testMapsShareTheScaleOfMeanAndTruth() {
        let fields = CaseFields(initLabel: "i", leadHours: 6, latitudes: [10, -10], longitudes: [0, 180],
                                channels: [.init(name: "z", units: "m")], mean: [[1, 2, 3, 4]], spread: [[0, 1, 0, 1]],
                                truth: [[0, 2, 3, 9]], efi: [[-1, 0, 0.5, 1]])
        let fixtureSummary = EvaluationSummaryStub.make()
        let figures = ReportFigures(summary: fixtureSummary, inputs: EvaluationSummaryStub.inputs, units: [:], headlineLead: 6, spectrumLeads: [6])
        let maps = figures.maps(fields, channels: ["z"])
        XCTAssertEqual(maps.map(\.id), ["map-z-ensemble-mean", "map-z-ensemble-spread", "map-z-truth", "map-z-efi"])
        guard case .map(let mean) = maps[0].content, case .map(let truth) = maps[2].content, case .map(let efi) = maps[3].content else {
            return XCTFail("maps expected")
        }
        XCTAssertEqual(mean.range, 0...9)
        XCTAssertEqual(truth.range, 0...9)
        XCTAssertEqual(efi.range, -1...1)
        XCTAssertEqual(efi.palette, .diverging)
        XCTAssertEqual(mean.colorLabel, "z (m)")
        XCTAssertEqual(maps[0].title, "z: ensemble mean, i + 6 h")
    }
}

/// A summary and inputs for builders that need none of the tables.
enum EvaluationSummaryStub {
    static let fixture = try! ReportFixture()
    static var inputs: ReportInputs { try! ReportInputs(run: fixture.folder) }
    static func make() -> EvaluationSummary { try! EvaluationSummary(path: fixture.folder + "/scores/summary.json") }
}
