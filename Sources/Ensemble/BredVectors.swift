import HensCore

/// One model step over a batch of states: reads `batch` states `[member][stateCount]` from the
/// first pointer and writes the `batch` next states to the second. The SFNO's batched
/// `forward(_:output:batch:workspace:)` fits directly; tests use linear toy models. Each
/// member's output must not depend on the other members of the batch, so bred vectors are the
/// same whatever `maxBatch` is.
public typealias EnsembleStep = (_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ batch: Int) -> Void

/// A model step that is told which breeding cycle it runs (0 = from the oldest analysis), so
/// a model reading time-dependent inputs (cos-zenith) can compute them for that cycle's time.
public typealias BreedingStep = (_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ batch: Int,
                                 _ cycle: Int) -> Void

/// Hemispheric-centred bred vectors, time-consistent variant (Toth & Kalnay 1997; Mahesh et al.
/// 2024; docs/formulas.md#bred-vectors).
///
/// Given analyses A(t − KΔt), …, A(t − Δt), A(t) (oldest first; K = `cycles`) and one seed
/// perturbation per bred vector:
///
///     dx ← seed perturbation
///     for i in 0..<K:   x0 = A(t − (K − i)Δt);  dx ← rescale(M(x0 + dx) − M(x0))
///
/// so after the last cycle dx is a Δt-forecast difference *valid at t*, and the members are
/// A(t) ± dx. This is Earth2Studio's `HemisphericCentredBredVector` (K + 1 analyses, correct
/// model times); the HENS fork instead steps from A(t − (K−1−i)Δt) and applies a difference valid
/// at t + Δt to A(t). hens follows Earth2Studio because a perturbation should describe error
/// growth up to the state it perturbs. Only A(t − KΔt) … A(t − Δt) are stepped; A(t) is the
/// state the pairs are centred on (`applyPerturbation`).
///
/// The unperturbed control is stepped once per cycle and shared by all bred vectors (they start
/// from the same analysis), then the perturbed states run in batches of at most `maxBatch`.
public struct BredVectorBreeder: Sendable {
    /// Number of breeding cycles K (HENS: 3).
    public let cycles: Int
    /// Per-cycle rescaling (HENS: `HemisphericNorm` with τ_c = factor × deterministic RMSE).
    public let rescaler: any PerturbationRescaler
    /// Largest batch passed to the step function.
    public let maxBatch: Int

    /// Creates a breeder.
    /// - Throws: `invalidArgument` for K < 1 or `maxBatch` < 1.
    public init(cycles: Int, rescaler: any PerturbationRescaler, maxBatch: Int = 16) throws {
        guard cycles >= 1 else { throw HensError.invalid("breeding cycles", "at least 1, got \(cycles)") }
        guard maxBatch >= 1 else { throw HensError.invalid("batch size", "at least 1, got \(maxBatch)") }
        self.cycles = cycles
        self.rescaler = rescaler
        self.maxBatch = maxBatch
    }

    /// Values per state.
    public var stateCount: Int { rescaler.stateCount }

    /// Breeds one bred vector per seed perturbation.
    /// - Parameters:
    ///   - analyses: K + 1 states, oldest first; the last is the analysis at the initial time
    ///     (checked for size, not stepped).
    ///   - perturbations: initial perturbations `[vector][stateCount]` (e.g. `SeedNoise.drawState`);
    ///     overwritten in place with the bred vectors, valid at the initial time.
    ///   - count: number of vectors.
    ///   - step: the model step.
    /// - Throws: `badInput` when the analyses are missing or of the wrong size.
    public func breed(analyses: [[Float]], perturbations: UnsafeMutablePointer<Float>, count: Int,
                      step: EnsembleStep) throws {
        let cycleStep: BreedingStep = { input, output, batch, _ in step(input, output, batch) }
        try breed(analyses: analyses, perturbations: perturbations, count: count, step: cycleStep)
    }

