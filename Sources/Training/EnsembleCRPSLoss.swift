import HensCore
import Scores

/// The area-weighted fair CRPS of groups of M members against one target
/// (docs/formulas.md#crps-loss):
///
///     loss = (1/B) Σ_b Σ_c w_c Σ_points q · CRPS_fair(x_{b,1…M}(point), y_b(point))
///
/// with q the normalised grid quadrature (Σ q = 1) and w the channel weights — the same
/// weighting as `SphereLoss`, so a one-member MSE and an M-member CRPS run weigh channels and
/// latitudes alike. Each point's value comes from `SortedCRPS.summary` and its gradient from
/// `SortedCRPS.fairGradient`: the kernels `hens evaluate` scores with, so the training loss is
/// the evaluation's fair CRPS by construction.
///
/// Layouts: predictions `[batch][member][channel][point]` (members of a sample consecutive),
/// targets `[batch][channel][point]`. Sums are taken in Float64 per (sample, channel) and
/// combined in a fixed order, so the value does not depend on the thread count.
public struct EnsembleCRPSLoss: Sendable {
    /// Normalised quadrature of the data grid.
    public let quadrature: GridQuadrature
    /// One weight per channel.
    public let channelWeights: [Double]
    /// Members per sample (M ≥ 2: the fair CRPS of one member is undefined).
    public let members: Int

    /// A loss over `channelWeights.count` channels, M = `members`.
    public init(quadrature: GridQuadrature, channelWeights: [Double], members: Int) {
        precondition(members >= 2, "the fair CRPS needs at least two members")
        precondition(!channelWeights.isEmpty, "a loss needs at least one channel")
        self.quadrature = quadrature
        self.channelWeights = channelWeights
        self.members = members
    }

    /// Channels per sample.
    public var channels: Int { channelWeights.count }

    /// The loss of `prediction` (`batch × members × channels × points`) against `target`
    /// (`batch × channels × points`). When `gradient` is non-nil, **writes**
    /// `gradientScale · ∂loss/∂prediction` there (the prediction's layout).
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, batch: Int,
                         gradient: UnsafeMutablePointer<Float>? = nil, gradientScale: Double = 1) -> Double {
        let n = quadrature.fieldCount, nlon = quadrature.nlon, q = quadrature.pointWeights
        let m = members, c = channels, state = c * n
        let pairs = batch * c
        var perPair = [Double](repeating: 0, count: pairs)
        perPair.withUnsafeMutableBufferPointer { out in
            Parallel.forEachCyclic(pairs) { pair in
                let b = pair / c, channel = pair % c
                let truth = target + pair * n
                let first = prediction + b * m * state + channel * n   // member j's field: first + j·state
                let values = UnsafeMutablePointer<Float>.allocate(capacity: m)
                let order = UnsafeMutablePointer<Int>.allocate(capacity: m)
                let slope = UnsafeMutablePointer<Double>.allocate(capacity: m)
                defer { values.deallocate(); order.deallocate(); slope.deallocate() }
                let factor = gradientScale * channelWeights[channel] / Double(batch)
                var sum = 0.0
                for k in 0..<quadrature.nlat {
                    var ring = 0.0
                    for point in (k * nlon)..<((k + 1) * nlon) {
                        Self.sortMembers(first + point, stride: state, count: m, values: values, order: order)
                        let sorted = UnsafeBufferPointer(start: values, count: m)
                        let y = Double(truth[point])
                        ring += SortedCRPS.summary(sorted: sorted, truth: y).crpsFair
                        if let gradient {
                            SortedCRPS.fairGradient(sorted: sorted, truth: y, into: slope)
                            let g = gradient + b * m * state + channel * n + point
                            for rank in 0..<m { g[order[rank] * state] = Float(factor * q[k] * slope[rank]) }
                        }
                    }
                    sum += q[k] * ring
                }
                out[pair] = sum
            }
        }
        var total = 0.0
        for pair in 0..<pairs { total += channelWeights[pair % c] * perPair[pair] }
        return total / Double(batch)
    }

    /// Sorts the `count` values `source[j·stride]` ascending into `values`, with `order[rank]`
    /// the member j at that rank; insertion sort, which is fastest at the few members per sample
    /// training uses, and stable, so tied members keep their member order.
    @inline(__always)
    static func sortMembers(_ source: UnsafePointer<Float>, stride: Int, count: Int,
                            values: UnsafeMutablePointer<Float>, order: UnsafeMutablePointer<Int>) {
        for j in 0..<count {
            let v = source[j * stride]
            var i = j
            while i > 0 && values[i - 1] > v {
                values[i] = values[i - 1]
                order[i] = order[i - 1]
                i -= 1
            }
            values[i] = v
            order[i] = j
        }
    }
}
