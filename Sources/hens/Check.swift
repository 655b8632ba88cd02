import ArgumentParser
import Benchmarks
import Foundation
import HensCore
import Spherical

/// `hens check …`: quick self-checks a user can run on any machine.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Self-checks: numerical kernels (accuracy and a timing), the BLAS kernel, forecast outputs.",
        subcommands: [CheckSHT.self, CheckSWE.self, CheckForecast.self, CheckBLAS.self])
}

struct CheckSHT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sht",
        abstract: "Round-trip a random band-limited batch through the SHT and report error and time.",
        discussion: "Exits with status 1 when the round-trip error exceeds --tolerance.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Grid: legendre-gauss (gl), equiangular (cc) or lobatto.") var grid = "legendre-gauss"
    @Option(help: "Latitude rows.") var nlat = 64
    @Option(help: "Longitude columns.") var nlon = 128
    @Option(help: "Exclusive band limit (default: the grid's).") var lmax: Int?
    @Option(help: "Fields per batch.") var batch = 1
    @Option(help: "float32 or float64.") var precision = "float32"
    @Option(help: "Largest acceptable relative round-trip error (default: 1e-5 for float32, 1e-10 for float64).")
    var tolerance: Double?

    func run() throws {
        try global.apply()
        guard let kind = GridKind(name: grid) else {
            throw HensError.invalid("--grid", "legendre-gauss, equiangular or lobatto; got '\(grid)'")
        }
        guard batch >= 1 else { throw HensError.invalid("--batch", "at least 1, got \(batch)") }
        let g = try SphericalGrid(kind, nlat: nlat, nlon: nlon)
        switch precision {
        case "float32": try check(Float.self, g, tolerance ?? 1e-5)
        case "float64": try check(Double.self, g, tolerance ?? 1e-10)
        default: throw HensError.invalid("--precision", "float32 or float64, got '\(precision)'")
        }
    }

    private func check<T: SHTScalar>(_: T.Type, _ g: SphericalGrid, _ tol: Double) throws {
        let sht = try SphericalHarmonicTransform<T>(grid: g, lmax: lmax)
        let coefficients = sht.randomCoefficients(batch: batch, seed: 42)
        let fields = sht.inverse(coefficients, batch: batch)
        let back = sht.forward(fields, batch: batch)
        let error = relativeL2(back, coefficients)
        let inv = Timing.measure(budget: 0.5, minRuns: 5) { _ = sht.inverse(coefficients, batch: batch) }
        let fwd = Timing.measure(budget: 0.5, minRuns: 5) { _ = sht.forward(fields, batch: batch) }
        let algorithm = sht.resolvedAlgorithm(.automatic, batch: batch).rawValue
        print(String(format: "%@, lmax=mmax=%d, batch %d, %@, %d thread(s), %@ path", g.label, sht.lmax, batch,
                     T.precisionName, Parallel.threadCount, algorithm))
        print(String(format: "  forward %.3f ms, inverse %.3f ms per batch (median of %d/%d runs)",
                     fwd.median * 1e3, inv.median * 1e3, fwd.runs, inv.runs))
        print(String(format: "  round-trip relative L2 error %.2e (tolerance %.0e): %@", error, tol, error <= tol ? "ok" : "FAILED"))
        if error > tol { throw ExitCode(1) }
    }
}