    /// `breed(analyses:perturbations:count:step:)` with a step told its breeding cycle.
    public func breed(analyses: [[Float]], perturbations: UnsafeMutablePointer<Float>, count: Int,
                      step: BreedingStep) throws {
        let n = stateCount
        guard analyses.count == cycles + 1 else {
            throw HensError(.badInput, "breeding: \(cycles) cycle(s) need \(cycles + 1) analyses (t−\(cycles)Δt … t), got \(analyses.count)")
        }
        for (i, a) in analyses.enumerated() where a.count != n {
            throw HensError(.badInput, "breeding: analysis \(i) (t−\(cycles - i)Δt) has \(a.count) values, expected \(n)")
        }
        guard count > 0 else { return }
        let control = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: n * min(maxBatch, count))
        let output = UnsafeMutablePointer<Float>.allocate(capacity: n * min(maxBatch, count))
        defer { control.deallocate(); input.deallocate(); output.deallocate() }
        for cycle in 0..<cycles {
            analyses[cycle].withUnsafeBufferPointer { a in
                let x0 = a.baseAddress!
                step(x0, control, 1, cycle)
                var first = 0
                while first < count {
                    let batch = min(maxBatch, count - first)
                    for b in 0..<batch {
                        let dx = perturbations + (first + b) * n, x = input + b * n
                        for i in 0..<n { x[i] = x0[i] + dx[i] }
                    }
                    step(input, output, batch, cycle)
                    let rescaler = self.rescaler
                    let pointers = BatchPointers(output: output, perturbations: perturbations + first * n, control: control)
                    Parallel.forEachCyclic(batch) { b in
                        let dx = pointers.perturbations + b * n, y = pointers.output + b * n
                        for i in 0..<n { dx[i] = y[i] - pointers.control[i] }
                        rescaler.rescale(dx)
                    }
                    first += batch
                }
            }
        }
    }

    /// Buffers the per-vector workers read and write (disjoint vectors per worker).
    private struct BatchPointers: @unchecked Sendable {  // unchecked: workers write disjoint vectors
        let output: UnsafeMutablePointer<Float>
        let perturbations: UnsafeMutablePointer<Float>
        let control: UnsafeMutablePointer<Float>
    }

    /// Array convenience: breeds and returns the bred vectors `[vector][stateCount]`.
    public func breed(analyses: [[Float]], perturbations: [Float], step: EnsembleStep) throws -> [Float] {
        guard perturbations.count % max(1, stateCount) == 0 else {
            throw HensError(.internal, "breeding: perturbations are not whole states of \(stateCount) values")
        }
        var dx = perturbations
        try dx.withUnsafeMutableBufferPointer {
            try breed(analyses: analyses, perturbations: $0.baseAddress!, count: perturbations.count / stateCount, step: step)
        }
        return dx
    }

    /// A member's initial state: `analysis + sign · perturbation`, then every channel flagged in
    /// `nonNegative` (moisture, precipitation…) clipped at 0 — HENS' "qmin0". With no clipped
    /// channel, the members of a ± pair sum to exactly twice the analysis up to Float32 rounding.
    /// - Parameters:
    ///   - nonNegative: one flag per channel (empty: no clipping); a state has
    ///   `nonNegative.count` channels of `count / nonNegative.count` points.
    public static func applyPerturbation(analysis: UnsafePointer<Float>, perturbation: UnsafePointer<Float>, sign: Int,
                                         count: Int, nonNegative: [Bool] = [], into member: UnsafeMutablePointer<Float>) {
        applyPerturbation(analysis: analysis, perturbation: perturbation, sign: sign, count: count,
                          floors: nonNegative.map { $0 ? 0 : nil }, into: member)
    }

    /// `applyPerturbation` with an explicit lower bound per channel (nil: none), for states kept
    /// in a normalised space where physical 0 is `−mean / std`.
    public static func applyPerturbation(analysis: UnsafePointer<Float>, perturbation: UnsafePointer<Float>, sign: Int,
                                         count: Int, floors: [Float?], into member: UnsafeMutablePointer<Float>) {
        let s = Float(sign)
        for i in 0..<count { member[i] = analysis[i] + s * perturbation[i] }
        guard floors.contains(where: { $0 != nil }) else { return }
        let points = count / floors.count
        for (c, floor) in floors.enumerated() {
            guard let floor else { continue }
            let x = member + c * points
            for i in 0..<points where x[i] < floor { x[i] = floor }
        }
    }
}
