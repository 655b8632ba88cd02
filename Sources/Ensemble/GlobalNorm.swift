import Foundation
import HensCore
import Spherical

/// Rescales a whole state (all channels together) to one area-weighted global RMS — the
/// textbook bred-vector normalisation, used to test that breeding converges to the leading
/// growing mode (a scalar factor does not change the direction power iteration converges to).
public struct GlobalNorm: PerturbationRescaler {
    /// Channels per state.
    public let channels: Int
    /// Grid points per channel.
    public let points: Int
    /// Grid columns.
    public let nlon: Int
    /// Target global RMS.
    public let target: Float
    private let rowAreas: [Double]

    /// Creates a global normaliser for states of `channels` fields on `grid`.
    public init(grid: SphericalGrid, channels: Int, target: Float) {
        self.channels = channels
        points = grid.nlat * grid.nlon
        nlon = grid.nlon
        self.target = target
        rowAreas = grid.cellAreas
    }

    /// Values per state: channels · points.
    public var stateCount: Int { channels * points }

    /// Area-weighted RMS over all channels and points.
    public func rms(_ state: UnsafePointer<Float>) -> Double {
        var sum = 0.0
        for c in 0..<channels {
            for (row, w) in rowAreas.enumerated() {
                let x = state + c * points + row * nlon
                for j in 0..<nlon { sum += w * Double(x[j]) * Double(x[j]) }
            }
        }
        return (sum / (4 * .pi * Double(channels))).squareRoot()
    }

    /// Scales the whole state so its global RMS is `target` (a zero state stays zero).
    public func rescale(_ state: UnsafeMutablePointer<Float>) {
        let r = rms(state)
        let factor = Float(Double(target) / (r == 0 ? 1 : r))
        for i in 0..<stateCount { state[i] *= factor }
    }
}
