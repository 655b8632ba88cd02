/// Vorticity and divergence ↔ wind, through the vector transform.
///
/// Sign conventions (u eastward, v northward, r the sphere's radius): the vector transform's
/// components are (v_θ, v_λ) = (−v, u); its spheroidal part is the velocity potential χ/r
/// and its toroidal part −ψ/r (ψ the stream function). Hence
///
///     ζₗₘ = l(l+1)/r · tₗₘ,   δₗₘ = −l(l+1)/r · sₗₘ,
///
/// and a solid-body rotation u = u₀ cos φ has ζ = 2u₀ sin φ / r, δ = 0. The ζ, δ coefficients
/// are in the matching scalar transform's convention (same grid, band limit, norm, phase).
extension VectorSphericalHarmonicTransform {
    /// ζ̂ and δ̂ (each `[batch][lmax][mmax]` complex) of the winds u, v (each `[batch][nlat][nlon]`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func vorticityDivergence(u: [T], v: [T], batch: Int = 1, radius: Double = 1) -> (vorticity: [T], divergence: [T]) {
        let n = grid.nlat * grid.nlon
        precondition(u.count == batch * n && v.count == batch * n, "vorticityDivergence: expected \(batch * n) values per component")
        var vectors = [T](repeating: 0, count: gridCount(batch: batch))
        for b in 0..<batch {
            for i in 0..<n {
                vectors[(2 * b) * n + i] = -v[b * n + i]
                vectors[(2 * b + 1) * n + i] = u[b * n + i]
            }
        }
        let st = forward(vectors, batch: batch)
        let per = lmax * mmax * 2
        var zeta = [T](repeating: 0, count: batch * per), delta = zeta
        for b in 0..<batch {
            for l in 0..<lmax {
                let f = T(Double(l * (l + 1)) / radius)
                for k in (l * mmax * 2)..<((l + 1) * mmax * 2) {
                    delta[b * per + k] = -f * st[(2 * b) * per + k]
                    zeta[b * per + k] = f * st[(2 * b + 1) * per + k]
                }
            }
        }
        return (zeta, delta)
    }

    /// Winds u, v (each `[batch][nlat][nlon]`) from ζ̂ and δ̂ (each `[batch][lmax][mmax]` complex).
    /// The l = 0 parts (which no wind field has) are ignored.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func wind(vorticity: [T], divergence: [T], batch: Int = 1, radius: Double = 1) -> (u: [T], v: [T]) {
        let per = lmax * mmax * 2
        precondition(vorticity.count == batch * per && divergence.count == batch * per, "wind: expected \(batch * per) coefficients each")
        var st = [T](repeating: 0, count: coefficientCount(batch: batch))
        for b in 0..<batch {
            for l in 1..<lmax {
                let f = T(radius / Double(l * (l + 1)))
                for k in (l * mmax * 2)..<((l + 1) * mmax * 2) {
                    st[(2 * b) * per + k] = -f * divergence[b * per + k]
                    st[(2 * b + 1) * per + k] = f * vorticity[b * per + k]
                }
            }
        }
        let vectors = inverse(st, batch: batch)
        let n = grid.nlat * grid.nlon
        var u = [T](repeating: 0, count: batch * n), v = u
        for b in 0..<batch {
            for i in 0..<n {
                v[b * n + i] = -vectors[(2 * b) * n + i]
                u[b * n + i] = vectors[(2 * b + 1) * n + i]
            }
        }
        return (u, v)
    }
}
