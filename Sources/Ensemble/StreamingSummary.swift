import HensCore

/// Per-(lead, channel, grid point) ensemble statistics accumulated one batch of members at a
/// time, in memory independent of the number of members: count, mean and M2 (Welford), min,
/// max, the member indices attaining them, and exceedance counts for configured thresholds.
///
/// - Layout: every per-point array is `[lead][channel][point]`; exceedance counts are
///   `[lead][channel][threshold][point]` with the thresholds of that channel.
/// - Members always arrive as whole fields, so the count is the same at every point of a
///   (lead, channel) slab and is stored once per slab.
/// - Precision: mean and M2 are Float64 — they are what shard merges combine, and Float32 would
///   lose digits after thousands of members; extremes stay Float32 (exact copies of member values).
/// - Determinism: each point's statistics depend only on the order its members arrive in, not on
///   how points are split across threads. `merge(_:)` (Chan et al.'s parallel formula) equals a
///   single pass to round-off; min/max/argmin/argmax and counts merge exactly, with the lowest
///   member index winning ties in both `update` and `merge`.
/// - NaN member values propagate into mean and M2 and are never counted as extremes or exceedances.
public struct StreamingSummary: Sendable, Equatable {
    /// Number of output leads.
    public let leads: Int
    /// Number of output channels.
    public let channels: Int
    /// Grid points per field (nlat · nlon, or the cropped region's size).
    public let points: Int
    /// Thresholds per channel; `value > threshold` counts as an exceedance.
    public let thresholds: [[Float]]

    /// Members accumulated per slab, `[lead][channel]`.
    public private(set) var count: [Int]
    /// Running mean per point.
    public private(set) var mean: [Double]
    /// Sum of squared deviations from the mean (Welford's M2).
    public private(set) var m2: [Double]
    /// Smallest member value per point (+∞ before any member).
    public private(set) var minimum: [Float]
    /// Largest member value per point (−∞ before any member).
    public private(set) var maximum: [Float]
    /// Member index of the minimum (−1 before any member).
    public private(set) var argmin: [Int32]
    /// Member index of the maximum (−1 before any member).
    public private(set) var argmax: [Int32]
    /// Exceedance counts, `[lead][channel][threshold][point]`.
    public private(set) var exceedances: [UInt32]
    /// Offset (in thresholds) of channel c's first threshold within one lead: prefix sums.
    private let thresholdOffsets: [Int]

    /// Creates an empty summary.
    /// - Parameter thresholds: per channel (`channels` lists, possibly empty); `[]` means none.
    /// - Throws: `invalidArgument` for non-positive sizes or a threshold list of the wrong length.
    public init(leads: Int, channels: Int, points: Int, thresholds: [[Float]] = []) throws {
        guard leads >= 1, channels >= 1, points >= 1 else {
            throw HensError.invalid("summary", "positive leads, channels and points, got \(leads), \(channels), \(points)")
        }
        let thresholds = thresholds.isEmpty ? Array(repeating: [], count: channels) : thresholds
        guard thresholds.count == channels else {
            throw HensError.invalid("thresholds", "one list per channel (\(channels)), got \(thresholds.count)")
        }
        self.leads = leads
        self.channels = channels
        self.points = points
        self.thresholds = thresholds
        var offsets = [0]
        for t in thresholds { offsets.append(offsets.last! + t.count) }
        thresholdOffsets = offsets
        let cells = leads * channels * points
        count = Array(repeating: 0, count: leads * channels)
        mean = Array(repeating: 0, count: cells)
        m2 = Array(repeating: 0, count: cells)
        minimum = Array(repeating: .infinity, count: cells)
        maximum = Array(repeating: -.infinity, count: cells)
        argmin = Array(repeating: -1, count: cells)
        argmax = Array(repeating: -1, count: cells)
        exceedances = Array(repeating: 0, count: leads * offsets.last! * points)
    }

