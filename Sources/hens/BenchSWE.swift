import ArgumentParser
import Foundation
import HensCore
import ShallowWater
import Spherical

/// `hens bench swe`: milliseconds per shallow-water solver step.
struct BenchSWE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swe",
        abstract: "Time shallow-water solver steps (ms per step) on the reference configurations.",
        discussion: """
        Cases: 'paper' = 256×512 equiangular, lmax 86, dt 150 s (the SFNO paper's setup);
        'small' = configs/swe-small.yaml's 64×128 Gauss–Legendre, lmax 22, dt 300 s;
        'ref' = configs/swe-ref.yaml's 128×256 Gauss–Legendre, lmax 43, dt 150 s.
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated cases: paper, small, ref.") var cases = "paper,small,ref"
    @Option(name: .customLong("thread-counts"), help: "Comma-separated thread counts.") var threadCounts = "1,2"
    @Option(help: "Seconds of timing per measurement.") var budget = 2.0
    @Option(help: "Write the JSON here too.") var json: String?

    static let table: [String: (GridKind, Int, Int, Int, Double)] = [
        "paper": (.equiangular, 256, 512, 86, 150),
        "small": (.legendreGauss, 64, 128, 22, 300),
        "ref": (.legendreGauss, 128, 256, 43, 150),
    ]

    func run() throws {
        global.apply()
        let threads = try parseIntegers(threadCounts, option: "--thread-counts")
        var results: [[String: Any]] = []
        for name in cases.split(separator: ",").map(String.init) {
            guard let (kind, nlat, nlon, lmax, dt) = Self.table[name] else {
                throw HensError.invalid("--cases", "paper, small or ref; got '\(name)'")
            }
            let solver = try ShallowWaterSolver(grid: SphericalGrid(kind, nlat: nlat, nlon: nlon), lmax: lmax, dt: dt)
            for t in threads {
                Parallel.configure(threads: t)
                var state = InitialCondition.random(mach: 0.2, llimit: 20, seed: 1).state(for: solver)
                var integrator = AdamsBashforth3()
                let timing = timeRepeated(budget: budget, minRuns: 10) { integrator.step(&state, solver: solver) }
                results.append(["case": name, "grid": kind.rawValue, "nlat": nlat, "nlon": nlon, "lmax": lmax, "dt_s": dt,
                                "threads": t, "median_ms_per_step": timing.median * 1e3, "min_ms_per_step": timing.min * 1e3,
                                "max_ms_per_step": timing.max * 1e3, "runs": timing.runs])
                FileHandle.standardError.write(Data(String(format: "[bench swe] %@ t%d: %.2f ms/step (min %.2f)\n",
                                                           name, t, timing.median * 1e3, timing.min * 1e3).utf8))
            }
        }
        Parallel.configure(threads: global.threads)
        try emitBenchmarkJSON(benchmark: "swe", results: results, to: json)
    }
}
