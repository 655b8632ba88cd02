import Foundation

/// Integrates one trajectory: spin-up, then `outputsPerTrajectory` outputs every `dtOut`,
/// with one continuous AB3 history (never restarted between outputs).
public struct TrajectoryGenerator {
    public let config: SWEDatasetConfig
    public let solver: ShallowWaterSolver

    public init(config: SWEDatasetConfig, solver: ShallowWaterSolver) {
        self.config = config
        self.solver = solver
    }

    /// Runs trajectory `index` of `split` and calls `emit(timeIndex, channels)` at every output
    /// with one Float32 grid per configured channel (`[nlat][nlon]`). `stepped(n)` reports
    /// progress in solver steps.
    public func run(split: String, index: Int, emit: (Int, [[Float]]) throws -> Void,
                    stepped: (Int) -> Void = { _ in }) throws {
        var state = config.initialCondition(split: split, index: index).state(for: solver)
        var integrator = AdamsBashforth3()
        var remaining = config.spinupSteps
        while remaining > 0 {
            let n = min(remaining, config.stepsPerOutput)
            integrator.advance(&state, steps: n, solver: solver)
            stepped(n)
            remaining -= n
        }
        for t in 0..<config.outputsPerTrajectory {
            if t > 0 {
                integrator.advance(&state, steps: config.stepsPerOutput, solver: solver)
                stepped(config.stepsPerOutput)
            }
            let fields = solver.gridFields(state)
            try emit(t, config.channels.map { channel in
                channel.values(fields, gravity: solver.parameters.gravity).map(Float.init)
            })
        }
    }
}
