import HensCore

/// Extra input channels the trainer appends after the prognostic ones (in makani: zenith
/// angle, grid features, orography, land–sea mask — all computed, never predicted).
///
/// Only `none` exists so far. A new source (static fields, time features) adds a case here
/// with its `channelCount` and a branch in `fill`, which receives the sample's trajectory and
/// time index so that time-dependent features can be refreshed at every autoregressive step.
public enum AuxiliaryChannels: String, Codable, Sendable, CaseIterable {
    /// No auxiliary input: the model reads exactly the prognostic channels.
    case none

    /// Number of channels this source appends.
    public var channelCount: Int {
        switch self {
        case .none: return 0
        }
    }

    /// Writes the auxiliary channels of one sample at (`trajectory`, `time`) into
    /// `destination` (`channelCount × fieldCount` values).
    public func fill(trajectory: Int, time: Int, fieldCount: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .none: return
        }
    }

    /// Throws unless a model reading `inputChannels` and predicting `outputChannels` fits a
    /// data set of `dataChannels` prognostic channels with these auxiliary channels.
    public func checkModel(inputChannels: Int, outputChannels: Int, dataChannels: Int) throws {
        guard outputChannels == dataChannels else {
            throw HensError(.invalidArgument, "model: predicts \(outputChannels) channels but the data set has \(dataChannels)")
        }
        guard inputChannels == dataChannels + channelCount else {
            throw HensError(.invalidArgument, "model: reads \(inputChannels) input channels, but the data set's \(dataChannels) "
                + "channels plus auxiliary '\(rawValue)' (\(channelCount)) make \(dataChannels + channelCount); "
                + "set 'auxiliary' in the training config to match the model")
        }
    }
}
