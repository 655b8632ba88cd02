import Foundation
import HensCore
import ShallowWater
import Spherical

/// `hens bench swe`: milliseconds per shallow-water solver step (Adams–Bashforth 3) on the
/// reference configurations.
public struct SWEBenchmark {
    /// One solver configuration.
    public struct Case: Equatable, Sendable {
        /// Grid kind of the solver's physical grid.
        public let kind: GridKind
        /// Grid rows.
        public let nlat: Int
        /// Grid columns.
        public let nlon: Int
        /// Spectral truncation (exclusive).
        public let lmax: Int
        /// Time step, seconds.
        public let dt: Double
    }

    /// The cases by name, for `--help`.
    public static let method = """
        Cases: 'paper' = 256×512 equiangular, lmax 86, dt 150 s (the SFNO paper's setup);
        'small' = configs/swe-small.yaml's 64×128 Gauss–Legendre, lmax 22, dt 300 s;
        'ref' = configs/swe-ref.yaml's 128×256 Gauss–Legendre, lmax 43, dt 150 s.
        """

    /// The case table: the SFNO paper's setup and the two shipped shallow-water configurations.
    public static let table: [String: Case] = [
        "paper": Case(kind: .equiangular, nlat: 256, nlon: 512, lmax: 86, dt: 150),
        "small": Case(kind: .legendreGauss, nlat: 64, nlon: 128, lmax: 22, dt: 300),
        "ref": Case(kind: .legendreGauss, nlat: 128, nlon: 256, lmax: 43, dt: 150),
    ]

    /// Case names, each a key of `table`.
    public var cases: [String]
    /// Thread counts of hens' parallel loops.
    public var threads: [Int]
    /// Seconds of timing per measurement (at least 10 steps).
    public var budget: Double

    /// Validates the case names.
    public init(cases: [String], threads: [Int], budget: Double) throws {
        for name in cases where Self.table[name] == nil { throw HensError.invalid("--cases", "paper, small or ref; got '\(name)'") }
        (self.cases, self.threads, self.budget) = (cases, threads, budget)
    }

    /// One row per (case, threads): median/min/max milliseconds per step.
    public func run() throws -> [[String: Any]] {
        var results: [[String: Any]] = []
        for name in cases {
            let c = Self.table[name]!
            let solver = try ShallowWaterSolver(grid: SphericalGrid(c.kind, nlat: c.nlat, nlon: c.nlon), lmax: c.lmax, dt: c.dt)
            for t in threads {
                let timing = withParallelThreads(t) { () -> Timing in
                    var state = InitialCondition.random(mach: 0.2, llimit: 20, seed: 1).state(for: solver)
                    var integrator = AdamsBashforth3()
                    return Timing.measure(budget: budget, minRuns: 10) { integrator.step(&state, solver: solver) }
                }
                results.append(["case": name, "grid": c.kind.rawValue, "nlat": c.nlat, "nlon": c.nlon, "lmax": c.lmax, "dt_s": c.dt,
                                "threads": t, "median_ms_per_step": timing.median * 1e3, "min_ms_per_step": timing.min * 1e3,
                                "max_ms_per_step": timing.max * 1e3, "runs": timing.runs])
                BenchmarkLog.note("swe", String(format: "%@ t%d: %.2f ms/step (min %.2f)", name, t, timing.median * 1e3, timing.min * 1e3))
            }
        }
        return results
    }
}
