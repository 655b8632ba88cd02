/// Area-weighted statistics of random initial conditions (`InitialCondition.random`), pooled
/// over seeds 0 ..< samples: what `hens check swe random` prints to show that the random states
/// have realistic amplitudes for a Mach number and wave-number limit.
public struct RandomInitialStatistics: Sendable {
    /// Standard deviation of the height about its global mean, metres.
    public let heightStd: Double
    /// Root-mean-square wind speed, m/s.
    public let rmsWind: Double
    /// Largest wind speed at any point of any sample, m/s.
    public let maxWind: Double
    /// Root-mean-square relative vorticity, 1/s.
    public let vorticityStd: Double
    /// Root-mean-square divergence, 1/s.
    public let divergenceStd: Double

    /// Draws `samples` random states on `solver`'s grid and pools their area-weighted moments.
    public init(solver: ShallowWaterSolver, mach: Double, llimit: Int, samples: Int) {
        let p = solver.parameters, areas = solver.grid.cellAreas, nlon = solver.grid.nlon
        var hVar = 0.0, u2 = 0.0, uMax = 0.0, zVar = 0.0, dVar = 0.0
        for seed in 0..<samples {
            let f = solver.gridFields(InitialCondition.random(mach: mach, llimit: llimit, seed: UInt64(seed)).state(for: solver))
            var mean = 0.0
            for i in 0..<solver.gridCount { mean += areas[i / nlon] * f.geopotential[i] / p.gravity }
            mean /= 4 * .pi
            for i in 0..<solver.gridCount {
                let a = areas[i / nlon] / (4 * .pi), h = f.geopotential[i] / p.gravity - mean
                let speed2 = f.u[i] * f.u[i] + f.v[i] * f.v[i]
                hVar += a * h * h; u2 += a * speed2; uMax = max(uMax, speed2.squareRoot())
                zVar += a * f.vorticity[i] * f.vorticity[i]; dVar += a * f.divergence[i] * f.divergence[i]
            }
        }
        let n = Double(max(samples, 1))
        heightStd = (hVar / n).squareRoot()
        rmsWind = (u2 / n).squareRoot()
        maxWind = uMax
        vorticityStd = (zVar / n).squareRoot()
        divergenceStd = (dVar / n).squareRoot()
    }
}
