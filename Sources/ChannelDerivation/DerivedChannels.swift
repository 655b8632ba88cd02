import Foundation
import HensCore
import Spherical
import DatasetIO

/// A wind quantity synthesised from vorticity and divergence.
public enum WindComponent: String, Sendable, CaseIterable {
    /// Eastward wind u.
    case eastward
    /// Northward wind v.
    case northward
    /// Horizontal wind speed √(u² + v²).
    case speed
}

/// How one output channel is obtained from a member's model state `[modelChannel][point]`.
///
/// Names resolve in this order: a model channel passes through unchanged (so a model that
/// predicts `u` itself is never second-guessed); `ws<s>` / `wind_speed<s>` is the speed of the
/// model channels `u<s>`, `v<s>` (`ws10m` from `u10m`, `v10m`; `ws850` from `u850`, `v850`);
/// `u`, `v`, `ws`, `wind_speed` come from the shallow-water channels `vorticity`, `divergence`
/// through the vector spherical-harmonic transform when the model has no `u`, `v` of its own.
public enum DerivedChannel: Equatable, Sendable {
    /// The model channel at this index, copied.
    case model(index: Int)
    /// √(u² + v²) of the model channels at these indices.
    case windSpeed(u: Int, v: Int)
    /// A wind quantity from the model's vorticity and divergence channels (grid values, s-1).
    case spectralWind(WindComponent, vorticity: Int, divergence: Int)

    /// Model channel names of vorticity and divergence, as the shallow-water data set writes them.
    public static let vorticityName = "vorticity"
    /// See `vorticityName`.
    public static let divergenceName = "divergence"

    /// Resolves a requested output name against the model's channels.
    /// - Returns: how to compute it and the CF metadata of the output variable.
    /// - Throws: `invalidArgument` naming the channel, the model channels it lacks, and what
    ///   can be derived from the channels there are.
    public static func resolve(_ name: String, modelChannels: [ChannelInfo]) throws -> (source: DerivedChannel, info: ChannelInfo) {
        let index = Dictionary(modelChannels.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let i = index[name] { return (.model(index: i), modelChannels[i]) }
        let names = modelChannels.map(\.name)
        let spectral = index[vorticityName].flatMap { z in index[divergenceName].map { (z, $0) } }
        func missing(_ needed: [String]) -> HensError {
            let absent = needed.filter { index[$0] == nil }
            return HensError.invalid("output channel \(name)",
                                     "model channels \(needed.joined(separator: " and ")) (missing: \(absent.joined(separator: ", "))); \(derivableSummary(names))")
        }
        if let suffix = speedSuffix(name) {
            if let u = index["u" + suffix], let v = index["v" + suffix] {
                return (.windSpeed(u: u, v: v), speedInfo(name, suffix: suffix))
            }
            if suffix.isEmpty, let pair = spectral {
                return (.spectralWind(.speed, vorticity: pair.0, divergence: pair.1), speedInfo(name, suffix: suffix))
            }
            throw missing(["u" + suffix, "v" + suffix])
        }
        if name == "u" || name == "v" {
            guard let pair = spectral else { throw missing([vorticityName, divergenceName]) }
            let (z, d) = pair
            return name == "u"
                ? (.spectralWind(.eastward, vorticity: z, divergence: d),
                   ChannelInfo(name: name, units: "m s-1", longName: "eastward wind", standardName: "eastward_wind"))
                : (.spectralWind(.northward, vorticity: z, divergence: d),
                   ChannelInfo(name: name, units: "m s-1", longName: "northward wind", standardName: "northward_wind"))
        }
        throw HensError.invalid("output channel \(name)",
                                "a model channel (\(names.joined(separator: ", "))) or a derived one; \(derivableSummary(names))")
    }

    /// Every derived name the given model channels support (model names themselves excluded,
    /// since those pass through), in model-channel order.
    public static func derivableNames(modelChannels names: [String]) -> [String] {
        let present = Set(names)
        var out: [String] = []
        for name in names where name.hasPrefix("u") && present.contains("v" + name.dropFirst()) {
            out += ["ws" + name.dropFirst(), "wind_speed" + name.dropFirst()]
        }
        if present.contains(vorticityName) && present.contains(divergenceName) { out += ["u", "v", "ws", "wind_speed"] }
        var seen = present
        return out.filter { seen.insert($0).inserted }
    }

    /// The suffix of a `ws<s>` / `wind_speed<s>` name, or nil for other names.
    private static func speedSuffix(_ name: String) -> String? {
        if name.hasPrefix("wind_speed") { return String(name.dropFirst("wind_speed".count)) }
        if name.hasPrefix("ws") { return String(name.dropFirst(2)) }
        return nil
    }

    /// Metadata of a wind speed; the long name spells out the level (`10m` → "10 m wind speed",
    /// `850` → "wind speed at 850 hPa", as in the canonical ERA5-style channel names).
    private static func speedInfo(_ name: String, suffix: String) -> ChannelInfo {
        let long: String
        if suffix.isEmpty {
            long = "wind speed"
        } else if suffix.hasSuffix("m"), Int(suffix.dropLast()) != nil {
            long = "\(suffix.dropLast()) m wind speed"
        } else if Int(suffix) != nil {
            long = "wind speed at \(suffix) hPa"
        } else {
            long = "wind speed from u\(suffix) and v\(suffix)"
        }
        return ChannelInfo(name: name, units: "m s-1", longName: long, standardName: "wind_speed")
    }

    private static func derivableSummary(_ names: [String]) -> String {
        let derivable = derivableNames(modelChannels: names)
        return derivable.isEmpty ? "nothing can be derived from these model channels"
            : "derivable: \(derivable.joined(separator: ", "))"
    }
}

/// The output channels of one forecast: which model channels pass through and which are derived,
/// computed one member at a time.
///
/// The plan is immutable and shared by all workers; each worker owns an
/// `OutputChannelWorkspace` (from `makeWorkspace()`), so `compute` allocates no buffers of its
/// own and members on different threads never share scratch. A member's outputs depend only on
/// that member's state.
public struct OutputChannelPlan: Sendable {
    /// Sphere radius of the shallow-water data set (`ShallowWaterParameters.radius`, m); the winds
    /// from ζ, δ scale with it, so it must match the radius the data were generated with.
    public static let defaultRadius = 6.37122e6