    /// Rebuilds a summary from arrays read back from disk (a checkpointed or shard summary),
    /// laid out as the properties of the same names.
    /// - Throws: `badInput` naming the first array whose length does not match the shape.
    public init(leads: Int, channels: Int, points: Int, thresholds: [[Float]], count: [Int], mean: [Double], m2: [Double],
                minimum: [Float], maximum: [Float], argmin: [Int32], argmax: [Int32], exceedances: [UInt32]) throws {
        try self.init(leads: leads, channels: channels, points: points, thresholds: thresholds)
        let cells = leads * channels * points
        for (name, got, expected) in [("count", count.count, self.count.count), ("mean", mean.count, cells), ("m2", m2.count, cells),
                                      ("minimum", minimum.count, cells), ("maximum", maximum.count, cells),
                                      ("argmin", argmin.count, cells), ("argmax", argmax.count, cells),
                                      ("exceedances", exceedances.count, self.exceedances.count)] where got != expected {
            throw HensError(.badInput, "summary: \(name) has \(got) values, expected \(expected) for \(leads) leads × \(channels) channels × \(points) points")
        }
        self.count = count
        self.mean = mean
        self.m2 = m2
        self.minimum = minimum
        self.maximum = maximum
        self.argmin = argmin
        self.argmax = argmax
        self.exceedances = exceedances
    }

    /// Bytes held by the statistics (independent of how many members were accumulated).
    public var byteCount: Int {
        count.count * 8 + (mean.count + m2.count) * 8 + (minimum.count + maximum.count) * 4
            + (argmin.count + argmax.count) * 4 + exceedances.count * 4
    }

    private func slab(_ lead: Int, _ channel: Int) -> Int {
        precondition(lead >= 0 && lead < leads && channel >= 0 && channel < channels, "summary: lead/channel out of range")
        return lead * channels + channel
    }

    /// Adds a batch of members' fields for one (lead, channel).
    /// - Parameters:
    ///   - fields: `members.count` contiguous fields of `points` Float32 values, `[member][point]`.
    ///   - members: global member index of each field, in the order they are accumulated.
    ///   - fieldStride: distance between consecutive members' fields (default `points`), so a
    ///     channel can be read straight out of a `[member][channel][point]` batch.
    public mutating func update(lead: Int, channel: Int, fields: UnsafePointer<Float>, members: [Int],
                                fieldStride: Int? = nil) {
        let s = slab(lead, channel)
        let stride = fieldStride ?? points
        let n0 = count[s]
        count[s] += members.count
        let points = self.points, cell = s * points
        let tOffset = (lead * thresholdOffsets.last! + thresholdOffsets[channel]) * points
        let ts = thresholds[channel]
        let members32 = members.map { Int32($0) }
        mean.withUnsafeMutableBufferPointer { mean in
        m2.withUnsafeMutableBufferPointer { m2 in
        minimum.withUnsafeMutableBufferPointer { lo in
        maximum.withUnsafeMutableBufferPointer { hi in
        argmin.withUnsafeMutableBufferPointer { alo in
        argmax.withUnsafeMutableBufferPointer { ahi in
        exceedances.withUnsafeMutableBufferPointer { ex in
            let pointers = SummaryPointers(mean: mean.baseAddress! + cell, m2: m2.baseAddress! + cell,
                                           lo: lo.baseAddress! + cell, hi: hi.baseAddress! + cell,
                                           alo: alo.baseAddress! + cell, ahi: ahi.baseAddress! + cell,
                                           ex: ex.baseAddress! + tOffset)
            Parallel.forEachChunk(points, minimumChunk: 4096) { range in
                Self.accumulate(pointers, range: range, points: points, fields: fields, stride: stride,
                                members: members32, n0: n0, thresholds: ts)
            }
        } } } } } } }
    }

    /// Mutable views of one slab's statistics, shared read-only by the workers (which write
    /// disjoint point ranges).
    private struct SummaryPointers: @unchecked Sendable {  // unchecked: workers write disjoint point ranges
        let mean: UnsafeMutablePointer<Double>, m2: UnsafeMutablePointer<Double>
        let lo: UnsafeMutablePointer<Float>, hi: UnsafeMutablePointer<Float>
        let alo: UnsafeMutablePointer<Int32>, ahi: UnsafeMutablePointer<Int32>
        let ex: UnsafeMutablePointer<UInt32>
    }

