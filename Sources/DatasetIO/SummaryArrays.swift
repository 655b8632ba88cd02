/// One exceedance threshold of a summary: members whose value at a point is strictly above
/// `value` are counted.
public struct SummaryThreshold: Equatable, Sendable {
    /// Index of the channel (in the summary's layout) the threshold applies to.
    public var channel: Int
    /// The threshold, in the channel's units.
    public var value: Double

    /// A threshold on one channel.
    public init(channel: Int, value: Double) {
        self.channel = channel
        self.value = value
    }
}

/// The streaming summary statistics of one ensemble shard as plain arrays, the exchange format
/// between the statistics code and `EnsembleSummaryFile`.
///
/// Point arrays are row-major over (lead, channel, lat, lon); `exceedances` over
/// (threshold, lead, lat, lon). `m2` is the sum of squared deviations from the mean (Welford),
/// so variance = m2 / (count − 1); keeping M2 rather than the variance lets shards be merged
/// exactly (Chan et al.). `argmin`/`argmax` hold global member indices (−1 where count is 0).
public struct SummaryArrays: Equatable, Sendable {
    /// Number of leads.
    public let leadCount: Int
    /// Number of channels.
    public let channelCount: Int
    /// Number of latitudes.
    public let latitudeCount: Int
    /// Number of longitudes.
    public let longitudeCount: Int
    /// The exceedance thresholds.
    public let thresholds: [SummaryThreshold]

    /// Members summarised at each point.
    public var count: [Int32]
    /// Mean over members.
    public var mean: [Double]
    /// Sum of squared deviations from the mean.
    public var m2: [Double]
    /// Minimum over members.
    public var minimum: [Float]
    /// Maximum over members.
    public var maximum: [Float]
    /// Global index of the member holding the minimum (lowest index on ties).
    public var argmin: [Int32]
    /// Global index of the member holding the maximum (lowest index on ties).
    public var argmax: [Int32]
    /// Members above each threshold, over (threshold, lead, lat, lon).
    public var exceedances: [Int32]

    /// Empty statistics (count 0, min +∞, max −∞, arg −1) of the given shape.
    public init(leadCount: Int, channelCount: Int, latitudeCount: Int, longitudeCount: Int,
                thresholds: [SummaryThreshold] = []) {
        self.leadCount = leadCount
        self.channelCount = channelCount
        self.latitudeCount = latitudeCount
        self.longitudeCount = longitudeCount
        self.thresholds = thresholds
        let n = leadCount * channelCount * latitudeCount * longitudeCount
        count = [Int32](repeating: 0, count: n)
        mean = [Double](repeating: 0, count: n)
        m2 = [Double](repeating: 0, count: n)
        minimum = [Float](repeating: .infinity, count: n)
        maximum = [Float](repeating: -.infinity, count: n)
        argmin = [Int32](repeating: -1, count: n)
        argmax = [Int32](repeating: -1, count: n)
        exceedances = [Int32](repeating: 0, count: thresholds.count * leadCount * latitudeCount * longitudeCount)
    }

    /// Values in each point array: lead × channel × lat × lon.
    public var pointCount: Int { leadCount * channelCount * latitudeCount * longitudeCount }

    /// The point-array shape, outermost first.
    var pointShape: [Int] { [leadCount, channelCount, latitudeCount, longitudeCount] }

    /// The exceedance-array shape, outermost first.
    var exceedanceShape: [Int] { [thresholds.count, leadCount, latitudeCount, longitudeCount] }

    /// Nil when every array has the size its dimensions imply, else what is wrong.
    var sizeProblem: String? {
        let point: [(String, Int)] = [("count", count.count), ("mean", mean.count), ("m2", m2.count),
                                      ("min", minimum.count), ("max", maximum.count), ("argmin", argmin.count),
                                      ("argmax", argmax.count)]
        if let bad = point.first(where: { $0.1 != pointCount }) {
            return "array '\(bad.0)' has \(bad.1) values, expected \(pointShape.map(String.init).joined(separator: "×")) = \(pointCount)"
        }
        let n = exceedanceShape.reduce(1, *)
        if exceedances.count != n { return "array 'exceedance' has \(exceedances.count) values, expected \(n)" }
        return nil
    }
}
