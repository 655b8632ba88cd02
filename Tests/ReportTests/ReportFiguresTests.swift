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
        let figures = try ReportFigures(summary: summary, inputs: inputs, units: ["z500": "m2 s-2"], headlineLead: 6, spectrumLeads: [6, 12])
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
        XCTAssertEqual(reliability.series.map(\.title), ["> 90th percentile", "perfect"], "gt30 never happened: not drawn")
        XCTAssertTrue(probabilities[0].caption.contains("> 30 m2 s-2"), probabilities[0].caption)
        guard case .chart(let roc) = probabilities[1].content else { return XCTFail("chart expected") }
        XCTAssertEqual(roc.series.first?.title, "> 90th percentile (AUC 0.800)")

        let spectra = try figures.spectra()
        XCTAssertEqual(spectra.map(\.id), ["spectrum-z500", "spectrum-wind-speed"])
        guard case .chart(let spectrum) = spectra[0].content else { return XCTFail("chart expected") }
        XCTAssertTrue(spectrum.logX && spectrum.logY)
        XCTAssertEqual(spectrum.series.count, 6, "truth, members and mean at 2 leads")
        XCTAssertEqual(spectrum.yLabel, "angular power ((m2 s-2)2)")
    }

    func testMapsShareTheScaleOfMeanAndTruth() throws {
        let fields = CaseFields(initLabel: "i", leadHours: 6, latitudes: [10, -10], longitudes: [0, 180],
                                channels: [.init(name: "z", units: "m")], mean: [[1, 2, 3, 4]], spread: [[0, 1, 0, 1]],
                                truth: [[0, 2, 3, 9]], efi: [[-1, 0, 0.5, 1]])
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let inputs = try ReportInputs(run: fixture.folder)
        let figures = try ReportFigures(summary: try EvaluationSummary(path: inputs.scores + "/summary.json"), inputs: inputs, units: [:],
                                    headlineLead: 6, spectrumLeads: [6])
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

    func testHugeEnsembleRankHistogramsAreBinnedKeepingTheUniformLevel() {
        let ranks = (0..<7425).map(Double.init), uniform = [Double](repeating: 1 / 7425.0, count: 7425)
        let (centres, means, width) = ReportFigures.binnedRanks(ranks, uniform)
        XCTAssertEqual(width, 115)
        XCTAssertLessThanOrEqual(centres.count, 65)
        XCTAssertEqual(centres.first, 57)
        XCTAssertEqual(centres.last, (7360 + 7424) / 2)
        for m in means { XCTAssertEqual(m, 1 / 7425.0, accuracy: 1e-15) }
        let small = ReportFigures.binnedRanks([0, 1, 2], [0.5, 0.25, 0.25])
        XCTAssertEqual(small.0, [0, 1, 2])
        XCTAssertEqual(small.2, 1)
    }

    func testTrainingCurvesUseTheLossTraceOfEverySeed() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        try fixture.addTrainingLogs(seeds: [1, 2])
        let figures = try ReportFigures.training(checkpoints: fixture.folder + "/checkpoints")
        XCTAssertEqual(figures.map(\.id), ["training-loss", "training-rmse"])
        guard case .chart(let loss) = figures[0].content, case .chart(let rmse) = figures[1].content else { return XCTFail("charts expected") }
        XCTAssertEqual(loss.series.map(\.title), ["seed-1 training", "seed-1 validation", "seed-2 training", "seed-2 validation", "persistence (validation)"])
        XCTAssertEqual(loss.series[0].x, [5, 10, 15, 20], "the within-epoch trace of both epochs")
        XCTAssertEqual(loss.series[1].x, [10, 20], "validation at the end of each epoch")
        XCTAssertEqual(rmse.series.map(\.title), ["seed-1 (epoch 2)", "seed-2 (epoch 2)", "persistence", "climatology"])
        XCTAssertEqual(rmse.series[0].y, [0.5, 0.7])
        XCTAssertEqual(try ReportFigures.training(checkpoints: fixture.folder + "/none"), [], "no checkpoints, no curves")
    }
}