    /// The kernel: Welford over members for the points in `range`, in blocks of points small
    /// enough that their statistics stay in L1 while every member's values stream through. The
    /// members of each point are visited in order whatever the blocking, so results are the same.
    private static func accumulate(_ p: SummaryPointers, range: Range<Int>, points: Int, fields: UnsafePointer<Float>,
                                   stride: Int, members: [Int32], n0: Int, thresholds: [Float]) {
        let block = 512
        var lo = range.lowerBound
        while lo < range.upperBound {
            let hi = min(lo + block, range.upperBound)
            for (k, member) in members.enumerated() {
                let x = fields + k * stride
                let inverseCount = 1 / Double(n0 + k + 1)
                let mean = p.mean, m2 = p.m2, minimum = p.lo, maximum = p.hi, argmin = p.alo, argmax = p.ahi
                for i in lo..<hi {
                    let v = x[i], dv = Double(v)
                    let d = dv - mean[i]
                    let updated = mean[i] + d * inverseCount
                    mean[i] = updated
                    m2[i] += d * (dv - updated)
                    if v < minimum[i] || (v == minimum[i] && member < argmin[i]) { minimum[i] = v; argmin[i] = member }
                    if v > maximum[i] || (v == maximum[i] && member < argmax[i]) { maximum[i] = v; argmax[i] = member }
                }
                for (t, threshold) in thresholds.enumerated() {
                    let e = p.ex + t * points
                    for i in lo..<hi where x[i] > threshold { e[i] += 1 }
                }
            }
            lo = hi
        }
    }

    /// Combines another summary of disjoint members (e.g. another shard) into this one.
    /// - Throws: `badInput` when shapes or thresholds differ.
    public mutating func merge(_ other: StreamingSummary) throws {
        guard leads == other.leads, channels == other.channels, points == other.points, thresholds == other.thresholds else {
            throw HensError(.badInput, "summary merge: shapes or thresholds differ (\(leads)×\(channels)×\(points) vs \(other.leads)×\(other.channels)×\(other.points))")
        }
        for s in 0..<(leads * channels) {
            let na = Double(count[s]), nb = Double(other.count[s])
            let n = na + nb
            count[s] += other.count[s]
            guard nb > 0 else { continue }
            for i in (s * points)..<((s + 1) * points) {
                // Chan et al.: exact for any split; na = 0 reduces to copying the other side.
                let delta = other.mean[i] - mean[i]
                mean[i] += delta * (nb / n)
                m2[i] += other.m2[i] + delta * delta * (na * nb / n)
                let ol = other.minimum[i], oa = other.argmin[i]
                if ol < minimum[i] || (ol == minimum[i] && oa >= 0 && (argmin[i] < 0 || oa < argmin[i])) {
                    minimum[i] = ol; argmin[i] = oa
                }
                let oh = other.maximum[i], ob = other.argmax[i]
                if oh > maximum[i] || (oh == maximum[i] && ob >= 0 && (argmax[i] < 0 || ob < argmax[i])) {
                    maximum[i] = oh; argmax[i] = ob
                }
            }
        }
        for i in exceedances.indices { exceedances[i] += other.exceedances[i] }
    }

    /// Members accumulated for (lead, channel).
    public func count(lead: Int, channel: Int) -> Int { count[slab(lead, channel)] }

    /// The per-point slice of a `[lead][channel][point]` array.
    private func slice<T>(_ a: [T], _ lead: Int, _ channel: Int) -> ArraySlice<T> {
        let s = slab(lead, channel) * points
        return a[s..<(s + points)]
    }

    /// Ensemble mean at every point of (lead, channel).
    public func mean(lead: Int, channel: Int) -> [Double] { Array(slice(mean, lead, channel)) }

    /// Sample variance (ddof 1, the unbiased estimator) at every point; NaN with fewer than two members.
    public func variance(lead: Int, channel: Int) -> [Double] {
        let n = count(lead: lead, channel: channel)
        return slice(m2, lead, channel).map { n > 1 ? $0 / Double(n - 1) : .nan }
    }

    /// Minimum and the lowest member index attaining it, at every point.
    public func minimum(lead: Int, channel: Int) -> (value: [Float], member: [Int32]) {
        (Array(slice(minimum, lead, channel)), Array(slice(argmin, lead, channel)))
    }

    /// Maximum and the lowest member index attaining it, at every point.
    public func maximum(lead: Int, channel: Int) -> (value: [Float], member: [Int32]) {
        (Array(slice(maximum, lead, channel)), Array(slice(argmax, lead, channel)))
    }

    /// Number of members above `thresholds[channel][threshold]` at every point.
    public func exceedances(lead: Int, channel: Int, threshold: Int) -> [UInt32] {
        precondition(threshold >= 0 && threshold < thresholds[channel].count, "summary: threshold out of range")
        let s = ((lead * thresholdOffsets.last! + thresholdOffsets[channel]) + threshold) * points
        return Array(exceedances[s..<(s + points)])
    }
}
