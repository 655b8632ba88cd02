import XCTest
import Spherical
@testable import ShallowWater
import HensTestSupport


final class SolverTests: XCTestCase {
    func solver(_ kind: GridKind = .legendreGauss, nlat: Int, nlon: Int, lmax: Int? = nil, dt: Double,
                parameters: ShallowWaterParameters = ShallowWaterParameters()) throws -> ShallowWaterSolver {
        try ShallowWaterSolver(grid: SphericalGrid(kind, nlat: nlat, nlon: nlon), lmax: lmax, dt: dt, parameters: parameters)
    }

    /// Asserts two states agree to `tolerance` relative to each field's largest coefficient.
    func assertClose(_ a: SpectralState, _ b: SpectralState, _ tolerance: Double, file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in [(a.geopotential, b.geopotential), (a.vorticity, b.vorticity), (a.divergence, b.divergence)] {
            XCTAssertLessThanOrEqual(maxAbsDifference(x, y), tolerance * maxAbs(y), file: file, line: line)
        }
    }

    /// Williamson test case 2 is a steady state: its tendency vanishes to round-off and a day
    /// of steps leaves it unchanged. Hyperdiffusion is switched off here: it damps the l = 1
    /// vorticity by exp(−(dt/τ)(2/(L(L+1)))⁴) per step (≈ 6e-8 over this day), which the
    /// second solver checks.
    func testSolidBodyRotationIsSteady() throws {
        var inviscid = ShallowWaterParameters()
        inviscid.hyperdiffusionTime = .infinity
        let s = try solver(nlat: 48, nlon: 96, dt: 300, parameters: inviscid)
        let u0 = 2 * Double.pi * s.parameters.radius / (12 * 86_400)
        let initial = InitialCondition.solidBody(u0: u0).state(for: s)
        let f = s.tendency(initial)
        // Scale: the size of each term of the balance, Ω u₀ / r for δ.
        let scale = s.parameters.omega * u0 / s.parameters.radius
        XCTAssertLessThan(maxAbs(f.divergence), 1e-11 * scale)
        XCTAssertLessThan(maxAbs(f.vorticity), 1e-11 * scale)
        XCTAssertLessThan(maxAbs(f.geopotential), 1e-11 * maxAbs(initial.geopotential) / 3600)
        var state = initial
        var integrator = AdamsBashforth3()
        integrator.advance(&state, steps: 288, solver: s) // one day
        XCTAssertLessThan(maxAbsDifference(state.geopotential, initial.geopotential) / maxAbs(initial.geopotential), 1e-12)
        XCTAssertLessThan(maxAbsDifference(state.vorticity, initial.vorticity) / maxAbs(initial.vorticity), 1e-12)
        // The vorticity is the closed form 2u₀ sin φ / r.
        let zeta = s.gridFields(state).vorticity
        for k in stride(from: 0, to: s.grid.nlat, by: 7) {
            XCTAssertEqual(zeta[k * s.grid.nlon], 2 * u0 * s.grid.cosColatitudes[k] / s.parameters.radius, accuracy: 1e-12 * 2 * u0 / s.parameters.radius)
        }
        // With hyperdiffusion: the factors are exp(−(dt/τ)(l(l+1)/(L(L+1)))⁴) (e-folding τ = 2 h at
        // the truncation) and the l = 1 vorticity decays at about that rate (the dynamics
        // re-balance part of it, so only the size is checked).
        let viscous = try solver(nlat: 48, nlon: 96, dt: 300)
        var damped = initial
        var viscousIntegrator = AdamsBashforth3()
        viscousIntegrator.advance(&damped, steps: 288, solver: viscous)
        let top = Double(viscous.lmax * (viscous.lmax - 1))
        let decay = exp(-288 * (300 / 7200) * pow(2 / top, 4))
        let l1 = 2 * (1 * viscous.mmax) // (l = 1, m = 0) real part
        let loss = 1 - damped.vorticity[l1] / initial.vorticity[l1]
        XCTAssertGreaterThan(loss, 0.5 * (1 - decay)); XCTAssertLessThan(loss, 1.5 * (1 - decay))
        let last = 2 * (viscous.lmax - 1) * viscous.mmax
        XCTAssertEqual(viscous.hyperdiffusion[last], exp(-300.0 / 7200), accuracy: 1e-15)
        XCTAssertEqual(viscous.hyperdiffusion[l1], exp(-(300.0 / 7200) * pow(2 / top, 4)), accuracy: 1e-15)
        XCTAssertEqual(viscous.hyperdiffusion[0], 1)
    }

