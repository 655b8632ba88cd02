/// The prognostic state of the shallow-water solver in spectral space: ortho-normalised
/// coefficients (no Condon–Shortley phase) of geopotential Φ = g h, relative vorticity ζ and
/// divergence δ, each `[lmax][mmax]` interleaved complex, in Float64.
public struct SpectralState: Equatable, Sendable {
    public var geopotential: [Double]
    public var vorticity: [Double]
    public var divergence: [Double]

    /// A zero state for the given band limits.
    public init(lmax: Int, mmax: Int) {
        let n = 2 * lmax * mmax
        geopotential = [Double](repeating: 0, count: n)
        vorticity = geopotential
        divergence = geopotential
    }

    public init(geopotential: [Double], vorticity: [Double], divergence: [Double]) {
        self.geopotential = geopotential
        self.vorticity = vorticity
        self.divergence = divergence
    }

    /// self += Σ cᵢ · termsᵢ, field by field (the Adams–Bashforth update).
    mutating func add(_ terms: [(Double, SpectralState)]) {
        func update(_ target: inout [Double], _ path: KeyPath<SpectralState, [Double]>) {
            target.withUnsafeMutableBufferPointer { t in
                for (c, term) in terms {
                    term[keyPath: path].withUnsafeBufferPointer { x in
                        for i in 0..<t.count { t[i] += c * x[i] }
                    }
                }
            }
        }
        update(&geopotential, \.geopotential)
        update(&vorticity, \.vorticity)
        update(&divergence, \.divergence)
    }
}
