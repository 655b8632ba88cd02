import Foundation
import HensCore
import SFNO

/// The `hens-721` case of `hens bench sfno`: HENS' own architecture (makani
/// `sfno_linear_74chq_sc2_layers8_edim620_wstgl2`) with random weights, one member per forward
/// call on the 0.25° grid. Run only when named in `--configs`: one step takes minutes and the
/// process needs ~16 GB (docs/hens-size.md), so no test or default run ever builds it.
public enum HENSSizeBenchmark {
    /// The case's name in `--configs`.
    public static let name = "hens-721"

    /// 74 prognostic + 36 auxiliary inputs (cos-zenith 1, sinusoidal grid features 32,
    /// orography 1, land mask 2) on the 721 × 1440 equiangular grid; 74 outputs; embedding 620,
    /// 8 blocks, MLP ratio 2, scale factor 2 (internal Legendre–Gauss 360 × 720, lmax = mmax = 360),
    /// big skip, instance norm, no position embedding.
    public static var config: SFNOConfig {
        SFNOConfig(variant: .makani, grid: .equiangular, nlat: 721, nlon: 1440, inChannels: 110, outChannels: 74, scaleFactor: 2,
                   embedDim: 620, layers: 8, mlpRatio: 2, bigSkip: true, posEmbed: .none, normalization: .instance)
    }

    /// Builds the model (timed), then times `repeats` forward calls of one member at each thread
    /// count — no warm-up call: the workspace is zero-filled when made, so the first step touches
    /// no new pages. One JSON row per thread count with seconds per member-step (median, min,
    /// max), the process's peak RSS (getrusage maxrss) against `SFNOMemoryModel`'s prediction,
    /// and GFLOP/s as computed.
    public static func measure(threads: [Int], repeats: Int) throws -> [[String: Any]] {
        let config = config
        let flops = try SFNOFLOPModel(config: config).flops(.triangularParity).total
        let clock = Stopwatch()
        let model = try SFNOModel<Float>(config: config, seed: 1)
        let buildSeconds = clock.seconds
        BenchmarkLog.note("sfno", String(format: "%@: model built in %.1f s (%ld parameters, %@); peak RSS %@", name, buildSeconds,
                                         model.parameterCount, ProcessMemory.format(4 * model.parameterCount),
                                         ProcessMemory.format(ProcessMemory.peakResidentBytes())))
        let input = SFNOBenchmark.normals(count: config.inChannels * config.dataPoints, seed: 2)
        var output = [Float](repeating: 0, count: config.outChannels * config.dataPoints)
        var rows: [[String: Any]] = []
        for t in threads {
            try withParallelThreads(t) {
                let predicted = try SFNOMemoryModel(config: config, threads: t)
                let workspace = model.makeWorkspace()
                var samples: [Double] = []
                let probe = OtherLoadProbe()
                for k in 0..<repeats {
                    let s = Stopwatch()
                    output.withUnsafeMutableBufferPointer { model.forward(input, output: $0.baseAddress!, batch: 1, workspace: workspace) }
                    samples.append(s.seconds)
                    BenchmarkLog.note("sfno", String(format: "%@ t%d: step %d of %d in %.1f s, peak RSS %@", name, t, k + 1, repeats,
                                                     samples.last!, ProcessMemory.format(ProcessMemory.peakResidentBytes())))
                }
                let timing = Timing(samples: samples), peak = ProcessMemory.peakResidentBytes()
                let finite = output.allSatisfy { $0.isFinite }
                rows.append([
                    "kind": "hens_size", "config": name, "variant": config.variant.rawValue, "threads": t, "batch": 1,
                    "nlat": config.nlat, "nlon": config.nlon, "embed": config.embedDim, "layers": config.layers,
                    "in_channels": config.inChannels, "out_channels": config.outChannels, "lmax": config.lmax, "mmax": config.mmax,
                    "parameters": model.parameterCount, "build_s": buildSeconds,
                    "seconds_per_member_step_median": timing.median, "seconds_per_member_step_min": timing.min,
                    "seconds_per_member_step_max": timing.max, "runs": timing.runs,
                    "gflops_computed_median": flops / timing.median / 1e9, "flops_computed_per_member_step": flops,
                    "peak_rss_bytes": peak, "predicted_bytes": predicted.totalBytes(),
                    "predicted_parameter_bytes": predicted.parameterBytes, "predicted_workspace_bytes": predicted.workspaceBytes,
                    "predicted_table_bytes": predicted.tableBytes, "workspace_bytes": workspace.byteCount,
                    "output_finite": finite, "other_cpu_pct": probe?.otherPercent ?? NSNull(),
                ])
                BenchmarkLog.note("sfno", String(format: "%@ t%d: %.1f s per member-step (min %.1f, max %.1f, %d runs), %.1f GFLOP/s as computed, peak RSS %@ (predicted %@)%@",
                                                 name, t, timing.median, timing.min, timing.max, timing.runs, flops / timing.median / 1e9,
                                                 ProcessMemory.format(peak), ProcessMemory.format(predicted.totalBytes()),
                                                 finite ? "" : ", NON-FINITE OUTPUT"))
            }
        }
        return rows
    }
}
