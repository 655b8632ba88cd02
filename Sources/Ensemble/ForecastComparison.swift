import DatasetIO
import Foundation
import HensCore

/// Compares two forecast output folders (e.g. a single-process run with a sharded, an `mpirun`
/// or a resumed one): for every initial time, the members' fields by global member index —
/// exactly, or within a relative tolerance — and the merged summaries, whose mean and M2 may
/// differ by round-off (the parallel Welford merge) while counts, extremes, their members and
/// exceedance counts must agree exactly.
public struct ForecastComparison {
    /// Largest accepted |a − b| / max(|a|, |b|, tiny) for member fields (0: bit-identical).
    public var memberTolerance: Double
    /// Largest accepted relative difference of summary means and M2.
    public var summaryTolerance: Double

    /// A comparison with the given tolerances.
    public init(memberTolerance: Double = 0, summaryTolerance: Double = 1e-9) {
        self.memberTolerance = memberTolerance
        self.summaryTolerance = summaryTolerance
    }

    /// What was compared.
    public struct Report: Sendable {
        /// Initial-time folders compared.
        public var initialTimes = 0
        /// Members compared.
        public var members = 0
        /// Member fields compared.
        public var fields = 0
        /// Largest relative difference of a member field.
        public var worstMemberDifference = 0.0
        /// Largest relative difference of a summary mean or M2.
        public var worstSummaryDifference = 0.0
        /// The BLAS kernels the member files of each folder were written with (`hens_blas_kernel`).
        public var kernelsA = Set<String>(), kernelsB = Set<String>()
        /// Whether the two runs used different BLAS kernels: then bit equality is not promised.
        public var kernelsDiffer: Bool { kernelsA != kernelsB }
    }

    /// Compares folders `a` and `b`; throws `badInput` describing the first disagreement.
    public func compare(_ a: String, _ b: String) throws -> Report {
        var report = Report()
        let labels = try Self.initLabels(a)
        guard labels == (try Self.initLabels(b)) else {
            throw HensError(.badInput, "\(a) and \(b) hold different initial times (\(labels.joined(separator: ", ")) vs \((try? Self.initLabels(b))?.joined(separator: ", ") ?? "?"))")
        }
        for label in labels {
            report.initialTimes += 1
            let fa = a + "/" + label, fb = b + "/" + label
            let ma = try Self.memberFiles(fa), mb = try Self.memberFiles(fb)
            report.kernelsA.formUnion(ma.values.map { $0.0.run.attributes["hens_blas_kernel"] ?? "unknown" })
            report.kernelsB.formUnion(mb.values.map { $0.0.run.attributes["hens_blas_kernel"] ?? "unknown" })
            // Determinism contract: bit equality holds for one machine and BLAS kernel only.
            let kernelHint = report.kernelsDiffer
                ? "; the runs used different BLAS kernels (\(report.kernelsA.sorted().joined(separator: ", ")) vs "
                    + "\(report.kernelsB.sorted().joined(separator: ", "))), which agree to a tolerance, not bit for bit"
                : ""
            try compareSummaries(fa + "/summary.nc", fb + "/summary.nc", kernelHint: kernelHint, &report)
            guard Set(ma.keys) == Set(mb.keys) else {
                throw HensError(.badInput, "\(fa) and \(fb) hold different members (\(ma.count) vs \(mb.count))")
            }
            var buffer = [Float](), other = [Float]()
            for (member, (readerA, slotA)) in ma.sorted(by: { $0.key < $1.key }) {
                let (readerB, slotB) = mb[member]!
                guard readerA.layout == readerB.layout else {
                    throw HensError(.badInput, "\(readerA.path) and \(readerB.path): layouts differ")
                }
                for c in readerA.layout.channels.indices {
                    for lead in readerA.layout.leads.indices {
                        buffer = try readerA.read(channel: c, memberSlot: slotA, lead: lead)
                        other = try readerB.read(channel: c, memberSlot: slotB, lead: lead)
                        let d = Self.worstRelative(buffer, other)
                        report.worstMemberDifference = max(report.worstMemberDifference, d)
                        if d > memberTolerance {
                            throw HensError(.badInput, "member \(member), \(readerA.layout.channels[c].name), lead \(lead): "
                                + "\(readerA.path) and \(readerB.path) differ by \(d) (relative) > \(memberTolerance)\(kernelHint)" + (kernelHint.isEmpty ? "" : ": compare with --member-tolerance"))
                        }
                        report.fields += 1
                    }
                }
                report.members += 1
            }
        }
        return report
    }

    private func compareSummaries(_ a: String, _ b: String, kernelHint: String, _ report: inout Report) throws {
        let x = try EnsembleSummaryFile.read(path: a), y = try EnsembleSummaryFile.read(path: b)
        guard x.layout == y.layout, x.memberIndices == y.memberIndices else {
            throw HensError(.badInput, "\(a) and \(b): different layouts or members")
        }
        let p = x.arrays, q = y.arrays
        for (name, equal) in [("count", p.count == q.count), ("min", Self.sameFloats(p.minimum, q.minimum)),
                              ("max", Self.sameFloats(p.maximum, q.maximum)), ("argmin", p.argmin == q.argmin),
                              ("argmax", p.argmax == q.argmax), ("exceedance", p.exceedances == q.exceedances)] where !equal {
            throw HensError(.badInput, "\(a) and \(b): '\(name)' differs\(kernelHint)")
        }
        for (name, u, v) in [("mean", p.mean, q.mean), ("m2", p.m2, q.m2)] {
            let scale = max(u.map { abs($0) }.max() ?? 0, 1e-300)
            var worst = 0.0
            for (s, t) in zip(u, v) where !(s.isNaN && t.isNaN) { worst = max(worst, abs(s - t) / scale) }
            report.worstSummaryDifference = max(report.worstSummaryDifference, worst)
            if worst > summaryTolerance {
                throw HensError(.badInput, "\(a) and \(b): '\(name)' differs by \(worst) of its largest value > \(summaryTolerance)\(kernelHint)")
            }
        }
    }

    /// Initial-time folders of an output folder (those holding a summary.nc), sorted.
    static func initLabels(_ root: String) throws -> [String] {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: root) } catch {
            throw HensError(.badInput, "\(root): cannot list the forecast folder")
        }
        return entries.filter { FileManager.default.fileExists(atPath: root + "/" + $0 + "/summary.nc") }.sorted()
    }

    /// Member index → (reader, slot) over every members-shard file of a folder.
    static func memberFiles(_ folder: String) throws -> [Int: (EnsembleShardReader, Int)] {
        var out: [Int: (EnsembleShardReader, Int)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        where name.hasPrefix("members-") && name.hasSuffix(".nc") && !name.contains(".part-") {
            let reader = try EnsembleShardReader(path: folder + "/" + name)
            for (slot, m) in reader.members.enumerated() {
                guard out[m.index] == nil else { throw HensError(.badInput, "\(folder): member \(m.index) appears twice") }
                out[m.index] = (reader, slot)
            }
        }
        return out
    }

    static func worstRelative(_ a: [Float], _ b: [Float]) -> Double {
        let scale = Double(max(a.map { abs($0) }.max() ?? 0, b.map { abs($0) }.max() ?? 0, 1e-30))
        var worst = 0.0
        for (x, y) in zip(a, b) where x != y { worst = max(worst, Double(abs(x - y)) / scale) }
        return worst
    }

    static func sameFloats(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
}
