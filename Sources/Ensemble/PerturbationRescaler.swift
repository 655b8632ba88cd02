/// Rescales a perturbation to a target amplitude with per-member, per-channel factors.
///
/// Breeding (`BredVectorBreeder`) calls it after every cycle; the HENS choice is
/// `HemisphericNorm`, tests also use `GlobalNorm`.
public protocol PerturbationRescaler: Sendable {
    /// Values per state (channels · points).
    var stateCount: Int { get }
    /// Rescales one state `[channel][point]` in place.
    func rescale(_ state: UnsafeMutablePointer<Float>)
}
