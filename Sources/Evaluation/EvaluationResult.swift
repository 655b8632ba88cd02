import Scores
import Foundation

/// Everything `hens evaluate` computed, before it is written: per-init band means, and the
/// accumulators that only make sense over all initial times (rank histograms, reliability,
/// ROC, ensemble-size bootstrap, dispersion ratios).
public struct EvaluationResult {
    /// Initial-time labels.
    public var inits: [String]
    /// Leads in hours.
    public var leads: [Double]
    /// Channel names.
    public var channels: [String]
    /// Band names.
    public var bands: [String]
    /// Ensemble size m.
    public var memberCount: Int
    /// Members used (global indices), per init.
    public var membersUsed: [[Int]]
    /// Members expected per init.
    public var expectedMembers: [Int]
    /// Score names in output order.
    public private(set) var scoreNames: [String] = []
    /// Per-init band means, `scores[name][((init · L + lead) · C + channel) · B + band]`, NaN where not computed.
    public private(set) var scores: [String: [Double]] = [:]
    /// Long descriptions of the scores.
    public var descriptions: [String: String] = [:]
    /// Dispersion over inits per (lead, channel, band).
    public var dispersion: [DispersionScores]
    /// ACC over inits per (lead, channel, band).
    public var anomalyCorrelation: [AnomalyCorrelationScores]
    /// Rank histograms per (lead, channel), all points unweighted.
    public var rankHistograms: [RankHistogram]
    /// Event labels per channel.
    public var eventLabels: [[String]]
    /// Binary-event accumulators per (lead, channel, event of the channel), all points unweighted.
    public var events: [[BinaryEventScores]]
    /// Ensemble-size bootstrap sums per (lead, channel), nil for leads not bootstrapped.
    public var bootstrap: [EnsembleSizeBootstrapSums?]
    /// Members-above-truth by truth z-score: per (lead, channel, bin) the count and the summed fraction.
    public var zScoreCounts: [Double], zScoreFractions: [Double]
    /// The z-score bin edges.
    public var zScoreEdges: [Double]
    /// Angular spectra per (init, lead, channel, degree) of: mean member spectrum, ensemble mean, truth.
    public var angularSpectra: (members: [Double], mean: [Double], truth: [Double])?
    /// Degrees of the angular spectra.
    public var degrees: Int = 0
    /// Zonal spectra per (init, lead, channel, wavenumber), same three.
    public var zonalSpectra: (members: [Double], mean: [Double], truth: [Double])?
    /// Wavenumbers of the zonal spectra.
    public var wavenumbers: Int = 0
    /// EFI / SOT maps per (init, lead, channel, point), NaN where there is no model climate.
    public var extremeMaps: (efi: [Double], sot90: [Double], sot10: [Double])?
    /// Latitudes and longitudes of the scored region.
    public var latitudes: [Double], longitudes: [Double]
    /// Provenance and options, as text attributes.
    public var attributes: [String: String] = [:]

    /// Empty results of the given shape.
    init(inits: [String], leads: [Double], channels: [String], bands: [String], memberCount: Int,
         eventLabels: [[String]], zScoreEdges: [Double], latitudes: [Double], longitudes: [Double]) {
        self.inits = inits
        self.leads = leads
        self.channels = channels
        self.bands = bands
        self.memberCount = memberCount
        self.eventLabels = eventLabels
        self.zScoreEdges = zScoreEdges
        self.latitudes = latitudes
        self.longitudes = longitudes
        membersUsed = []
        expectedMembers = []
        let lc = leads.count * channels.count
        dispersion = .init(repeating: DispersionScores(memberCount: memberCount), count: lc * bands.count)
        anomalyCorrelation = .init(repeating: AnomalyCorrelationScores(), count: lc * bands.count)
        rankHistograms = .init(repeating: RankHistogram(memberCount: memberCount), count: lc)
        events = (0..<lc).map { eventLabels[$0 % channels.count].map { _ in BinaryEventScores(memberCount: memberCount) } }
        bootstrap = .init(repeating: nil, count: lc)
        zScoreCounts = .init(repeating: 0, count: lc * (zScoreEdges.count + 1))
        zScoreFractions = zScoreCounts
    }

    /// Index of (lead, channel).
    func leadChannel(_ lead: Int, _ channel: Int) -> Int { lead * channels.count + channel }

    /// Index of (lead, channel, band).
    func leadChannelBand(_ lead: Int, _ channel: Int, _ band: Int) -> Int { leadChannel(lead, channel) * bands.count + band }

    /// Sets a per-init band mean, creating the score on first use.
    mutating func set(_ name: String, _ value: Double, init i: Int, lead: Int, channel: Int, band: Int) {
        if scores[name] == nil {
            scoreNames.append(name)
            scores[name] = .init(repeating: .nan, count: inits.count * leads.count * channels.count * bands.count)
        }
        scores[name]![((i * leads.count + lead) * channels.count + channel) * bands.count + band] = value
    }

    /// A per-init band mean.
    public func value(_ name: String, init i: Int, lead: Int, channel: Int, band: Int) -> Double {
        scores[name]?[((i * leads.count + lead) * channels.count + channel) * bands.count + band] ?? .nan
    }

    /// The mean over initial times of a per-init score (NaN inits skipped).
    public func meanOverInits(_ name: String, lead: Int, channel: Int, band: Int) -> Double {
        var sum = 0.0, n = 0
        for i in inits.indices {
            let v = value(name, init: i, lead: lead, channel: channel, band: band)
            if v.isFinite { sum += v; n += 1 }
        }
        return n > 0 ? sum / Double(n) : .nan
    }
}
