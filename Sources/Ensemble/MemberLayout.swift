import Foundation
import HensCore

/// Which members of an ensemble start from the unperturbed analysis.
///
/// HENS (Mahesh et al. 2024) runs exactly one control: "rank 0, model 0" gets zero perturbation and
/// serves as the deterministic member. The reference *replaces* a perturbed member by it, which
/// leaves that member's ± partner uncentred; hens instead *adds* the control in front of the
/// perturbed members, so every ± pair stays complete and the perturbed members are the same
/// with and without a control.
public enum ControlMember: String, Sendable, CaseIterable {
    /// No unperturbed member (Earth2Studio's HENS recipe).
    case none
    /// One control, member 0, run with checkpoint 0 (the HENS reference).
    case once
    /// One control per checkpoint, the first member of each checkpoint's block (isolates
    /// each checkpoint's deterministic skill).
    case perCheckpoint = "per-checkpoint"
}

/// How perturbed members use their perturbations.
public enum PerturbationPairing: String, Sendable, CaseIterable {
    /// Centred ± pairs (HENS "oppositepert"): members 2j and 2j+1 of a block share a perturbation
    /// and seed and apply it with signs + and −.
    case centredPairs = "pairs"
    /// Every perturbed member has its own perturbation, applied with sign +.
    case independent
}

/// The identity of one member: which checkpoint rolls it out and how its initial state is made.
public struct MemberSpec: Equatable, Hashable, Sendable {
    /// Global member index, 0 ..< `MemberLayout.memberCount`.
    public let index: Int
    /// Checkpoint (model) index, 0 ..< `MemberLayout.checkpoints`.
    public let checkpoint: Int
    /// Global perturbation index (shared by the two members of a ± pair); `nil` for a control.
    public let pair: Int?
    /// +1 or −1 (applied to the perturbation); 0 for a control.
    public let sign: Int
    /// Seed of the perturbation (0 for a control, which draws nothing).
    public let seed: UInt64

    /// Whether this member starts from the unperturbed analysis.
    public var isControl: Bool { pair == nil }
}

/// Maps member indices to (checkpoint, pair, sign, seed) by a closed formula, so any subset of
/// members (a shard, or `--members 17,42`) can be regenerated without enumerating the others.
///
/// Layout (checkpoint-major, as HENS' member = rank + 256·checkpoint, so that one checkpoint's
/// members are contiguous and batch through one model):
///
/// - `once`: member 0 is the control on checkpoint 0; member k ≥ 1 is perturbed slot
///   j = k − 1 with checkpoint = j / P, r = j mod P.
/// - `perCheckpoint`: blocks of P + 1 members; c = k / (P + 1), r' = k mod (P + 1); r' = 0 is
///   that checkpoint's control, otherwise r = r' − 1.
/// - `none`: checkpoint = k / P, r = k mod P.
///
/// Here P is `perturbedPerCheckpoint`. With centred pairs the pair is
/// checkpoint·P/2 + r/2 and the sign is + for even r, − for odd r; with independent
/// perturbations the pair is checkpoint·P + r and the sign is +. As in HENS (seed = pair·29 +
/// checkpoint), every checkpoint gets its own perturbations.
///
/// Seeds: `seed = mix(mix(mix(baseSeed) ^ initialTime) ^ pair)`, with `mix` the SplitMix64 step
/// (`SplitMix64.mix`). It depends only on (base seed, initial time, pair) — not on the shard,
/// batch or thread count — and the two members of a pair share it by construction. Without
/// per-checkpoint controls the pair of member k is k/2 with centred pairs and k with independent
/// perturbations (after the control, if any), whatever P and the checkpoint count, so a larger
/// ensemble keeps the seeds of a smaller one's members.
public struct MemberLayout: Equatable, Sendable {
    /// Number of checkpoints (≥ 1).
    public let checkpoints: Int
    /// Perturbed members per checkpoint (even with centred pairs).
    public let perturbedPerCheckpoint: Int
    /// Which members are unperturbed controls.
    public let control: ControlMember
    /// Whether perturbed members come in centred ± pairs.
    public let pairing: PerturbationPairing
    /// User seed, mixed with the initial time and pair index.
    public let baseSeed: UInt64
    /// Initial time of the forecast (e.g. seconds since 1970), mixed into every seed so
    /// different initial times draw different perturbations.
    public let initialTime: Int64