    /// Step 0 is forward Euler, step 1 is S + dt(28/12 F₁ − 16/12 F₀), each followed by
    /// hyperdiffusion, and step 2 is textbook AB3.
    func testAdamsBashforthStartUp() throws {
        let s = try solver(nlat: 32, nlon: 64, dt: 600)
        let s0 = InitialCondition.random(mach: 0.2, llimit: 10, seed: 4).state(for: s)
        var state = s0
        var integrator = AdamsBashforth3()
        integrator.step(&state, solver: s)
        let f0 = s.tendency(s0)
        var expected1 = s0
        expected1.add([(s.dt, f0)])
        s.diffuse(&expected1)
        assertClose(state, expected1, 1e-14)
        integrator.step(&state, solver: s)
        let f1 = s.tendency(expected1)
        var expected2 = expected1
        expected2.add([(s.dt * 23 / 12, f1), (-s.dt * 16 / 12, f0), (s.dt * 5 / 12, f1)])
        s.diffuse(&expected2)
        assertClose(state, expected2, 1e-14)
        // It is the hand combination 28/12 F₁ − 16/12 F₀, not textbook AB2 (3/2 F₁ − 1/2 F₀).
        var alt = expected1
        alt.add([(s.dt * 28 / 12, f1), (-s.dt * 16 / 12, f0)])
        s.diffuse(&alt)
        assertClose(state, alt, 1e-14)
        var ab2 = expected1
        ab2.add([(s.dt * 1.5, f1), (-s.dt * 0.5, f0)])
        s.diffuse(&ab2)
        XCTAssertGreaterThan(maxAbsDifference(ab2.vorticity, state.vorticity), 1e-6 * maxAbs(state.vorticity))
        integrator.step(&state, solver: s)
        let f2 = s.tendency(expected2)
        var expected3 = expected2
        expected3.add([(s.dt * 23 / 12, f2), (-s.dt * 16 / 12, f1), (s.dt * 5 / 12, f0)])
        s.diffuse(&expected3)
        assertClose(state, expected3, 1e-14)
        XCTAssertEqual(integrator.stepCount, 3)
    }

    /// Galewsky jet at 128×256: mass conserved to 1e-12, height range and jet speed as in
    /// the literature over the first day, energy drift bounded.
    func testGalewskyConservation() throws {
        let s = try solver(nlat: 128, nlon: 256, dt: 150)
        var state = InitialCondition.galewsky.state(for: s)
        let d0 = s.diagnostics(state)
        XCTAssertEqual(d0.maxWind, 80, accuracy: 1.5)
        XCTAssertGreaterThan(d0.minHeight, 8_900); XCTAssertLessThan(d0.maxHeight, 10_300)
        var integrator = AdamsBashforth3()
        integrator.advance(&state, steps: 576, solver: s) // one day
        let d1 = s.diagnostics(state)
        XCTAssertEqual(d1.mass, d0.mass, accuracy: 1e-12 * d0.mass)
        XCTAssertEqual(d1.energy, d0.energy, accuracy: 1e-4 * d0.energy)
        XCTAssertGreaterThan(d1.minHeight, 8_500); XCTAssertLessThan(d1.maxHeight, 10_400)
        XCTAssertGreaterThan(d1.maxWind, 70); XCTAssertLessThan(d1.maxWind, 95)
    }

