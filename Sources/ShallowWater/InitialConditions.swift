import Foundation
import HensCore
import Spherical

/// Initial conditions of the shallow-water solver (docs/formulas.md#initial-conditions).
public enum InitialCondition: Sendable, Equatable {
    /// Random spectral fields (torch-harmonics `random_initial_condition`): complex standard
    /// normal coefficients (E|z|² = 1) on l < llimit, m ≤ l, scaled by √(4π/(llimit(llimit+1)));
    /// Φ gets g·h_amp times one field plus the mean g·h_avg, ζ and δ get
    /// mach·√(g h_avg)/r times two others. Seeded: the same seed gives the same state on every
    /// machine and thread count.
    case random(mach: Double, llimit: Int, seed: UInt64)
    /// Galewsky et al. (2004) barotropically unstable mid-latitude jet with a height bump.
    case galewsky
    /// Williamson et al. (1992) test case 2: steady solid-body rotation with wind u₀ at the
    /// equator and the balancing geopotential.
    case solidBody(u0: Double)

    /// The spectral state of this initial condition for a solver.
    public func state(for solver: ShallowWaterSolver) -> SpectralState {
        switch self {
        case let .random(mach, llimit, seed): return randomState(solver, mach: mach, llimit: llimit, seed: seed)
        case .galewsky: return galewskyState(solver)
        case let .solidBody(u0): return solidBodyState(solver, u0: u0)
        }
    }
}

private func randomState(_ solver: ShallowWaterSolver, mach: Double, llimit: Int, seed: UInt64) -> SpectralState {
    let p = solver.parameters
    let lmax = solver.lmax, mmax = solver.mmax
    var state = SpectralState(lmax: lmax, mmax: mmax)
    var rng = SeededGenerator(seed: seed)
    let amplitude = (4 * Double.pi / Double(llimit * (llimit + 1))).squareRoot()
    let scales = [p.gravity * p.perturbationAmplitude, mach * p.gravityWaveSpeed / p.radius, mach * p.gravityWaveSpeed / p.radius]
    let half = 0.5.squareRoot()
    var fields = [state.geopotential, state.vorticity, state.divergence]
    for f in 0..<3 {
        for l in 0..<min(llimit, lmax) {
            for m in 0...min(l, mmax - 1) {
                // Draw both parts in a fixed order; the imaginary part of m = 0 is invisible on
                // the grid and is zeroed (torch-harmonics keeps it in spectral space).
                let re = rng.nextNormal() * half, im = rng.nextNormal() * half
                fields[f][2 * (l * mmax + m)] = scales[f] * amplitude * re
                fields[f][2 * (l * mmax + m) + 1] = m == 0 ? 0 : scales[f] * amplitude * im
            }
        }
    }
    fields[0][0] += (4 * Double.pi).squareRoot() * p.meanDepth * p.gravity
    state.geopotential = fields[0]
    state.vorticity = fields[1]
    state.divergence = fields[2]
    return state
}

/// Builds (Φ̂, ζ̂, δ̂) from a zonal-plus-bump wind and height by the balance equation
/// ∇²(Φ + ½|u|²) = k·∇×((ζ + f)u), then adds g(h_avg + h').
private func balancedState(_ solver: ShallowWaterSolver, u: [Double], bump: [Double]) -> SpectralState {
    let p = solver.parameters, n = solver.gridCount, nlon = solver.grid.nlon
    let v = [Double](repeating: 0, count: n)
    let (zetaHat, deltaHat) = solver.vsht.vorticityDivergence(u: u, v: v, radius: p.radius)
    let zeta = solver.sht.inverse(zetaHat)
    var fluxU = [Double](repeating: 0, count: n), kinetic = fluxU, height = fluxU
    for i in 0..<n {
        fluxU[i] = u[i] * (zeta[i] + solver.coriolis[i / nlon])
        kinetic[i] = 0.5 * u[i] * u[i]
        height[i] = p.gravity * (p.meanDepth + bump[i])
    }
    let (curl, _) = solver.vsht.vorticityDivergence(u: fluxU, v: v, radius: p.radius)
    let kineticHat = solver.sht.forward(kinetic), heightHat = solver.sht.forward(height)
    var phi = [Double](repeating: 0, count: solver.coefficientCount)
    for l in 1..<solver.lmax {
        let inverseLaplacian = -p.radius * p.radius / Double(l * (l + 1))
        for i in (2 * l * solver.mmax)..<(2 * (l + 1) * solver.mmax) { phi[i] = inverseLaplacian * curl[i] }
    }
    for i in 0..<phi.count { phi[i] += heightHat[i] - kineticHat[i] }
    return SpectralState(geopotential: phi, vorticity: zetaHat, divergence: deltaHat)
}

private func galewskyState(_ solver: ShallowWaterSolver) -> SpectralState {
    let g = solver.grid, p = solver.parameters
    let uMax = 80.0, phi0 = Double.pi / 7, phi1 = Double.pi / 2 - phi0, phi2 = Double.pi / 4
    let normaliser = exp(-4 / ((phi1 - phi0) * (phi1 - phi0)))
    let alpha = 1.0 / 3, beta = 1.0 / 15
    var u = [Double](), bump = [Double]()
    for k in 0..<g.nlat {
        let lat = Double.pi / 2 - g.colatitudes[k]
        let jet = lat > phi0 && lat < phi1 ? uMax / normaliser * exp(1 / ((lat - phi0) * (lat - phi1))) : 0
        for lon in g.longitudes {
            u.append(jet)
            bump.append(p.perturbationAmplitude * cos(lat) * exp(-pow((lon - .pi) / alpha, 2)) * exp(-pow(phi2 - lat, 2) / beta))
        }
    }
    return balancedState(solver, u: u, bump: bump)
}

private func solidBodyState(_ solver: ShallowWaterSolver, u0: Double) -> SpectralState {
    let g = solver.grid
    var u = [Double](), bump = [Double]()
    for k in 0..<g.nlat {
        let cosLat = sin(g.colatitudes[k])
        for _ in 0..<g.nlon {
            u.append(u0 * cosLat)
            bump.append(0)
        }
    }
    return balancedState(solver, u: u, bump: bump)
}