    /// Creates a layout from the per-checkpoint count.
    /// - Throws: `invalidArgument` for fewer than one checkpoint, a negative count, an odd count
    ///   with centred pairs, or an ensemble with no member at all.
    public init(checkpoints: Int, perturbedPerCheckpoint: Int, control: ControlMember = .none,
                pairing: PerturbationPairing = .centredPairs, baseSeed: UInt64, initialTime: Int64) throws {
        guard checkpoints >= 1 else { throw HensError.invalid("checkpoints", "at least 1, got \(checkpoints)") }
        guard perturbedPerCheckpoint >= 0 else {
            throw HensError.invalid("members", "a non-negative number of perturbed members, got \(perturbedPerCheckpoint)")
        }
        if pairing == .centredPairs && perturbedPerCheckpoint % 2 != 0 {
            throw HensError.invalid("members", "an even number of perturbed members per checkpoint for ± pairs, got \(perturbedPerCheckpoint) (use an even count or independent perturbations)")
        }
        self.checkpoints = checkpoints
        self.perturbedPerCheckpoint = perturbedPerCheckpoint
        self.control = control
        self.pairing = pairing
        self.baseSeed = baseSeed
        self.initialTime = initialTime
        guard memberCount >= 1 else { throw HensError.invalid("members", "at least one member") }
    }

    /// Creates a layout from the total member count (`--ensemble-size`), which must split into
    /// the controls plus an equal, pairable number of perturbed members per checkpoint.
    /// - Throws: `invalidArgument` naming the count and what would fit.
    public init(totalMembers: Int, checkpoints: Int, control: ControlMember = .none,
                pairing: PerturbationPairing = .centredPairs, baseSeed: UInt64, initialTime: Int64) throws {
        guard checkpoints >= 1 else { throw HensError.invalid("checkpoints", "at least 1, got \(checkpoints)") }
        let controls = Self.controlCount(control, checkpoints: checkpoints)
        let perturbed = totalMembers - controls
        let unit = pairing == .centredPairs ? 2 * checkpoints : checkpoints
        guard perturbed >= 0, perturbed % unit == 0 else {
            let what = pairing == .centredPairs ? "± pairs" : "perturbed members"
            throw HensError.invalid("members", "\(totalMembers) members cannot be split into \(controls) control(s) plus equal \(what) on \(checkpoints) checkpoint(s): the perturbed count must be a multiple of \(unit)")
        }
        try self.init(checkpoints: checkpoints, perturbedPerCheckpoint: perturbed / checkpoints, control: control,
                      pairing: pairing, baseSeed: baseSeed, initialTime: initialTime)
    }

    private static func controlCount(_ control: ControlMember, checkpoints: Int) -> Int {
        switch control {
        case .none: return 0
        case .once: return 1
        case .perCheckpoint: return checkpoints
        }
    }

    /// Total members: controls plus checkpoints × perturbed per checkpoint.
    public var memberCount: Int {
        Self.controlCount(control, checkpoints: checkpoints) + checkpoints * perturbedPerCheckpoint
    }

    /// Number of distinct perturbations (bred vectors) the layout needs.
    public var perturbationCount: Int {
        pairing == .centredPairs ? checkpoints * perturbedPerCheckpoint / 2 : checkpoints * perturbedPerCheckpoint
    }

    /// The spec of member `index` (precondition: 0 ≤ index < memberCount).
    public func member(_ index: Int) -> MemberSpec {
        precondition(index >= 0 && index < memberCount, "member \(index) out of 0..<\(memberCount)")
        let p = perturbedPerCheckpoint
        let checkpoint: Int, slot: Int?   // slot r within the checkpoint's perturbed members, nil for a control
        switch control {
        case .none:
            checkpoint = index / p; slot = index % p
        case .once:
            if index == 0 { checkpoint = 0; slot = nil } else { checkpoint = (index - 1) / p; slot = (index - 1) % p }
        case .perCheckpoint:
            checkpoint = index / (p + 1)
            let r = index % (p + 1)
            slot = r == 0 ? nil : r - 1
        }
        guard let r = slot else { return MemberSpec(index: index, checkpoint: checkpoint, pair: nil, sign: 0, seed: 0) }
        let pair: Int, sign: Int
        switch pairing {
        case .centredPairs: pair = checkpoint * p / 2 + r / 2; sign = r % 2 == 0 ? 1 : -1
        case .independent: pair = checkpoint * p + r; sign = 1
        }
        return MemberSpec(index: index, checkpoint: checkpoint, pair: pair, sign: sign, seed: seed(pair: pair))
    }

    /// Seed of member `index`'s own noise — a stochastic checkpoint's noise channels and the
    /// model-error forcing, fresh at every step (`NoiseChannels.stepSeed`). Like the pair seeds it
    /// depends only on (base seed, initial time, member), on a stream of its own, so a member
    /// regenerates bit for bit in any shard, batch or thread count, and the two members of a ±
    /// pair (one initial perturbation) still draw different noise.
    public func noiseSeed(member index: Int) -> UInt64 {
        let mix = SplitMix64.mix
        return mix(mix(mix(baseSeed ^ Self.noiseStream) ^ UInt64(bitPattern: initialTime)) ^ UInt64(index))
    }

    /// Separates the member noise seeds from the perturbation seeds.
    static let noiseStream: UInt64 = 0x6d65_6d62_6572

    /// Seed of perturbation `pair` (see the type's documentation).
    public func seed(pair: Int) -> UInt64 {
        let mix = SplitMix64.mix
        return mix(mix(mix(baseSeed) ^ UInt64(bitPattern: initialTime)) ^ UInt64(pair))
    }
}
