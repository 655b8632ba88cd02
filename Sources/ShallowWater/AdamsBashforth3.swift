/// Third-order Adams–Bashforth integration with the exact start-up of torch-harmonics
/// (docs/formulas.md#time-stepping-and-hyperdiffusion), whose history runs on across calls:
///
/// - step 0: all three history slots hold F₀ — a forward Euler step;
/// - step 1: the oldest slot is overwritten with F₁ — S += dt(28/12 F₁ − 16/12 F₀);
/// - then S += dt(23/12 Fₙ − 16/12 Fₙ₋₁ + 5/12 Fₙ₋₂).
///
/// Hyperdiffusion is applied to ζ and δ after every step.
public struct AdamsBashforth3: Sendable {
    /// Tendencies, newest first: [Fₙ, Fₙ₋₁, Fₙ₋₂].
    private var history: [SpectralState] = []
    /// Steps taken since the start (or the last `restart()`).
    public private(set) var stepCount = 0

    public init() {}

    /// Forgets the history: the next step is a forward Euler step again.
    public mutating func restart() {
        history = []
        stepCount = 0
    }

    /// Advances `state` by one step of the solver's dt.
    public mutating func step(_ state: inout SpectralState, solver: ShallowWaterSolver) {
        let f = solver.tendency(state)
        switch stepCount {
        case 0: history = [f, f, f]
        case 1: history = [f, history[0], f]
        default: history = [f, history[0], history[1]]
        }
        let dt = solver.dt
        state.add([(dt * 23 / 12, history[0]), (-dt * 16 / 12, history[1]), (dt * 5 / 12, history[2])])
        solver.diffuse(&state)
        stepCount += 1
    }

    /// Advances `state` by `steps` steps.
    public mutating func advance(_ state: inout SpectralState, steps: Int, solver: ShallowWaterSolver) {
        for _ in 0..<steps { step(&state, solver: solver) }
    }
}
