import DatasetIO
import Foundation
import HensCore
import Scores
import Spherical
import XCTest
@testable import Evaluation
import HensTestSupport

/// An in-memory ensemble of i.i.d. N(0, 1) members (or, with `copyTruth`, every member equal
/// to the truth) verified against a dataset of i.i.d. N(0, 1) fields: the exchangeable
/// "perfect ensemble" whose scores are known in closed form.
private final class SyntheticSource: EnsembleSource {
    let label: String
    let channels = ["t"]
    let latitudes: [Double], longitudes: [Double]
    let leadHours: [Double]
    let memberIndices: [Int]
    let expectedMemberCount: Int
    let initialSeconds: Double? = nil
    let initialLocation: (split: String, trajectory: Int, timeIndex: Int)?
    let seed: UInt64
    /// Member 0 is missing (NaN) on the first grid row, as fill values of an external file.
    var missingFirstRow = false

    init(label: String, timeIndex: Int, members: Int, expected: Int? = nil, grid: SphericalGrid, leads: Int, seed: UInt64) {
        self.label = label
        latitudes = grid.latitudesDegrees
        longitudes = grid.longitudesDegrees
        leadHours = (0..<leads).map { 6 * Double($0) }
        memberIndices = Array(0..<members)
        expectedMemberCount = expected ?? members
        initialLocation = ("test", 0, timeIndex)
        self.seed = seed
    }

    /// Member k's value at point p is a function of (seed, lead, k, p) only, so tiles agree with whole fields.
    func read(channel: String, lead: Int, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        let nlon = longitudes.count, n = rows.count * nlon, points = latitudes.count * nlon
        for k in memberIndices {
            for i in 0..<n {
                let p = rows.lowerBound * nlon + i
                var rng = SeededGenerator(seed: seed &+ UInt64(lead) &* 1_000_003 &+ UInt64(k * points + p) &* 0x9E37_79B9)
                buffer[k * n + i] = missingFirstRow && k == 0 && p < nlon ? .nan : Float(rng.nextNormal())
            }
        }
    }
}

final class EvaluatorTests: XCTestCase {
    private var folder = ""
    private let grid = try! SphericalGrid(.legendreGauss, nlat: 16, nlon: 32)

    override func setUpWithError() throws {
        folder = try temporaryFolder("hens-evaluator")
        try writeDataset()
    }

    /// train (2 × 30 times) and test (1 × 12 times) splits of i.i.d. N(0, 1) fields, 6 h apart,
    /// with absolute times (trajectory_starts) so external ensembles can be matched by date.
    private func writeDataset() throws {
        let dataset = folder + "/dataset"
        try FileManager.default.createDirectory(atPath: dataset, withIntermediateDirectories: true)
        try DatasetStatistics(channels: ["t"], mean: [0], std: [1], tendencyStd: [1]).write(to: DatasetLayout.statsPath(dataset))
        var rng = SeededGenerator(seed: 11)
        for (name, trajectories, times, starts) in [("train", 2, 30, "1999-01-01T00:00:00 1999-02-01T00:00:00"),
                                                    ("test", 1, 12, "2000-01-01T00:00:00")] {
            let writer = try DatasetSplitWriter(
                path: DatasetLayout.splitPath(dataset, name), channels: [ChannelInfo(name: "t", units: "K")],
                latitudes: grid.latitudesDegrees, longitudes: grid.longitudesDegrees, times: (0..<times).map { 6 * Double($0) },
                timeUnits: "hours since 2000-01-01 00:00:00", trajectories: trajectories,
                attributes: ["grid": grid.label, "trajectory_starts": starts])
            for k in 0..<trajectories {
                for t in 0..<times {
                    try writer.write(channel: 0, trajectory: k, timeIndex: t, field: (0..<(16 * 32)).map { _ in Float(rng.nextNormal()) })
                }
            }
            try writer.finish()
        }
    }

    private func options() -> EvaluationOptions {
        var o = EvaluationOptions()
        o.bootstrapSizes = [5]
        o.bootstrapReplicates = 20
        o.spectrumMembers = 4
        return o
    }

