import Foundation
import Spherical

/// Integral and extreme diagnostics of a shallow-water state (on the sphere of radius r).
public struct ShallowWaterDiagnostics: Sendable, Equatable {
    /// ∫ h dA (m³): conserved exactly by the equations.
    public var mass: Double
    /// ∫ ½(h|u|² + g h²) dA (m⁵/s²): conserved up to hyperdiffusion and time-stepping error.
    public var energy: Double
    /// ∫ (ζ + f)²/(2h) dA (m/s²): potential enstrophy.
    public var potentialEnstrophy: Double
    public var minHeight: Double
    public var maxHeight: Double
    /// Largest wind speed on the grid (m/s).
    public var maxWind: Double
}

extension ShallowWaterSolver {
    /// Computes the diagnostics of a state by quadrature on the solver's grid.
    public func diagnostics(_ state: SpectralState) -> ShallowWaterDiagnostics {
        let fields = gridFields(state)
        let p = parameters, r2 = p.radius * p.radius
        let areas = grid.cellAreas
        var d = ShallowWaterDiagnostics(mass: 0, energy: 0, potentialEnstrophy: 0,
                                        minHeight: .infinity, maxHeight: -.infinity, maxWind: 0)
        for k in 0..<grid.nlat {
            let area = areas[k] * r2, f = coriolis[k]
            for j in 0..<grid.nlon {
                let i = k * grid.nlon + j
                let h = fields.geopotential[i] / p.gravity
                let speed2 = fields.u[i] * fields.u[i] + fields.v[i] * fields.v[i]
                let absolute = fields.vorticity[i] + f
                d.mass += area * h
                d.energy += area * 0.5 * (h * speed2 + p.gravity * h * h)
                d.potentialEnstrophy += area * absolute * absolute / (2 * h)
                d.minHeight = min(d.minHeight, h)
                d.maxHeight = max(d.maxHeight, h)
                d.maxWind = max(d.maxWind, speed2.squareRoot())
            }
        }
        return d
    }
}
