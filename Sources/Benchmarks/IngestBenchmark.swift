import DatasetIO
import Foundation
import HensCore
import Ingest

/// `hens bench ingest`: a 0.25° ERA5-like file onto equiangular 121×240 with conservative
/// regridding, timed against `cdo remapcon` on the same file to the same grid, in the same run.
public struct IngestBenchmark {
    /// What is timed and how, for `--help`.
    public static let method = """
        The input is generated first (ERA5LikeFile: 1440×721, t2m u10 v10 msl tcwv × 4 six-hourly \
        steps, int16 packed, NetCDF-3 64-bit offset, latitude 90→−90, longitude 0→359.75; ≈ 41.5 MB; \
        synthetic values, not weather) into --work (default: a temporary folder, deleted afterwards \
        unless --keep). Both tools run as separate processes on the same file, each after a warm-up \
        run (so both read from the page cache), with the same thread count (hens --threads N, \
        cdo -P N) and comparable output (NetCDF-4 Float32: cdo -f nc4 -b F32). The JSON reports \
        median/min/max seconds of each, the ratio hens/cdo (< 1: hens faster) and the largest \
        difference between the two outputs relative to each field's range.
        """

    /// The target: equiangular 121×240 with both poles, as hens names it.
    public static let grid = "equiangular:121x240"
    /// The same grid as a CDO grid description.
    public static let cdoGrid = """
    # CDO grid description of hens' equiangular:121x240 (1.5°, both poles, north first, from 0°E)
    gridtype = lonlat
    xsize    = 240
    ysize    = 121
    xfirst   = 0
    xinc     = 1.5
    yfirst   = 90
    yinc     = -1.5

    """

    /// Thread counts (hens --threads N, cdo -P N).
    public var threads: [Int]
    /// Seconds of timing per tool and thread count, after a warm-up run.
    public var budget: Double
    /// Minimum timed runs per tool and thread count.
    public var minRuns: Int
    /// Folder for the generated input and the outputs; nil: a temporary folder.
    public var work: String?
    /// Keep the temporary folder afterwards.
    public var keep: Bool
    /// The cdo executable.
    public var cdo: String

    /// A benchmark of these settings.
    public init(threads: [Int], budget: Double, minRuns: Int, work: String?, keep: Bool, cdo: String) {
        (self.threads, self.budget, self.minRuns, self.work, self.keep, self.cdo) = (threads, budget, minRuns, work, keep, cdo)
    }

    /// Two rows (hens, cdo) per thread count, each with the input's description and the largest
    /// difference between the two outputs.
    public func run() throws -> [[String: Any]] {
        let folder = work ?? NSTemporaryDirectory() + "hens-bench-ingest-\(getpid())"
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HensError(.io, "\(folder): cannot create the work folder (\(error.localizedDescription))")
        }
        defer { if work == nil && !keep { try? FileManager.default.removeItem(atPath: folder) } }
        let input = folder + "/era5like-0p25.nc", gridFile = folder + "/eq121x240.grid"
        let hensOut = folder + "/hens-dataset", cdoOut = folder + "/cdo-remapcon.nc"
        let cdoVersion = try Self.version(of: cdo)

        let clock = Stopwatch()
        let start = try CFCalendar.standard.dayNumber(year: 2020, month: 1, day: 1) - CFCalendar.standard.dayNumber(year: 1900, month: 1, day: 1)
        try ERA5LikeFile.write(path: input, hours: (0..<4).map { Int32(start * 24 + 6 * $0) })
        let generated = clock.seconds
        try Self.cdoGrid.write(toFile: gridFile, atomically: true, encoding: .utf8)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0
        BenchmarkLog.note("ingest", String(format: "generated %@ (%.1f MB) in %.1f s; %@", input, Double(bytes) / 1e6, generated, cdoVersion))