    func testPerfectEnsembleHasUnitSpreadSkillAndExpectedOutliers() throws {
        let m = 20
        let sources = (0..<4).map { SyntheticSource(label: "i\($0)", timeIndex: $0, members: m, grid: grid, leads: 4, seed: 100 + UInt64($0)) }
        let result = try Evaluator(sources: sources, dataset: folder + "/dataset", options: options()).run()
        let rows = EvaluationReport.aggregate(result)
        let global = rows.enumerated().filter { $0.offset % result.bands.count == 0 }.map(\.element)
        XCTAssertEqual(global.count, 4)
        for row in global {
            // Fair CRPS of N(0,1) members against an N(0,1) truth: 1/√π.
            XCTAssertEqual(row["crps_fair"]!, 1 / Double.pi.squareRoot(), accuracy: 0.03)
            // Standard CRPS carries the bias E|X − X′|/(2m) = (2/√π)/(2m).
            XCTAssertEqual(row["crps"]! - row["crps_fair"]!, 1 / (Double.pi.squareRoot() * Double(m)), accuracy: 0.004)
            XCTAssertEqual(row["ssr"]!, 1, accuracy: 0.06)
            XCTAssertEqual(row["outlier_fraction"]!, 2 / Double(m + 1), accuracy: 0.025)
            XCTAssertEqual(row["members_above_truth"]!, 0.5, accuracy: 0.03)
            XCTAssertEqual(row["bias"]!, 0, accuracy: 0.06)
        }
        for histogram in result.rankHistograms {
            for f in histogram.frequencies { XCTAssertEqual(f, 1 / Double(m + 1), accuracy: 0.03) }
        }
        // Size-5 draws with replacement from the 20 members: with the truth's rank r uniform in
        // 0…20, it lies outside the draw with probability ((20 − r)/20)⁵ + (r/20)⁵.
        let expected = (0...m).reduce(0.0) { $0 + (pow(Double(m - $1) / Double(m), 5) + pow(Double($1) / Double(m), 5)) / Double(m + 1) }
        let sums = try XCTUnwrap(result.bootstrap[result.leadChannel(3, 0)])
        let outliers = (0..<sums.replicates).map { sums.value(.outlier, size: 0, replicate: $0) / sums.value(.weight, size: 0, replicate: $0) }
        XCTAssertEqual(outliers.reduce(0, +) / Double(outliers.count), expected, accuracy: 0.015)

        let out = folder + "/scores"
        try EvaluationReport.write(result, to: out)
        for name in ["scores.nc", "summary.json", "scores.csv", "rank_histogram.csv", "reliability.csv", "roc.csv", "spectra.csv",
                     "ensemble_size.csv", "above_truth.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }
        let file = try LabelledArrays.read(path: out + "/scores.nc")
        XCTAssertEqual(file.axis("init")?.labels, ["i0", "i1", "i2", "i3"])
        XCTAssertEqual(file.axis("band")?.labels, LatitudeBand.standard.map(\.name))
        let crps = try XCTUnwrap(file.variable("crps"))
        XCTAssertEqual(crps.values[0], result.value("crps", init: 0, lead: 0, channel: 0, band: 0), accuracy: 1e-12)
    }

    /// Reading members in latitude tiles (a small memory budget) gives the same scores as whole fields.
    func testLatitudeTilesGiveTheSameScores() throws {
        let m = 7
        let sources = (0..<2).map { SyntheticSource(label: "i\($0)", timeIndex: $0, members: m, grid: grid, leads: 3, seed: 9 + UInt64($0)) }
        let whole = try Evaluator(sources: sources, dataset: folder + "/dataset", options: options())
        var small = options()
        small.memoryBytes = 2 * m * 32 * 4 * 3   // three rows per tile
        let tiled = try Evaluator(sources: sources, dataset: folder + "/dataset", options: small)
        XCTAssertEqual(tiled.tileRows(memberCount: m), 3)
        XCTAssertEqual(whole.tileRows(memberCount: m), 16)
        let a = try whole.run(), b = try tiled.run()
        // Latitude tiles (the memory budget) add the scores' sums over points in other groups,
        // so scores agree to double rounding; counts and per-member spectra are exact.
        XCTAssertEqual(a.scoreNames, b.scoreNames)
        for name in a.scoreNames {
            for (x, y) in zip(a.scores[name]!, b.scores[name]!) where !(x.isNaN && y.isNaN) {
                XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(x)), name)
            }
        }
        XCTAssertEqual(a.rankHistograms, b.rankHistograms)
        XCTAssertEqual(a.angularSpectra?.members, b.angularSpectra?.members)
        let sa = try XCTUnwrap(a.bootstrap[a.leadChannel(2, 0)]), sb = try XCTUnwrap(b.bootstrap[b.leadChannel(2, 0)])
        for (x, y) in zip(sa.sums, sb.sums) { XCTAssertEqual(x, y, accuracy: 1e-9 * max(1, abs(x))) }
    }

    /// The thread count changes no score, sum, histogram or spectrum.
    func testThreadCountGivesTheSameBits() throws {
        let m = 9
        let sources = (0..<2).map { SyntheticSource(label: "i\($0)", timeIndex: $0, members: m, grid: grid, leads: 3, seed: 30 + UInt64($0)) }
        let previousThreads = Parallel.threadCount
        defer { Parallel.configure(threads: previousThreads) }
        var results: [EvaluationResult] = []
        for threads in [1, 3] {
            Parallel.configure(threads: threads)
            results.append(try Evaluator(sources: sources, dataset: folder + "/dataset", options: options()).run())
        }
        let (a, b) = (results[0], results[1])
        // Determinism contract (A): the same bits whatever the thread count. Scores may be NaN,
        // so they are compared by bit pattern; the other results by their exact (round-trip)
        // descriptions, in which NaN equals NaN.
        XCTAssertEqual(a.scoreNames, b.scoreNames)
        for name in a.scoreNames {
            XCTAssertEqual(a.scores[name]!.map(\.bitPattern), b.scores[name]!.map(\.bitPattern), name)
        }
        XCTAssertEqual(a.bootstrap, b.bootstrap)
        XCTAssertNotNil(a.bootstrap[a.leadChannel(2, 0)])
        XCTAssertEqual("\(a.rankHistograms)", "\(b.rankHistograms)")
        XCTAssertEqual("\(a.dispersion)", "\(b.dispersion)")
        XCTAssertEqual("\(a.anomalyCorrelation)", "\(b.anomalyCorrelation)")
        XCTAssertEqual("\(a.events)", "\(b.events)")
        XCTAssertEqual("\((a.zScoreCounts, a.zScoreFractions))", "\((b.zScoreCounts, b.zScoreFractions))")
        XCTAssertEqual("\(String(describing: a.angularSpectra))", "\(String(describing: b.angularSpectra))")
        XCTAssertEqual("\(String(describing: a.zonalSpectra))", "\(String(describing: b.zonalSpectra))")
    }

    /// Missing member values leave their points out of every score instead of crashing or biasing.
    /// A bootstrap lead beyond the forecast is refused before any scoring, naming the valid range
    /// (it used to give an empty ensemble_size table without a word).
    func testBootstrapLeadBeyondTheForecastIsRefused() throws {
        let source = SyntheticSource(label: "i0", timeIndex: 0, members: 8, grid: grid, leads: 2, seed: 4)
        var o = options()
        o.bootstrapLeads = [1, 5]
        assertThrows(try Evaluator(sources: [source], dataset: folder + "/dataset", options: o).run(), kind: .invalidArgument,
                     mentioning: ["--bootstrap-leads", "0…1", "got 5"])
    }

    func testMissingValuesAreLeftOut() throws {
        let source = SyntheticSource(label: "i0", timeIndex: 0, members: 8, grid: grid, leads: 2, seed: 4)
        source.missingFirstRow = true
        let result = try Evaluator(sources: [source], dataset: folder + "/dataset", options: options()).run()
        for name in ["crps", "crps_fair", "mse", "outlier_fraction", "members_above_truth", "brier_p90", "acc"] {
            XCTAssertTrue(result.value(name, init: 0, lead: 1, channel: 0, band: 0).isFinite, name)
        }
        // 15 of 16 rows are scored in the rank histogram.
        XCTAssertEqual(result.rankHistograms[result.leadChannel(1, 0)].totalWeight, Double(15 * 32), accuracy: 1e-9)
    }

    func testSingleMemberAndDuplicateLabels() throws {
        let one = SyntheticSource(label: "i0", timeIndex: 0, members: 1, grid: grid, leads: 2, seed: 5)
        let result = try Evaluator(sources: [one], dataset: folder + "/dataset", options: options()).run()
        // One member: the CRPS is the absolute error, the fair CRPS undefined, no bootstrap.
        XCTAssertEqual(result.value("crps", init: 0, lead: 1, channel: 0, band: 0), result.value("mae", init: 0, lead: 1, channel: 0, band: 0),
                       accuracy: 1e-9)
        XCTAssertTrue(result.value("crps_fair", init: 0, lead: 1, channel: 0, band: 0).isNaN)
        XCTAssertTrue(result.bootstrap.allSatisfy { $0 == nil })
        let twin = SyntheticSource(label: "i0", timeIndex: 1, members: 1, grid: grid, leads: 2, seed: 6)
        XCTAssertThrowsError(try Evaluator(sources: [one, twin], dataset: folder + "/dataset", options: options())) {
            XCTAssertTrue("\($0)".contains("both labelled 'i0'"), "\($0)")
        }
        // Days of the year also for dates before 1970 (reanalyses from 1959).
        XCTAssertEqual(Climatology.dayOfYear(-86_400), 364.2425, accuracy: 1e-9)
        XCTAssertEqual(Climatology.dayOfYear(86_400 * 366.2425), 1, accuracy: 1e-9)
        XCTAssertEqual(Climatology.hourOfDay(-3600), 23, accuracy: 1e-9)
        // 6-hourly samples over 60 days: the window keeps ±15 days, then only the valid hour.
        let days = (0..<240).map { Double($0 / 4) }, hours = (0..<240).map { Double(6 * ($0 % 4)) }
        let selected = try XCTUnwrap(Climatology.select(days: days, hours: hours, day: 30, hour: 12, windowDays: 15))
        XCTAssertEqual(selected.indices.count, 31)
        XCTAssertTrue(selected.indices.allSatisfy { hours[$0] == 12 && abs(days[$0] - 30) <= 15 })
        // Too few samples at that hour: the whole window; too few in the window: none.
        XCTAssertEqual(Climatology.select(days: days, hours: hours, day: 30, hour: 12, windowDays: 1)?.indices.count, 12)
        XCTAssertNil(Climatology.select(days: days, hours: hours, day: 200, hour: 12, windowDays: 15))
    }

    func testPartialRunIsRefusedUnlessAllowed() throws {
        let source = SyntheticSource(label: "i0", timeIndex: 0, members: 6, expected: 8, grid: grid, leads: 2, seed: 1)
        XCTAssertThrowsError(try Evaluator(sources: [source], dataset: folder + "/dataset", options: options())) { error in
            XCTAssertTrue("\(error)".contains("--allow-partial"), "\(error)")
            XCTAssertTrue("\(error)".contains("6..7"), "\(error)")
        }
        var allowed = options()
        allowed.allowPartial = true
        let result = try Evaluator(sources: [source], dataset: folder + "/dataset", options: allowed).run()
        XCTAssertEqual(result.membersUsed, [Array(0..<6)])
        XCTAssertEqual(result.expectedMembers, [8])
    }

    /// An external ensemble whose members all equal the truth, stored south-first with
    /// longitudes in −180…180: zero error proves the grid is matched and the dates are paired.
    func testExternalEnsembleMatchesGridAndDates() throws {
        let archive = try AnalysisArchive(directory: folder + "/dataset")
        let leads = 3, m = 3, n = 16 * 32
        var values: [Double] = []
        let lons = grid.longitudesDegrees.map { $0 >= 180 ? $0 - 360 : $0 }
        let order = lons.indices.sorted { lons[$0] < lons[$1] }
        for _ in 0..<m {
            for t in 0..<leads {
                let field = try archive.state(at: AnalysisLocation(split: "test", trajectory: 0, timeIndex: 2 + t), channels: ["t"])
                for row in (0..<16).reversed() { for column in order { values.append(Double(field[row * 32 + column])) } }
            }
        }
        XCTAssertEqual(values.count, m * leads * n)
        let path = folder + "/gefs.nc"
        try LabelledArrays(axes: [
            .init("number", values: (0..<m).map(Double.init)),
            .init("time", values: (0..<leads).map { 12 + 6 * Double($0) }, attributes: ["units": "hours since 2000-01-01 00:00:00"]),
            .init("latitude", values: grid.latitudesDegrees.reversed()),
            .init("longitude", values: order.map { lons[$0] }),
        ], variables: [.init("t", dimensions: ["number", "time", "latitude", "longitude"], values: values)]).write(to: path)

        let source = try ExternalEnsembleSource(path: path, archive: archive)
        XCTAssertEqual(source.leadHours, [0, 6, 12])
        XCTAssertEqual(source.latitudes, grid.latitudesDegrees)
        var o = options()
        o.bootstrapLeads = []
        let result = try Evaluator(sources: [source], dataset: folder + "/dataset", options: o).run()
        for lead in 0..<leads {
            XCTAssertEqual(result.value("crps", init: 0, lead: lead, channel: 0, band: 0), 0, accuracy: 1e-6)
            XCTAssertEqual(result.value("mse", init: 0, lead: lead, channel: 0, band: 0), 0, accuracy: 1e-10)
        }
    }

    /// A model climate entirely above every member gives EFI = −1 everywhere.
    func testModelClimateDrivesEFI() throws {
        let path = folder + "/mclimate.nc"
        let layout = ModelClimateLayout(channels: [ChannelInfo(name: "t", units: "K")], latitudes: grid.latitudesDegrees,
                                        longitudes: grid.longitudesDegrees, leads: [0, 6])
        let writer = try ModelClimateWriter(path: path, layout: layout, attributes: ["test": "yes"])
        for lead in 0..<2 {
            let percentiles = (0..<101).flatMap { i in [Float](repeating: 100 + Float(i), count: 16 * 32) }
            try percentiles.withUnsafeBufferPointer { try writer.write(channel: 0, lead: lead, percentiles: $0) }
        }
        try writer.finish()
        XCTAssertEqual(try ModelClimateReader(path: path).read(channel: 0, lead: 1)[16 * 32 * 7], 107)
        var o = options()
        o.modelClimate = path
        let source = SyntheticSource(label: "i0", timeIndex: 0, members: 10, grid: grid, leads: 3, seed: 3)
        let result = try Evaluator(sources: [source], dataset: folder + "/dataset", options: o).run()
        XCTAssertEqual(result.value("efi", init: 0, lead: 0, channel: 0, band: 0), -1, accuracy: 1e-12)
        XCTAssertEqual(result.value("efi", init: 0, lead: 1, channel: 0, band: 0), -1, accuracy: 1e-12)
        // No model climate at lead 12 h: no EFI there.
        XCTAssertTrue(result.value("efi", init: 0, lead: 2, channel: 0, band: 0).isNaN)
    }

    /// Score-name labels of events read back as the events they name.
    func testEventLabelsRoundTrip() throws {
        for text in ["p90", "p99.9", "20", "-5", "0.5"] {
            let event = try EventThreshold(text)
            XCTAssertEqual(EventThreshold(label: event.description), event, text)
        }
        XCTAssertNil(EventThreshold(label: "rmse"))
        XCTAssertNil(EventThreshold(label: "gtx"))
    }
}
