import DatasetIO
import HensCore
import Spherical

/// The extra input channels an imported model reads after its normalised state at every
/// step (`CheckpointStepInputs`): cos(solar zenith) at the step's valid time, when the model
/// reads it, then the fixed fields stored with the checkpoint.
public struct StepInputFields: Sendable {
    /// What the checkpoint stores.
    public let inputs: CheckpointStepInputs
    /// Latitudes of the data grid, degrees north (rows).
    public let latitudes: [Double]
    /// Longitudes of the data grid, degrees east (columns).
    public let longitudes: [Double]

    /// The step inputs of a checkpoint on its grid.
    public init(inputs: CheckpointStepInputs, latitudes: [Double], longitudes: [Double]) {
        self.inputs = inputs
        self.latitudes = latitudes
        self.longitudes = longitudes
    }

    /// Channels written per member.
    public var channelCount: Int { inputs.channelCount }
    /// Points per channel.
    public var fieldCount: Int { latitudes.count * longitudes.count }
    /// Whether the channels depend on the valid time (a model reading cos-zenith needs
    /// absolute times).
    public var needsValidTime: Bool { inputs.cosZenith }

    /// Writes the channels (`channelCount × fieldCount` values) for the input valid at UTC
    /// `validTime` seconds since 1970 (ignored when no channel depends on time).
    public func fill(validTime: Double, into destination: UnsafeMutablePointer<Float>) {
        var next = destination
        if inputs.cosZenith {
            SolarZenith.cosine(seconds: validTime, latitudes: latitudes, longitudes: longitudes, into: next)
            next += fieldCount
        }
        guard !inputs.staticValues.isEmpty else { return }
        inputs.staticValues.withUnsafeBufferPointer { next.update(from: $0.baseAddress!, count: $0.count) }
    }
}