        let executable = try ChildProcess.currentExecutable()
        var results: [[String: Any]] = []
        for t in threads {
            let hens = try timeCommand(executable, ["ingest", input, "--out", hensOut, "--grid", Self.grid, "--regrid", "conservative",
                                                    "--overwrite", "--quiet", "--threads", String(t)])
            let reference = try timeCommand(cdo, ["-s", "-P", String(t), "-f", "nc4", "-b", "F32", "remapcon,\(gridFile)", input, cdoOut])
            let ratio = hens.median / reference.median
            for (tool, timing) in [("hens", hens), ("cdo", reference)] {
                results.append(["case": "era5like_0p25_to_eq121x240_remapcon", "tool": tool, "threads": t,
                                "median_s": timing.median, "min_s": timing.min, "max_s": timing.max, "runs": timing.runs,
                                "hens_over_cdo": ratio])
            }
            BenchmarkLog.note("ingest", String(format: "t%d: hens %.3f s (min %.3f), cdo %.3f s (min %.3f), hens/cdo %.2f",
                                               t, hens.median, hens.min, reference.median, reference.min, ratio))
        }
        let difference = try Self.largestDifference(hens: DatasetLayout.splitPath(hensOut, "train"), cdo: cdoOut)
        BenchmarkLog.note("ingest", String(format: "largest |hens − cdo| / field range: %.2e", difference))
        let variables = ERA5LikeFile.singleLevel.map(\.name).joined(separator: ",")
        let info: [String: Any] = ["input": "1440x721 \(variables) x 4 steps, int16 packed, NetCDF-3 64-bit offset, \(bytes) B",
                                   "input_generate_s": generated, "target": Self.grid, "cdo_version": cdoVersion,
                                   "max_diff_over_range": difference]
        return results.map { $0.merging(info) { a, _ in a } }
    }

    /// Times a command (warm-up run, then repeated runs); any failure is an error naming it.
    private func timeCommand(_ executable: String, _ arguments: [String]) throws -> Timing {
        var failure: HensError?
        let timing = Timing.measure(budget: budget, minRuns: minRuns) {
            guard failure == nil else { return }
            do { try ChildProcess.run(executable, arguments) } catch let e as HensError { failure = e } catch {
                failure = HensError(.internal, "\(executable): \(error)")
            }
        }
        if let failure { throw failure }
        return timing
    }

    /// The first line of `cdo --version` (CDO prints it on stderr or stdout depending on version).
    public static func version(of cdo: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [cdo, "--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { throw HensError(.internal, "\(cdo): cannot run it (\(error.localizedDescription))") }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = text.split(separator: "\n").first else {
            throw HensError(.internal, "\(cdo) not found or not working; `make deps-test` installs it (apt-get install cdo)")
        }
        return String(line)
    }

    /// The largest |hens − cdo| over every field, relative to that field's range in CDO's output.
    public static func largestDifference(hens path: String, cdo cdoPath: String) throws -> Double {
        let reader = try DatasetSplitReader(path: path)
        defer { reader.close() }
        let reference = try NetCDFReader(path: cdoPath)
        let names = ["t2m": "t2m", "u10m": "u10", "v10m": "v10", "msl": "msl", "tcwv": "tcwv"]
        var worst = 0.0
        for (c, channel) in reader.channels.enumerated() {
            guard let name = names[channel.name], let v = reference.variable(name) else {
                throw HensError(.internal, "\(cdoPath): no variable for channel \(channel.name)")
            }
            for t in 0..<reader.timeCount {
                let ours = try reader.read(channel: c, trajectory: 0, timeIndex: t)
                let theirs = try reference.readDoubles(v, start: [t, 0, 0], count: [1, reader.latitudes.count, reader.longitudes.count])
                let range = max(theirs.max()! - theirs.min()!, .leastNormalMagnitude)
                for (a, b) in zip(ours, theirs) { worst = max(worst, abs(Double(a) - b) / range) }
            }
        }
        return worst
    }
}
