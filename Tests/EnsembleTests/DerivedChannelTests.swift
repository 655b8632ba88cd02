import XCTest
import ChannelDerivation
import Dispatch
import HensCore
import Spherical
import DatasetIO
@testable import Ensemble
import HensTestSupport

final class DerivedChannelTests: XCTestCase {
    private let era5 = ["u10m", "v10m", "u850", "v850", "z500", "t2m", "msl"].map { ChannelInfo(name: $0, units: "x", longName: "model \($0)") }
    private let swe = [
        ChannelInfo(name: "geopotential", units: "m2 s-2"),
        ChannelInfo(name: "vorticity", units: "s-1"),
        ChannelInfo(name: "divergence", units: "s-1"),
    ]

    /// Runs one member through a plan.
    private func run(_ plan: OutputChannelPlan, _ state: [Float], workspace: OutputChannelWorkspace? = nil) -> [Float] {
        XCTAssertEqual(state.count, plan.stateCount)
        var out = [Float](repeating: .nan, count: plan.outputCount)
        let w = workspace ?? plan.makeWorkspace()
        state.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { plan.compute(state: s.baseAddress!, into: $0.baseAddress!, workspace: w) }
        }
        return out
    }

    /// Channel `c` of a `[channel][point]` array.
    private func channel(_ values: [Float], _ c: Int, _ n: Int) -> ArraySlice<Float> { values[(c * n)..<((c + 1) * n)] }

    // MARK: Pass-through and wind speed from components

    func testModelChannelsPassThroughInRequestedOrder() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 5, nlon: 8)
        let n = 40
        let state = (0..<(era5.count * n)).map { Float($0) * 0.5 + 1 }
        let plan = try OutputChannelPlan(requested: ["t2m", "z500", "u10m"], modelChannels: era5, grid: grid)
        XCTAssertEqual(plan.outputs, [era5[5], era5[4], era5[0]])
        XCTAssertEqual(plan.sources, [.model(index: 5), .model(index: 4), .model(index: 0)])
        XCTAssertFalse(plan.usesTransforms)
        let out = run(plan, state)
        for (k, c) in [5, 4, 0].enumerated() { XCTAssertEqual(channel(out, k, n), channel(state, c, n)) }
    }

    func testEmptyRequestMeansAllModelChannels() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        let plan = try OutputChannelPlan(requested: [], modelChannels: era5, grid: grid)
        XCTAssertEqual(plan.outputs, era5)
        let state = (0..<plan.stateCount).map { Float($0).squareRoot() }
        XCTAssertEqual(run(plan, state), state)
    }

    func testWindSpeedFromComponentsMatchesHandComputation() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 3, nlon: 4)
        let n = 12
        var state = [Float](repeating: 0, count: era5.count * n)
        for i in 0..<n {
            state[0 * n + i] = 3 * Float(i) - 7     // u10m
            state[1 * n + i] = 4 - Float(i % 5)     // v10m
            state[2 * n + i] = -12                  // u850
            state[3 * n + i] = Float(i) == 4 ? 5 : -5 // v850
            state[4 * n + i] = 5_000 + Float(i)     // z500
        }
        let plan = try OutputChannelPlan(requested: ["ws10m", "wind_speed850", "z500", "ws850"], modelChannels: era5, grid: grid)
        XCTAssertEqual(plan.sources, [.windSpeed(u: 0, v: 1), .windSpeed(u: 2, v: 3), .model(index: 4), .windSpeed(u: 2, v: 3)])
        XCTAssertEqual(plan.outputs.map(\.name), ["ws10m", "wind_speed850", "z500", "ws850"])
        XCTAssertEqual(plan.outputs[0], ChannelInfo(name: "ws10m", units: "m s-1", longName: "10 m wind speed", standardName: "wind_speed"))
        XCTAssertEqual(plan.outputs[1].longName, "wind speed at 850 hPa")
        XCTAssertEqual(plan.outputs[3].standardName, "wind_speed")
        let out = run(plan, state)
        for i in 0..<n {
            let u = 3 * Double(i) - 7, v = 4 - Double(i % 5)
            XCTAssertEqual(Double(out[i]), (u * u + v * v).squareRoot(), accuracy: 1e-5)
            XCTAssertEqual(out[n + i], 13)            // 5–12–13 triangle
            XCTAssertEqual(out[2 * n + i], 5_000 + Float(i))
            XCTAssertEqual(out[3 * n + i], 13)
        }
        XCTAssertEqual(Double(out[2]), 5.0.squareRoot(), accuracy: 1e-6)   // i = 2: u = −1, v = 2
    }

    func testSpeedPrefersModelComponentsOverSpectralSynthesis() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 8, nlon: 16)
        let channels = swe + [ChannelInfo(name: "u", units: "m s-1"), ChannelInfo(name: "v", units: "m s-1")]
        let plan = try OutputChannelPlan(requested: ["wind_speed", "u"], modelChannels: channels, grid: grid)
        XCTAssertEqual(plan.sources, [.windSpeed(u: 3, v: 4), .model(index: 3)])
        XCTAssertFalse(plan.usesTransforms)
    }

    // MARK: Winds from vorticity and divergence

    /// Solid-body rotation about an axis tilted by α towards λ = 0 (Williamson et al. 1992, case 1):
    /// u = u₀(cos φ cos α + sin φ cos λ sin α), v = −u₀ sin λ sin α,
    /// ζ = 2u₀/r (sin φ cos α − cos φ cos λ sin α), δ = 0.
    private func solidBody(_ grid: SphericalGrid, u0: Double, alpha: Double, radius: Double)
        -> (state: [Float], u: [Double], v: [Double]) {
        let n = grid.nlat * grid.nlon
        var state = [Float](repeating: 0, count: 3 * n), u = [Double](repeating: 0, count: n), v = u
        for (row, colatitude) in grid.colatitudes.enumerated() {
            let phi = Double.pi / 2 - colatitude
            for (col, lambda) in grid.longitudes.enumerated() {
                let i = row * grid.nlon + col
                u[i] = u0 * (cos(phi) * cos(alpha) + sin(phi) * cos(lambda) * sin(alpha))
                v[i] = -u0 * sin(lambda) * sin(alpha)
                state[i] = Float(1e5 + 10 * Double(i))   // geopotential: passes through untouched
                state[n + i] = Float(2 * u0 / radius * (sin(phi) * cos(alpha) - cos(phi) * cos(lambda) * sin(alpha)))
                state[2 * n + i] = 0
            }
        }
        return (state, u, v)
    }

    private func checkSolidBody(_ grid: SphericalGrid, alpha: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let u0 = 20.0, radius = OutputChannelPlan.defaultRadius, n = grid.nlat * grid.nlon
        let plan = try OutputChannelPlan(requested: ["u", "v", "wind_speed", "geopotential"], modelChannels: swe, grid: grid)
        XCTAssertTrue(plan.usesTransforms, file: file, line: line)
        XCTAssertEqual(plan.outputs.map(\.standardName), ["eastward_wind", "northward_wind", "wind_speed", nil], file: file, line: line)
        XCTAssertEqual(plan.outputs.map(\.units), ["m s-1", "m s-1", "m s-1", "m2 s-2"], file: file, line: line)
        let field = solidBody(grid, u0: u0, alpha: alpha, radius: radius)
        let out = run(plan, field.state)
        var worst = (u: 0.0, v: 0.0, speed: 0.0)
        for i in 0..<n {
            worst.u = max(worst.u, abs(Double(out[i]) - field.u[i]))
            worst.v = max(worst.v, abs(Double(out[n + i]) - field.v[i]))
            worst.speed = max(worst.speed, abs(Double(out[2 * n + i]) - (field.u[i] * field.u[i] + field.v[i] * field.v[i]).squareRoot()))
        }
        // Float32 transforms: errors of ≈ 3e-6 m/s for u₀ = 20 m/s; a wrong sign or degree factor
        // would be off by O(u₀), a radius of 6.371e6 instead of 6.37122e6 m by 7e-4 m/s.
        XCTAssertLessThan(worst.u, 2e-5, "max |u − u_exact| on \(grid.label)", file: file, line: line)
        XCTAssertLessThan(worst.v, 2e-5, "max |v − v_exact| on \(grid.label)", file: file, line: line)
        XCTAssertLessThan(worst.speed, 2e-5, "max |speed − exact| on \(grid.label)", file: file, line: line)
        XCTAssertEqual(Array(channel(out, 3, n)), Array(channel(field.state, 0, n)), file: file, line: line)
    }

    func testSolidBodyRotationOnGaussLegendreGrid() throws {
        try checkSolidBody(SphericalGrid(.legendreGauss, nlat: 32, nlon: 64), alpha: 0)
    }

    func testTiltedSolidBodyRotationOnBothGrids() throws {
        try checkSolidBody(SphericalGrid(.legendreGauss, nlat: 32, nlon: 64), alpha: .pi / 3)
        try checkSolidBody(SphericalGrid(.equiangular, nlat: 33, nlon: 64), alpha: 0.7)
    }

    func testRadiusScalesTheWinds() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 16, nlon: 32)
        let field = solidBody(grid, u0: 10, alpha: 0, radius: OutputChannelPlan.defaultRadius)
        let plan = try OutputChannelPlan(requested: ["u"], modelChannels: swe, grid: grid, radius: 2 * OutputChannelPlan.defaultRadius)
        let out = run(plan, field.state)
        for i in stride(from: 0, to: grid.nlat * grid.nlon, by: 7) { XCTAssertEqual(Double(out[i]), 2 * field.u[i], accuracy: 1e-4) }
    }

    /// Band-limited random ζ, δ: the plan's winds equal `VectorSphericalHarmonicTransform.wind`,
    /// the reference API whose convention the plan restates over its own buffers.
    func testWindsMatchTheVectorTransformReference() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 24, nlon: 48)
        let radius = OutputChannelPlan.defaultRadius, n = grid.nlat * grid.nlon
        let sht = try SphericalHarmonicTransform<Double>(grid: grid)
        let vsht = try VectorSphericalHarmonicTransform<Double>(grid: grid)
        var coefficients = sht.randomCoefficients(batch: 2, seed: 7)
        for i in coefficients.indices { coefficients[i] *= 1e-5 }   // s-1, like atmospheric ζ and δ
        let per = sht.coefficientCount(batch: 1)
        let fields = sht.inverse(coefficients, batch: 2)
        let reference = vsht.wind(vorticity: Array(coefficients[0..<per]), divergence: Array(coefficients[per...]), radius: radius)
        let plan = try OutputChannelPlan(requested: ["v", "u"], modelChannels: swe, grid: grid)
        let state = [Float](repeating: 0, count: n) + fields.map { Float($0) }
        let out = run(plan, state)
        let scale = (reference.u + reference.v).map(abs).max()!
        XCTAssertGreaterThan(scale, 1)   // a non-trivial field
        var worst = 0.0
        for i in 0..<n {
            worst = max(worst, abs(Double(out[i]) - reference.v[i]), abs(Double(out[n + i]) - reference.u[i]))
        }
        XCTAssertLessThan(worst, 1e-6 * scale)   // observed ≈ 1.5e-7 · scale in Float32
    }

    /// Each member's result depends only on its own state, whatever the workspace computed before
    /// and whichever thread runs it.
    func testMembersAreIndependentAcrossWorkspacesAndThreads() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 16, nlon: 32)
        let plan = try OutputChannelPlan(requested: ["wind_speed", "u", "vorticity"], modelChannels: swe, grid: grid)
        let members = (0..<4).map { m in solidBody(grid, u0: 5 + 7 * Double(m), alpha: 0.3 * Double(m), radius: plan.radius).state }
        let shared = plan.makeWorkspace()
        let serial = members.map { run(plan, $0, workspace: shared) }
        // Determinism contract (A): a member's outputs do not depend on the workspace's history
        // or the worker that computes them.
        XCTAssertEqual(run(plan, members[0], workspace: shared), serial[0])
        XCTAssertNotEqual(serial[0], serial[1])
        // Unchecked: each worker writes its own member's slice.
        nonisolated(unsafe) let results = UnsafeMutablePointer<Float>.allocate(capacity: members.count * plan.outputCount)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: members.count) { m in
            let workspace = plan.makeWorkspace()
            members[m].withUnsafeBufferPointer {
                plan.compute(state: $0.baseAddress!, into: results + m * plan.outputCount, workspace: workspace)
            }
        }
        for m in members.indices {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: results + m * plan.outputCount, count: plan.outputCount)), serial[m])
        }
    }

    // MARK: Errors

    func testUnknownNameListsWhatCanBeDerived() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        assertThrows(try OutputChannelPlan(requested: ["t2m", "rh850"], modelChannels: era5, grid: grid),
                     kind: .invalidArgument, mentioning: ["rh850", "z500", "ws10m", "wind_speed850"])
        assertThrows(try OutputChannelPlan(requested: ["pv"], modelChannels: swe, grid: grid),
                     kind: .invalidArgument, mentioning: ["pv", "u, v, ws, wind_speed"])
        XCTAssertEqual(DerivedChannel.derivableNames(modelChannels: era5.map(\.name)), ["ws10m", "wind_speed10m", "ws850", "wind_speed850"])
        XCTAssertEqual(DerivedChannel.derivableNames(modelChannels: ["t2m"]), [])
    }

    func testMissingComponentIsNamed() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        let noV850 = era5.filter { $0.name != "v850" }
        assertThrows(try OutputChannelPlan(requested: ["ws850"], modelChannels: noV850, grid: grid),
                     kind: .invalidArgument, mentioning: ["ws850", "u850", "missing: v850", "ws10m"])
        assertThrows(try OutputChannelPlan(requested: ["ws100m"], modelChannels: era5, grid: grid), kind: .invalidArgument, mentioning: ["missing: u100m, v100m"])
        assertThrows(try OutputChannelPlan(requested: ["u"], modelChannels: era5, grid: grid), kind: .invalidArgument, mentioning: ["vorticity", "divergence"])
        assertThrows(try OutputChannelPlan(requested: ["v"], modelChannels: Array(swe.prefix(2)), grid: grid), kind: .invalidArgument, mentioning: ["missing: divergence"])
    }

    func testDuplicatesAndDegenerateInputsAreRejected() throws {
        let grid = try SphericalGrid(.legendreGauss, nlat: 4, nlon: 8)
        assertThrows(try OutputChannelPlan(requested: ["ws10m", "t2m", "ws10m"], modelChannels: era5, grid: grid),
                     kind: .invalidArgument, mentioning: ["output channels", "ws10m", "once"])
        assertThrows(try OutputChannelPlan(requested: [], modelChannels: [], grid: grid), kind: .invalidArgument, mentioning: ["model channels"])
        assertThrows(try OutputChannelPlan(requested: ["u"], modelChannels: swe, grid: grid, radius: 0), kind: .invalidArgument, mentioning: ["radius"])
    }
}
