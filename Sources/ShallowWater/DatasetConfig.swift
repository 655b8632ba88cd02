import Config
import DatasetIO
import Foundation
import HensCore
import Spherical

/// What `hens generate swe` produces: solver setup, initial conditions, sampling and splits
/// (keys of `configs/swe-*.yaml`; durations accept `300s`, `30min`, `1h`, `5d`).
public struct SWEDatasetConfig: Sendable {
    public enum InitialConditionKind: String, Sendable { case random, galewsky }

    public var grid: GridKind
    public var nlat: Int
    public var nlon: Int
    /// Solver band limit (exclusive); default ceil(nlat/3).
    public var lmax: Int
    /// Solver time step (s).
    public var dt: Double
    /// Output interval (s), a multiple of dt.
    public var dtOut: Double
    /// Integration before the first output of a trajectory (s).
    public var spinup: Double
    /// Span of each trajectory's outputs (s): outputs at 0, dtOut, …, length.
    public var trajectoryLength: Double
    public var initialCondition: InitialConditionKind
    public var mach: Double
    public var llimit: Int
    public var seed: UInt64
    /// Split names with trajectory counts, in file order.
    public var splits: [(name: String, trajectories: Int)]
    public var channels: [SWEChannel]
    /// The configuration as given, for provenance.
    public var text: String

    /// The canonical split names, in order.
    public static var splitNames: [String] { DatasetLayout.splits }

