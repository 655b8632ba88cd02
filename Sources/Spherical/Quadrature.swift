import Foundation

/// A quadrature rule on x = cos θ ∈ [−1, 1]: nodes in ascending order and weights summing to 2.
public struct Quadrature: Equatable, Sendable {
    /// Nodes, ascending from −1 to 1.
    public let nodes: [Double]
    /// Weights; Σ w = 2 (the length of [−1, 1]).
    public let weights: [Double]

    /// Gauss–Legendre rule with `n` nodes (exact for polynomials up to degree 2n − 1).
    ///
    /// Nodes are the roots of Pₙ, found by Newton iteration from Tricomi's initial guesses;
    /// weights are 2 / ((1 − x²) Pₙ′(x)²).
    public static func legendreGauss(_ n: Int) -> Quadrature {
        precondition(n >= 1, "Gauss–Legendre needs at least one node")
        var x = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        for i in 0..<(n + 1) / 2 {
            // Largest roots first: start near cos(π(i + 3/4)/(n + 1/2)).
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                let (p, dp) = legendreValueAndDerivative(n, z)
                derivative = dp
                let dz = p / dp
                z -= dz
                if abs(dz) < 1e-16 { break }
            }
            derivative = legendreValueAndDerivative(n, z).1
            let weight = 2 / ((1 - z * z) * derivative * derivative)
            x[n - 1 - i] = z
            x[i] = -z
            w[n - 1 - i] = weight
            w[i] = weight
        }
        if n % 2 == 1 { x[n / 2] = 0 }
        return Quadrature(nodes: x, weights: w)
    }

    /// Gauss–Lobatto–Legendre rule with `n ≥ 2` nodes: ±1 and the roots of P′ₙ₋₁
    /// (exact up to degree 2n − 3). Weights are 2 / (n (n − 1) Pₙ₋₁(x)²).
    public static func lobatto(_ n: Int) -> Quadrature {
        precondition(n >= 2, "Lobatto needs at least two nodes")
        let degree = n - 1
        var x = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        for i in 0..<n {
            // Chebyshev–Gauss–Lobatto start, then Newton on (1 − x²) P′ₙ₋₁(x) = 0 written with
            // the recurrence identity (x Pₙ₋₁ − Pₙ₋₂) / (n Pₙ₋₁) as the update.
            var z = -cos(Double.pi * Double(i) / Double(degree))
            if i > 0 && i < degree {
                for _ in 0..<100 {
                    let (pn, pnm1) = legendrePair(degree, z)
                    let dz = (z * pn - pnm1) / (Double(n) * pn)
                    z -= dz
                    if abs(dz) < 1e-16 { break }
                }
            }
            let pn = legendrePair(degree, z).0
            x[i] = z
            w[i] = 2 / (Double(n * degree) * pn * pn)
        }
        return symmetrized(Quadrature(nodes: x, weights: w))
    }

    /// Clenshaw–Curtis rule on the equiangular grid θₖ = πk/(n − 1), both poles included.
    ///
    /// The weights are the closed cosine-series form that Waldvogel's (2006) FFT construction
    /// evaluates: wₖ = (cₖ/N)(1 − Σⱼ bⱼ cos(2jθₖ)/(4j² − 1)), N = n − 1, with cₖ = 1 at the poles
    /// (2 elsewhere) and bⱼ = 1 for j = N/2 (2 otherwise). Exact for polynomials up to degree n − 1.
    public static func clenshawCurtis(_ n: Int) -> Quadrature {
        precondition(n >= 2, "Clenshaw–Curtis needs at least two nodes")
        if n == 2 { return Quadrature(nodes: [-1, 1], weights: [1, 1]) }
        let big = n - 1
        var x = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let theta = Double.pi * Double(k) / Double(big)
            var sum = 0.0
            for j in 1...(big / 2) {
                let b: Double = (2 * j == big) ? 1 : 2
                sum += b * cos(2 * Double(j) * theta) / Double(4 * j * j - 1)
            }
            let c: Double = (k == 0 || k == big) ? 1 : 2
            // Node order ascending in x = cos θ: θ from π down to 0.
            x[n - 1 - k] = cos(theta)
            w[n - 1 - k] = c / Double(big) * (1 - sum)
        }
        return symmetrized(Quadrature(nodes: x, weights: w))
    }

    /// Makes the rule exactly symmetric (x ↦ −x), removing round-off asymmetry so that
    /// the equatorial-parity folding of the transforms is exact.
    private static func symmetrized(_ q: Quadrature) -> Quadrature {
        var x = q.nodes, w = q.weights
        let n = x.count
        for i in 0..<n / 2 {
            let j = n - 1 - i
            let xs = 0.5 * (x[j] - x[i])
            let ws = 0.5 * (w[j] + w[i])
            x[i] = -xs; x[j] = xs
            w[i] = ws; w[j] = ws
        }
        if n % 2 == 1 { x[n / 2] = 0 }
        return Quadrature(nodes: x, weights: w)
    }
}

/// (Pₙ(z), Pₙ′(z)) by the three-term recurrence.
func legendreValueAndDerivative(_ n: Int, _ z: Double) -> (Double, Double) {
    let (p, pm1) = legendrePair(n, z)
    let dp = Double(n) * (z * p - pm1) / (z * z - 1)
    return (p, dp)
}

/// (Pₙ(z), Pₙ₋₁(z)) by the three-term recurrence (P₋₁ ≡ 0).
func legendrePair(_ n: Int, _ z: Double) -> (Double, Double) {
    var p0 = 1.0, p1 = z
    if n == 0 { return (1, 0) }
    for k in 2...max(2, n) where k <= n {
        let p2 = (Double(2 * k - 1) * z * p1 - Double(k - 1) * p0) / Double(k)
        p0 = p1
        p1 = p2
    }
    return (p1, p0)
}
