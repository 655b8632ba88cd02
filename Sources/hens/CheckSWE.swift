import ArgumentParser
import Foundation
import HensCore
import ShallowWater
import Spherical

/// `hens check swe`: the solver validation cases — the Galewsky jet and random initial
/// conditions (docs/formulas.md#initial-conditions) — with figures to compare.
struct CheckSWE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swe",
        abstract: "Validate the shallow-water solver: Galewsky jet (Galewsky et al. 2004) or random-IC statistics.",
        discussion: """
        galewsky: 256×512 equiangular, lmax 86, dt 150 s, 6 days; prints mass, energy, potential
        enstrophy, h range and max |u| once a day. random: initial-condition statistics (h′ std,
        rms |u|, ζ and δ std) over --samples seeds at the same resolution. Exits 1 when mass drifts
        by more than 1e-12 (relative) or h leaves 8000–10500 m.
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "galewsky or random.") var scenario = "galewsky"
    @Option(help: "Simulated days (galewsky).") var days = 6.0
    @Option(help: "Wave-number limit of the random IC.") var llimit = 20
    @Option(help: "Seeds to average (random).") var samples = 8
    @Option(help: "Latitude rows (default 256; nlon = 2·nlat).") var nlat = 256

    func run() throws {
        try global.apply()
        let grid = try SphericalGrid(.equiangular, nlat: nlat, nlon: 2 * nlat)
        let lmax = ShallowWaterSolver.defaultBandLimit(nlat: nlat)
        let solver = try ShallowWaterSolver(grid: grid, lmax: lmax, dt: 150)
        print("\(grid.label), lmax \(lmax), dt 150 s, \(Parallel.threadCount) thread(s)")
        switch scenario {
        case "galewsky": try galewsky(solver)
        case "random": random(solver)
        default: throw HensError.invalid("scenario", "galewsky or random, got '\(scenario)'")
        }
    }

    private func galewsky(_ solver: ShallowWaterSolver) throws {
        var state = InitialCondition.galewsky.state(for: solver)
        var integrator = AdamsBashforth3()
        let d0 = solver.diagnostics(state)
        let stepsPerDay = Int((86_400 / solver.dt).rounded())
        let total = Int((days * Double(stepsPerDay)).rounded())
        func line(_ day: Double, _ d: ShallowWaterDiagnostics) {
            print(String(format: "day %4.1f  h %7.1f … %7.1f m  max|u| %5.1f m/s  mass %+.2e  energy %+.2e  pot.enstrophy %+.2e",
                         day, d.minHeight, d.maxHeight, d.maxWind, d.mass / d0.mass - 1, d.energy / d0.energy - 1,
                         d.potentialEnstrophy / d0.potentialEnstrophy - 1))
        }
        line(0, d0)
        let clock = Stopwatch()
        var done = 0, worstMass = 0.0, heightsOK = true
        while done < total {
            let n = min(stepsPerDay, total - done)
            integrator.advance(&state, steps: n, solver: solver)
            done += n
            let d = solver.diagnostics(state)
            worstMass = max(worstMass, abs(d.mass / d0.mass - 1))
            heightsOK = heightsOK && d.minHeight > 8_000 && d.maxHeight < 10_500
            line(Double(done) / Double(stepsPerDay), d)
        }
        print(String(format: "%d steps in %.1f s (%.2f ms/step); mass drift %.1e", total, clock.seconds,
                     clock.seconds * 1e3 / Double(total), worstMass))
        if worstMass > 1e-12 || !heightsOK { throw ExitCode(1) }
    }

    private func random(_ solver: ShallowWaterSolver) {
        let s = RandomInitialStatistics(solver: solver, mach: 0.2, llimit: llimit, samples: samples)
        print(String(format: "random IC, mach 0.2, llimit %d, %d seeds: h′ std %.1f m, rms|u| %.2f m/s, max|u| %.1f m/s, ζ std %.2e s⁻¹, δ std %.2e s⁻¹",
                     llimit, samples, s.heightStd, s.rmsWind, s.maxWind, s.vorticityStd, s.divergenceStd))
    }
}
