import DatasetIO
import HensCore

/// Exact conversion between the in-memory statistics (`StreamingSummary`) and the file
/// exchange format (`SummaryArrays`, what `EnsembleSummaryFile` reads and writes).
///
/// The point arrays share their order ((lead, channel, point) with point = lat × lon), so they
/// are copied bit for bit, NaNs included. What differs:
/// - counts: one per (lead, channel) slab in memory, one per point (Int32) on disk — every
///   member is a whole field, so the file's counts must be constant over a slab;
/// - thresholds: a list per channel in memory, one flat list of (channel, value) on disk,
///   flattened channel by channel, which the reverse conversion requires;
/// - exceedances: `[lead][channel][threshold][point]` in memory, (threshold, lead, point) on
///   disk (one variable whose first dimension is the flat threshold list).
extension StreamingSummary {
    /// The statistics as file arrays on a `latitudeCount × longitudeCount` grid.
    ///
    /// Precondition: `latitudeCount * longitudeCount == points`.
    public func arrays(latitudeCount: Int, longitudeCount: Int) -> SummaryArrays {
        precondition(latitudeCount * longitudeCount == points,
                     "summary: \(latitudeCount)×\(longitudeCount) grid does not hold \(points) points")
        let flat = thresholds.enumerated().flatMap { channel, values in
            values.map { SummaryThreshold(channel: channel, value: Double($0)) }
        }
        var a = SummaryArrays(leadCount: leads, channelCount: channels, latitudeCount: latitudeCount,
                              longitudeCount: longitudeCount, thresholds: flat)
        a.count = count.flatMap { n in repeatElement(Int32(truncatingIfNeeded: n), count: points) }
        a.mean = mean
        a.m2 = m2
        a.minimum = minimum
        a.maximum = maximum
        a.argmin = argmin
        a.argmax = argmax
        // Memory holds [lead][flat threshold][point]; the file [flat threshold][lead][point].
        let t = flat.count
        if t > 0 {
            exceedances.withUnsafeBufferPointer { source in
                a.exceedances.withUnsafeMutableBufferPointer { target in
                    for lead in 0..<leads {
                        for k in 0..<t {
                            let from = (lead * t + k) * points, to = (k * leads + lead) * points
                            for i in 0..<points { target[to + i] = Int32(bitPattern: source[from + i]) }
                        }
                    }
                }
            }
        }
        return a
    }

    /// Rebuilds the statistics from file arrays (the inverse of `arrays(latitudeCount:longitudeCount:)`).
    ///
    /// - Throws: `badInput` when an array has the wrong length, a count differs between the
    ///   points of one (lead, channel) or is negative, an exceedance count is negative, a
    ///   threshold names a channel out of range, is not a Float32 value, or the thresholds are
    ///   not ordered by channel (the order `arrays` writes, which the per-channel lists need).
    public init(arrays a: SummaryArrays) throws {
        func fail(_ message: String) -> HensError { HensError(.badInput, "summary arrays: \(message)") }
        let leads = a.leadCount, channels = a.channelCount, points = a.latitudeCount * a.longitudeCount
        guard leads >= 1, channels >= 1, points >= 1 else {
            throw fail("positive lead, channel, lat and lon counts expected, got \(leads), \(channels), \(a.latitudeCount), \(a.longitudeCount)")
        }
        var thresholds = [[Float]](repeating: [], count: channels)
        var previous = 0
        for (k, t) in a.thresholds.enumerated() {
            guard (0..<channels).contains(t.channel) else {
                throw fail("threshold \(k) (\(t.value)) refers to channel \(t.channel), expected 0..<\(channels)")
            }
            guard t.channel >= previous else {
                throw fail("threshold \(k) (\(t.value)) is on channel \(t.channel) after channel \(previous); thresholds must be ordered by channel")
            }
            let value = Float(t.value)
            // Memory keeps Float32 thresholds: a Double that is not a Float would not round-trip.
            guard Double(value) == t.value || t.value.isNaN else {
                throw fail("threshold \(k) (\(t.value)) on channel \(t.channel) is not a Float32 value")
            }
            previous = t.channel
            thresholds[t.channel].append(value)
        }
        let cells = leads * channels * points
        guard a.count.count == cells else { throw fail("count has \(a.count.count) values, expected \(cells)") }
        var count = [Int](repeating: 0, count: leads * channels)
        for s in 0..<(leads * channels) {
            let first = a.count[s * points]
            guard first >= 0 else { throw fail("negative count \(first) at lead \(s / channels), channel \(s % channels)") }
            if let i = a.count[(s * points)..<((s + 1) * points)].firstIndex(where: { $0 != first }) {
                throw fail("count is not constant over lead \(s / channels), channel \(s % channels): \(first) at point 0, "
                    + "\(a.count[i]) at point \(i - s * points)")
            }
            count[s] = Int(first)
        }
        let t = a.thresholds.count
        guard a.exceedances.count == t * leads * points else {
            throw fail("exceedance has \(a.exceedances.count) values, expected \(t * leads * points)")
        }
        var exceedances = [UInt32](repeating: 0, count: t * leads * points)
        for k in 0..<t {
            for lead in 0..<leads {
                let from = (k * leads + lead) * points, to = (lead * t + k) * points
                for i in 0..<points {
                    let v = a.exceedances[from + i]
                    guard v >= 0 else { throw fail("negative exceedance count \(v) for threshold \(k) at lead \(lead)") }
                    exceedances[to + i] = UInt32(v)
                }
            }
        }
        try self.init(leads: leads, channels: channels, points: points, thresholds: thresholds, count: count,
                      mean: a.mean, m2: a.m2, minimum: a.minimum, maximum: a.maximum, argmin: a.argmin, argmax: a.argmax,
                      exceedances: exceedances)
    }
}