    /// Reads and validates a configuration; every key is checked and unknown keys are errors.
    public init(_ doc: inout ConfigDocument) throws {
        let src = doc.source
        let gridName = try doc.string("grid", default: "legendre-gauss")
        guard let kind = GridKind(name: gridName) else {
            throw HensError(.invalidArgument, "\(src): grid must be legendre-gauss, equiangular or lobatto, got '\(gridName)'")
        }
        grid = kind
        nlat = try doc.integer("nlat")
        nlon = try doc.integer("nlon", default: 2 * nlat)
        guard nlat >= 8 else { throw HensError(.invalidArgument, "\(src): nlat must be at least 8, got \(nlat)") }
        guard nlon >= 2 * ShallowWaterSolver.defaultBandLimit(nlat: nlat) else {
            throw HensError(.invalidArgument, "\(src): nlon must be at least 2·ceil(nlat/3) = \(2 * ShallowWaterSolver.defaultBandLimit(nlat: nlat)), got \(nlon)")
        }
        lmax = try doc.integer("lmax", default: ShallowWaterSolver.defaultBandLimit(nlat: nlat))
        dt = try doc.duration("dt")
        dtOut = try doc.duration("dt_out")
        spinup = try doc.duration("spinup", default: 86_400)
        trajectoryLength = try doc.duration("trajectory_length")
        let ic = try doc.string("initial_condition", default: "random")
        guard let icKind = InitialConditionKind(rawValue: ic) else {
            throw HensError(.invalidArgument, "\(src): initial_condition must be random or galewsky, got '\(ic)'")
        }
        initialCondition = icKind
        mach = try doc.number("mach", default: 0.2)
        llimit = try doc.integer("llimit", default: 20)
        let seedValue = try doc.integer("seed", default: 0)
        guard seedValue >= 0 else { throw HensError(.invalidArgument, "\(src): seed must be a non-negative integer, got \(seedValue)") }
        seed = UInt64(seedValue)
        let counts = try doc.integerMap("splits", default: ["train": 16, "valid": 2, "test": 4, "climate": 8])
        for name in counts.keys where !Self.splitNames.contains(name) {
            throw HensError(.invalidArgument, "\(src): splits.\(name) is not a split; use \(Self.splitNames.joined(separator: ", "))")
        }
        splits = Self.splitNames.map { ($0, counts[$0] ?? 0) }
        let names = try doc.strings("channels", default: ["geopotential", "vorticity", "divergence"])
        channels = try names.map {
            guard let c = SWEChannel(rawValue: $0) else {
                throw HensError(.invalidArgument, "\(src): channel '\($0)' is not one of \(SWEChannel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return c
        }
        text = doc.yamlText()
        try doc.rejectUnknownKeys()
        try validate(source: src)
    }

    private func validate(source src: String) throws {
        func fail(_ key: String, _ expected: String) -> HensError { HensError(.invalidArgument, "\(src): \(key) \(expected)") }
        guard dt > 0, dt.isFinite else { throw fail("dt", "must be a positive duration, got \(dt)") }
        // Counts are derived as Int from ratios of durations: bound the ratios first, so that an
        // absurd duration is refused in one line instead of trapping on the conversion or
        // running for days.
        for (key, value, unit, limit) in [("dt_out", dtOut, dt, Self.maximumStepsPerOutput), ("spinup", spinup, dt, Self.maximumSpinupSteps),
                                          ("trajectory_length", trajectoryLength, dtOut, Self.maximumOutputsPerTrajectory)] {
            guard value.isFinite, abs(value / unit) <= Double(limit) else {
                throw fail(key, "must be at most \(limit) × \(key == "trajectory_length" ? "dt_out" : "dt") (\(unit) s), got \(value) s")
            }
        }
        guard nlat <= Self.maximumLatitudes else {
            throw fail("nlat", "must be at most \(Self.maximumLatitudes) for the shallow-water generator (its transform tables grow as nlat³), got \(nlat)")
        }
        for s in splits where s.trajectories > Self.maximumTrajectories {
            throw fail("splits.\(s.name)", "must be at most \(Self.maximumTrajectories) trajectories, got \(s.trajectories)")
        }
        guard dtOut > 0, stepsPerOutput >= 1, abs(Double(stepsPerOutput) * dt - dtOut) < 1e-6 * dtOut else {
            throw fail("dt_out", "must be a positive multiple of dt = \(dt) s, got \(dtOut) s")
        }
        guard spinup >= 0, abs(Double(spinupSteps) * dt - spinup) < 1e-6 * max(dt, spinup) else {
            throw fail("spinup", "must be a non-negative multiple of dt = \(dt) s, got \(spinup) s")
        }
        // A trajectory of one time has no (input, target) pair to train on.
        guard trajectoryLength > 0, abs(Double(outputsPerTrajectory - 1) * dtOut - trajectoryLength) < 1e-6 * max(dtOut, trajectoryLength) else {
            throw fail("trajectory_length", "must be a positive multiple of dt_out = \(dtOut) s, got \(trajectoryLength) s")
        }
        guard mach > 0, mach < 1 else { throw fail("mach", "must be in (0, 1), got \(mach)") }
        guard llimit >= 2 else { throw fail("llimit", "must be at least 2, got \(llimit)") }
        guard !channels.isEmpty else { throw fail("channels", "must name at least one channel") }
        for s in splits where s.trajectories < 0 { throw fail("splits.\(s.name)", "must be ≥ 0, got \(s.trajectories)") }
        guard splits.contains(where: { $0.trajectories > 0 }) else { throw fail("splits", "must ask for at least one trajectory") }
    }

    /// The most rows of a generated grid: 1024 rows already take about 2 GiB of Legendre tables
    /// and hours per trajectory; more is a typo, refused before any table is built.
    public static let maximumLatitudes = 1024
    /// The most solver steps between two outputs.
    public static let maximumStepsPerOutput = 1_000_000
    /// The most solver steps of spin-up.
    public static let maximumSpinupSteps = 10_000_000
    /// The most output times of one trajectory.
    public static let maximumOutputsPerTrajectory = 1_000_000
    /// The most trajectories of one split.
    public static let maximumTrajectories = 100_000

    /// Bytes the dataset's split files hold at least: every field as Float32 (dataset fields are
    /// written uncompressed).
    public var minimumDatasetBytes: Int64 {
        SizeEstimate.product(outputsPerTrajectory, channels.count, nlat, nlon, 4, splits.reduce(0) { $0 + $1.trajectories })
    }

    /// Solver steps between outputs.
    public var stepsPerOutput: Int { Int((dtOut / dt).rounded()) }
    /// Solver steps of spin-up.
    public var spinupSteps: Int { Int((spinup / dt).rounded()) }
    /// Output times per trajectory (both ends included).
    public var outputsPerTrajectory: Int { Int((trajectoryLength / dtOut).rounded()) + 1 }
    /// Solver steps per trajectory, spin-up included.
    public var stepsPerTrajectory: Int { spinupSteps + (outputsPerTrajectory - 1) * stepsPerOutput }

    /// Seed of trajectory `index` of `split`: a hash of (seed, split, index), so every split
    /// and trajectory gets an independent stream and regenerating one needs no other.
    public func trajectorySeed(split: String, index: Int) -> UInt64 {
        let splitIndex = UInt64(Self.splitNames.firstIndex(of: split) ?? 99)
        var g = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ (splitIndex << 32) ^ UInt64(index))
        return g.next()
    }

    /// The initial condition of one trajectory.
    public func initialCondition(split: String, index: Int) -> InitialCondition {
        switch initialCondition {
        case .random: return .random(mach: mach, llimit: llimit, seed: trajectorySeed(split: split, index: index))
        case .galewsky: return .galewsky
        }
    }

    /// Makes the solver, refusing a time step beyond AB3's stability limit.
    public func makeSolver() throws -> ShallowWaterSolver {
        let solver = try ShallowWaterSolver(grid: SphericalGrid(grid, nlat: nlat, nlon: nlon), lmax: lmax, dt: dt)
        let courant = solver.courantNumber(maxWind: expectedMaxWind(solver))
        guard courant <= ShallowWaterSolver.adamsBashforth3Limit else {
            let limit = dt * ShallowWaterSolver.adamsBashforth3Limit / courant
            throw HensError(.invalidArgument, String(format: "dt: %.0f s gives a Courant number of %.2f, above the AB3 limit 0.72; use dt ≤ %.0f s", dt, courant, limit))
        }
        return solver
    }

    /// A generous bound on wind speeds for the Courant check: 3·mach·√(gH) for random
    /// initial conditions, the 80 m/s jet (+10 %) for Galewsky.
    public func expectedMaxWind(_ solver: ShallowWaterSolver) -> Double {
        initialCondition == .galewsky ? 88 : 3 * mach * solver.parameters.gravityWaveSpeed
    }

    /// Split sizes written as `name=count` pairs (`train=4,valid=1`), as the `--splits` option takes them.
    /// - Throws: `.invalidArgument` naming `option` for anything else.
    public static func splitCounts(_ text: String, option: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let n = Int(parts[1]) else {
                throw HensError.invalid(option, "name=count pairs such as train=4,valid=1, got '\(text)'")
            }
            counts[String(parts[0])] = n
        }
        return counts
    }
}