    /// Random initial conditions have the variance the spectrum implies: h′ variance
    /// h_amp²·Σₗ(½ + 2l)/(llimit(llimit+1)) over 1 ≤ l < llimit, and mean |u|²
    /// 2·mach²·g·h_avg/(llimit(llimit+1))·Σₗ(½ + 2l)/(l(l+1)); averaged over seeds.
    func testRandomInitialConditionStatistics() throws {
        let s = try solver(.equiangular, nlat: 128, nlon: 256, lmax: 43, dt: 150)
        let llimit = 20, mach = 0.2, p = s.parameters
        let norm = Double(llimit * (llimit + 1))
        var sumH = 0.0, sumU = 0.0
        for l in 1..<llimit {
            let modes = 0.5 + 2 * Double(l) // E Σₘ wₘ|z|²: ½ from m = 0 (real part), 2 per m ≥ 1
            sumH += modes
            sumU += modes / Double(l * (l + 1))
        }
        let expectedHStd = (p.perturbationAmplitude * p.perturbationAmplitude * sumH / norm).squareRoot()
        let expectedURms = (2 * mach * mach * p.gravity * p.meanDepth / norm * sumU).squareRoot()
        var hVar = 0.0, u2 = 0.0
        let seeds: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8]
        for seed in seeds {
            let fields = s.gridFields(InitialCondition.random(mach: mach, llimit: llimit, seed: seed).state(for: s))
            var mean = 0.0, total = 0.0
            let areas = s.grid.cellAreas
            for i in 0..<s.gridCount { mean += areas[i / s.grid.nlon] * fields.geopotential[i] / p.gravity; total += areas[i / s.grid.nlon] }
            mean /= total
            for i in 0..<s.gridCount {
                let a = areas[i / s.grid.nlon] / total
                let h = fields.geopotential[i] / p.gravity - mean
                hVar += a * h * h
                u2 += a * (fields.u[i] * fields.u[i] + fields.v[i] * fields.v[i])
            }
        }
        let hStd = (hVar / Double(seeds.count)).squareRoot(), uRms = (u2 / Double(seeds.count)).squareRoot()
        // About 400 degrees of freedom per seed and field: a few per cent of sampling noise.
        XCTAssertEqual(hStd, expectedHStd, accuracy: 0.06 * expectedHStd)
        XCTAssertEqual(uRms, expectedURms, accuracy: 0.06 * expectedURms)
        // Same seed, same state; another seed, another state.
        let a = InitialCondition.random(mach: mach, llimit: llimit, seed: 9).state(for: s)
        XCTAssertEqual(a, InitialCondition.random(mach: mach, llimit: llimit, seed: 9).state(for: s))
        XCTAssertNotEqual(a, InitialCondition.random(mach: mach, llimit: llimit, seed: 10).state(for: s))
    }

    func testInvalidConfigurationsThrow() throws {
        let g = try SphericalGrid(.legendreGauss, nlat: 32, nlon: 64)
        XCTAssertThrowsError(try ShallowWaterSolver(grid: g, dt: -1))
        XCTAssertThrowsError(try ShallowWaterSolver(grid: g, dt: .nan))
        XCTAssertThrowsError(try ShallowWaterSolver(grid: g, lmax: 2, dt: 100))
        XCTAssertThrowsError(try ShallowWaterSolver(grid: g, lmax: 40, dt: 100))
        XCTAssertThrowsError(try ShallowWaterSolver(grid: SphericalGrid(.legendreGauss, nlat: 4, nlon: 8), dt: 100))
    }
}

/// The amplitudes `hens check swe random` prints.
final class RandomInitialStatisticsTests: XCTestCase {
    func testRandomStatesHaveConsistentPositiveAmplitudes() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 32, nlon: 64)
        let solver = try ShallowWaterSolver(grid: grid, lmax: ShallowWaterSolver.defaultBandLimit(nlat: 32), dt: 150)
        let s = RandomInitialStatistics(solver: solver, mach: 0.2, llimit: 8, samples: 2)
        for value in [s.heightStd, s.rmsWind, s.maxWind, s.vorticityStd, s.divergenceStd] { XCTAssertGreaterThan(value, 0) }
        XCTAssertGreaterThanOrEqual(s.maxWind, s.rmsWind, "the largest speed bounds the RMS speed")
        // Mach 0.2 of the gravity-wave speed √(gH) of a ~10 km layer (~313 m/s): tens of m/s, not hundreds.
        XCTAssertLessThan(s.rmsWind, 150)
        // The same seeds give the same statistics (no hidden state between calls).
        XCTAssertEqual(RandomInitialStatistics(solver: solver, mach: 0.2, llimit: 8, samples: 2).heightStd, s.heightStd)
    }
}
