import ArgumentParser
import Ensemble
import Foundation

/// `hens check forecast A B`: two forecast folders hold the same ensemble.
struct CheckForecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Check that two forecast output folders hold the same members and summaries.",
        discussion: """
        For example a single-process run against a sharded (mpirun, SLURM) or resumed one. Member \
        fields are matched by global member index and must agree within --member-tolerance \
        (default 0: bit-identical, as README's determinism contract promises for runs on one machine \
        with one BLAS kernel; runs of different kernels agree to a tolerance only, and the check says \
        so); merged summaries must agree exactly except mean and M2, which may differ by \
        --summary-tolerance of their largest value (shard merges regroup the sums). Exits with \
        status 1 and names the first difference otherwise.
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "First forecast folder.") var first: String
    @Argument(help: "Second forecast folder.") var second: String
    @Option(help: "Relative tolerance for member fields.") var memberTolerance = 0.0
    @Option(help: "Relative tolerance for summary mean and M2.") var summaryTolerance = 1e-9

    func run() throws {
        try global.apply()
        let report = try ForecastComparison(memberTolerance: memberTolerance, summaryTolerance: summaryTolerance)
            .compare(first, second)
        print(String(format: "check forecast: %@ and %@ agree: %d initial time(s), %d members, %d fields; worst member difference %.3g, "
                     + "worst summary mean/M2 difference %.3g", first, second, report.initialTimes, report.members, report.fields,
                     report.worstMemberDifference, report.worstSummaryDifference))
    }
}