    /// The model's channels, in state order.
    public let modelChannels: [ChannelInfo]
    /// The output channels, in output order (CF metadata for the writer).
    public let outputs: [ChannelInfo]
    /// How each output is computed, parallel to `outputs`.
    public let sources: [DerivedChannel]
    /// The model grid.
    public let grid: SphericalGrid
    /// Sphere radius (m) for winds from vorticity and divergence.
    public let radius: Double
    /// Transforms for the winds from ζ, δ; nil when no output needs them.
    private let winds: SpectralWinds?

    /// Resolves the requested output names.
    /// - Parameters:
    ///   - requested: output names; empty means every model channel, in model order.
    ///   - modelChannels: the model's channels, in the order of the state layout.
    ///   - grid: the model grid (transforms use its natural band limit).
    ///   - radius: sphere radius in metres for winds from vorticity and divergence.
    /// - Throws: `invalidArgument` for duplicates, unknown or underivable names, no model
    ///   channels, or a non-positive radius.
    public init(requested: [String], modelChannels: [ChannelInfo], grid: SphericalGrid,
                radius: Double = OutputChannelPlan.defaultRadius) throws {
        guard !modelChannels.isEmpty else { throw HensError.invalid("model channels", "at least one channel, got none") }
        guard radius > 0, radius.isFinite else { throw HensError.invalid("radius", "a positive radius in metres, got \(radius)") }
        let names = requested.isEmpty ? modelChannels.map(\.name) : requested
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw HensError.invalid("output channels", "each name once, got \(name) more than once")
        }
        let resolved = try names.map { try DerivedChannel.resolve($0, modelChannels: modelChannels) }
        self.modelChannels = modelChannels
        self.grid = grid
        self.radius = radius
        sources = resolved.map(\.source)
        outputs = resolved.map(\.info)
        let spectral = sources.lazy.compactMap { source -> (Int, Int)? in
            if case let .spectralWind(_, z, d) = source { return (z, d) }
            return nil
        }.first
        winds = try spectral.map { try SpectralWinds(grid: grid, radius: radius, vorticity: $0.0, divergence: $0.1) }
    }

    /// Grid points per channel (nlat · nlon).
    public var pointCount: Int { grid.nlat * grid.nlon }
    /// Floats in one member's model state: model channels · points.
    public var stateCount: Int { modelChannels.count * pointCount }
    /// Floats in one member's output: output channels · points.
    public var outputCount: Int { outputs.count * pointCount }
    /// Whether any output goes through the spherical-harmonic transforms.
    public var usesTransforms: Bool { winds != nil }

    /// Scratch for `compute`; create one per worker thread and reuse it for every member.
    public func makeWorkspace() -> OutputChannelWorkspace {
        OutputChannelWorkspace(points: pointCount, coefficients: winds?.coefficientCount ?? 0)
    }

    /// Computes one member's outputs.
    /// - Parameters:
    ///   - state: `stateCount` floats, `[modelChannel][point]` in physical units.
    ///   - output: `outputCount` floats, `[outputChannel][point]`; must not overlap `state`.
    ///   - workspace: from this plan's `makeWorkspace()`, used by one thread at a time.
    public func compute(state: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                        workspace: OutputChannelWorkspace) {
        let n = pointCount
        precondition(workspace.points == n && workspace.coefficients == (winds?.coefficientCount ?? 0),
                     "OutputChannelPlan.compute: workspace was made for another plan")
        if let winds { winds.synthesize(state: state, points: n, workspace: workspace) }
        for (k, source) in sources.enumerated() {
            let out = output + k * n
            switch source {
            case let .model(i):
                out.update(from: state + i * n, count: n)
            case let .windSpeed(u, v):
                windSpeed(u: state + u * n, v: state + v * n, into: out, count: n)
            case let .spectralWind(component, _, _):
                // The transform's components are (v_θ, v_λ) = (−v, u); see WindTransforms.swift.
                let vTheta = UnsafePointer(workspace.vectors), vLambda = UnsafePointer(workspace.vectors + n)
                switch component {
                case .eastward: out.update(from: vLambda, count: n)
                case .northward: for i in 0..<n { out[i] = -vTheta[i] }
                case .speed: windSpeed(u: vLambda, v: vTheta, into: out, count: n)
                }
            }
        }
    }
}

