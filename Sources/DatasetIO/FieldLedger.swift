import HensCore

/// Which fields of a (channel, trajectory, time) block a writer has written, one bit each.
///
/// An unwritten field would silently read back as NetCDF's default fill value, so split writers
/// refuse to publish a file while the ledger has holes.
struct FieldLedger {
    let channels: Int
    let trajectories: Int
    let times: Int
    private var bits: [UInt64]
    /// Fields written so far (each counted once).
    private(set) var count = 0

    init(channels: Int, trajectories: Int, times: Int) {
        self.channels = channels
        self.trajectories = trajectories
        self.times = times
        bits = [UInt64](repeating: 0, count: (channels * trajectories * times + 63) / 64)
    }

    /// Number of fields the block holds.
    var total: Int { channels * trajectories * times }

    /// Records that a field was written.
    mutating func mark(channel: Int, trajectory: Int, time: Int) {
        let bit = (channel * trajectories + trajectory) * times + time
        let mask = UInt64(1) << UInt64(bit % 64)
        if bits[bit / 64] & mask == 0 {
            bits[bit / 64] |= mask
            count += 1
        }
    }

    /// Nil when every field was written, else the error naming the first missing one.
    func incompleteError(path: String, channelNames: [String], trajectoryOffset: Int = 0) -> HensError? {
        guard count != total else { return nil }
        let word = bits.firstIndex { $0 != ~0 } ?? 0
        let bit = word * 64 + (~bits[word]).trailingZeroBitCount
        let (channel, trajectory, time) = (bit / (trajectories * times), bit / times % trajectories, bit % times)
        return HensError(.internal, "\(path): \(total - count) of \(total) fields were never written "
            + "(first: channel '\(channelNames[channel])', trajectory \(trajectory + trajectoryOffset), time \(time))")
    }
}
