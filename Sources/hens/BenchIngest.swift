import ArgumentParser
import DatasetIO
import Foundation
import HensCore
import Ingest

/// `hens bench ingest`: a 0.25° ERA5-like file onto equiangular 121×240 with conservative
/// regridding, timed against `cdo remapcon` on the same file to the same grid, in the same run.
struct BenchIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Time `hens ingest` of a 0.25° ERA5-like file to equiangular 121×240 (conservative) against `cdo remapcon`.",
        discussion: """
        The input is generated first (ERA5LikeFile: 1440×721, t2m u10 v10 msl tcwv × 4 six-hourly \
        steps, int16 packed, NetCDF-3 64-bit offset, latitude 90→−90, longitude 0→359.75; ≈ 41.5 MB; \
        synthetic values, not weather) into --work (default: a temporary folder, deleted afterwards \
        unless --keep). Both tools run as separate processes on the same file, each after a warm-up \
        run (so both read from the page cache), with the same thread count (hens --threads N, \
        cdo -P N) and comparable output (NetCDF-4 Float32: cdo -f nc4 -b F32). The JSON reports \
        median/min/max seconds of each, the ratio hens/cdo (< 1: hens faster) and the largest \
        difference between the two outputs relative to each field's range.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts.") var threadCounts = "1,2"
    @Option(help: "Seconds of timing per tool and thread count (after a warm-up run).") var budget = 10.0
    @Option(help: "Minimum timed runs per tool and thread count.") var minRuns = 3
    @Option(help: "Folder for the generated input and the outputs (default: a temporary folder).") var work: String?
    @Flag(help: "Keep the temporary folder (with the generated file).") var keep = false
    @Option(help: "The cdo executable.") var cdo = "cdo"
    @Option(help: "Write the JSON here too.") var json: String?

    /// The target: equiangular 121×240 with both poles, as hens names it and as a CDO grid description.
    static let grid = "equiangular:121x240"
    static let cdoGrid = """
    # CDO grid description of hens' equiangular:121x240 (1.5°, both poles, north first, from 0°E)
    gridtype = lonlat
    xsize    = 240
    ysize    = 121
    xfirst   = 0
    xinc     = 1.5
    yfirst   = 90
    yinc     = -1.5

    """

    func run() throws {
        global.apply()
        let threads = try parseIntegers(threadCounts, option: "--thread-counts")
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
        FileHandle.standardError.write(Data(String(format: "[bench ingest] generated %@ (%.1f MB) in %.1f s; %@\n",
                                                   input, Double(bytes) / 1e6, generated, cdoVersion).utf8))

        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
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
            FileHandle.standardError.write(Data(String(format: "[bench ingest] t%d: hens %.3f s (min %.3f), cdo %.3f s (min %.3f), hens/cdo %.2f\n",
                                                       t, hens.median, hens.min, reference.median, reference.min, ratio).utf8))
        }
        let difference = try Self.largestDifference(hens: DatasetLayout.splitPath(hensOut, "train"), cdo: cdoOut)
        FileHandle.standardError.write(Data(String(format: "[bench ingest] largest |hens − cdo| / field range: %.2e\n", difference).utf8))
        let variables = ERA5LikeFile.singleLevel.map(\.name).joined(separator: ",")
        let info: [String: Any] = ["input": "1440x721 \(variables) x 4 steps, int16 packed, NetCDF-3 64-bit offset, \(bytes) B",
                                   "input_generate_s": generated, "target": Self.grid, "cdo_version": cdoVersion,
                                   "max_diff_over_range": difference]
        Parallel.configure(threads: global.threads)
        try emitBenchmarkJSON(benchmark: "ingest", results: results.map { $0.merging(info) { a, _ in a } }, to: json)
    }

    /// Times a command (warm-up run, then repeated runs); any failure is an error naming it.
    private func timeCommand(_ executable: String, _ arguments: [String]) throws -> Timing {
        var failure: HensError?
        let timing = timeRepeated(budget: budget, minRuns: minRuns) {
            guard failure == nil else { return }
            do { try Self.execute(executable, arguments) } catch let e as HensError { failure = e } catch {
                failure = HensError(.internal, "\(executable): \(error)")
            }
        }
        if let failure { throw failure }
        return timing
    }

    /// Runs a command to completion; a non-zero exit is an error quoting its stderr's last line.
    @discardableResult
    static func execute(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw HensError(.internal, "\(executable): cannot run it (\(error.localizedDescription))")
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let last = errors.split(separator: "\n").last.map(String.init) ?? ""
            let hint = process.terminationStatus == 127 ? " (not installed? `make deps-test` installs cdo)" : ""
            throw HensError(.internal, "\(executable) \(arguments.joined(separator: " ")): exit \(process.terminationStatus)\(hint): \(last)")
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The first line of `cdo --version` (CDO prints it on stderr or stdout depending on version).
    static func version(of cdo: String) throws -> String {
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
    static func largestDifference(hens path: String, cdo cdoPath: String) throws -> Double {
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