/// Per-worker scratch of `OutputChannelPlan.compute`: the spectral and grid buffers of the
/// ζ, δ → u, v synthesis, allocated once. Not for concurrent use; one per thread.
public final class OutputChannelWorkspace: @unchecked Sendable {  // unchecked: one workspace per thread
    /// Grid points per field.
    let points: Int
    /// Reals per spectral field (0 when the plan needs no transforms).
    let coefficients: Int
    /// ζ̂ then δ̂, scalar-transform layout.
    let scalarSpectra: UnsafeMutablePointer<Float>
    /// s then t, vector-transform layout.
    let vectorSpectra: UnsafeMutablePointer<Float>
    /// v_θ then v_λ on the grid.
    let vectors: UnsafeMutablePointer<Float>

    init(points: Int, coefficients: Int) {
        self.points = points
        self.coefficients = coefficients
        let grids = coefficients > 0 ? 2 * points : 0
        scalarSpectra = .allocate(capacity: max(1, 2 * coefficients))
        vectorSpectra = .allocate(capacity: max(1, 2 * coefficients))
        vectors = .allocate(capacity: max(1, grids))
        // Zeroed once: the transforms leave the unused (m > l) coefficient slots alone, and
        // stale memory there made members' winds depend on the allocation.
        scalarSpectra.initialize(repeating: 0, count: max(1, 2 * coefficients))
        vectorSpectra.initialize(repeating: 0, count: max(1, 2 * coefficients))
        vectors.initialize(repeating: 0, count: max(1, grids))
    }

    deinit {
        scalarSpectra.deallocate()
        vectorSpectra.deallocate()
        vectors.deallocate()
    }
}

/// √(u² + v²) pointwise.
@inline(__always)
private func windSpeed(u: UnsafePointer<Float>, v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { out[i] = (u[i] * u[i] + v[i] * v[i]).squareRoot() }
}

/// Grid ζ, δ → grid (v_θ, v_λ): scalar forward transform, inverse Laplacian, vector inverse
/// transform, at the grid's natural band limit with the transforms' default norm and phase
/// (both transforms share them, which is all the ζ, δ ↔ s, t relation needs).
///
/// The coefficient step restates `VectorSphericalHarmonicTransform.wind(vorticity:divergence:)`
/// (sₗₘ = −r δₗₘ / l(l+1), tₗₘ = r ζₗₘ / l(l+1)) over caller-owned buffers, because that API
/// returns fresh arrays on every call; a test pins the two to each other.
private final class SpectralWinds: @unchecked Sendable {  // unchecked: immutable after init; its transforms are thread-safe
    let scalar: SphericalHarmonicTransform<Float>
    let vector: VectorSphericalHarmonicTransform<Float>
    let vorticity: Int, divergence: Int
    /// r / (l(l+1)) per degree; 0 at l = 0, which no wind field has.
    let inverseLaplacian: [Float]

    init(grid: SphericalGrid, radius: Double, vorticity: Int, divergence: Int) throws {
        // FFTW_ESTIMATE: a measured plan may differ between processes, and with it the rounding,
        // which would break bit-identical members across shards and regenerated runs.
        scalar = try SphericalHarmonicTransform<Float>(grid: grid, planning: .estimate)
        vector = try VectorSphericalHarmonicTransform<Float>(grid: grid, lmax: scalar.lmax, mmax: scalar.mmax, planning: .estimate)
        self.vorticity = vorticity
        self.divergence = divergence
        inverseLaplacian = (0..<scalar.lmax).map { l in l == 0 ? 0 : Float(radius / Double(l * (l + 1))) }
    }

    /// Reals per spectral field.
    var coefficientCount: Int { scalar.coefficientCount(batch: 1) }

    func synthesize(state: UnsafePointer<Float>, points n: Int, workspace w: OutputChannelWorkspace) {
        let per = coefficientCount, row = 2 * scalar.mmax
        let zeta = w.scalarSpectra, delta = w.scalarSpectra + per
        scalar.forward(state + vorticity * n, into: zeta, batch: 1)
        scalar.forward(state + divergence * n, into: delta, batch: 1)
        let s = w.vectorSpectra, t = w.vectorSpectra + per
        for l in 0..<scalar.lmax {
            let f = inverseLaplacian[l]
            for k in (l * row)..<((l + 1) * row) {
                s[k] = -f * delta[k]
                t[k] = f * zeta[k]
            }
        }
        vector.inverse(w.vectorSpectra, into: w.vectors, batch: 1)
    }
}
