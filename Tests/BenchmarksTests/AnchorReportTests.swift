import Foundation
import HensCore
import SFNO
import XCTest
import Benchmarks

/// The anchor runners' JSON as the benchmarks read it, and the ratios, targets and checksums
/// built from it.
final class AnchorReportTests: XCTestCase {
    /// A document as bench/anchors/sfno_anchor.py writes it, parsed the way JSONSerialization returns it.
    func sfnoDocument() throws -> [String: Any] {
        let text = """
        {"torch_version": "2.0", "torch_harmonics_version": "0.9", "mode": "eager", "python": "3.11", "cpu": "test",
         "nproc": 2, "gemm": [], "ignored": 1,
         "configs": {"s2-e64-l4": {"flops": {"dense_total": 2.5e9},
            "inference": [{"threads": 1, "batch": 8, "median_s": 0.4, "min_s": 0.3, "runs": 5, "other_cpu_pct": 1.5},
                          {"threads": 1, "batch": 32, "median_s": 1.6, "min_s": 1.5, "runs": 3, "other_cpu_pct": null},
                          {"threads": 1, "median_s": 9}],
            "training": [{"threads": 1, "batch": 4, "median_s": 1.0, "min_s": 0.9, "runs": 3, "other_cpu_pct": 0}]}}}
        """
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testSFNOAnchorDocument() throws {
        let run = try SFNOAnchorRun(document: sfnoDocument())
        XCTAssertEqual(run.inference.count, 2)   // the row without a batch is skipped
        let e = try XCTUnwrap(run.inference[SFNOAnchorRun.Key(config: "s2-e64-l4", threads: 1, batch: 8)])
        XCTAssertEqual([e.medianSeconds, e.minSeconds], [0.4, 0.3])
        XCTAssertEqual(e.runs, 5)
        XCTAssertEqual(e.otherCPU, 1.5)
        XCTAssertNil(run.inference[SFNOAnchorRun.Key(config: "s2-e64-l4", threads: 1, batch: 32)]?.otherCPU)
        XCTAssertEqual(run.training.count, 1)
        XCTAssertEqual(run.denseFLOPs["s2-e64-l4"], 2.5e9)
        XCTAssertEqual(Set(run.info.keys), ["torch_version", "torch_harmonics_version", "mode", "python", "cpu", "nproc", "gemm"])
        XCTAssertThrowsError(try SFNOAnchorRun(document: ["runs": []]))
    }

    func measurement(_ kind: SFNOMeasurement.Kind, batch: Int, seconds: Double) -> SFNOMeasurement {
        SFNOMeasurement(kind: kind, config: "s2-e64-l4", variant: .thExample, threads: 1, batch: batch,
                        timing: Timing(samples: [seconds, seconds * 0.9, seconds * 1.2]), otherCPU: nil, flops: (dense: 2e9, computed: 1e9))
    }

    func testSFNORatiosAndTargets() throws {
        // hens: B=8 in 0.1 s (torch 0.4 s → 4× the throughput), B=32 in 0.5 s (64 vs 80 member-steps/s: slower),
        // a training step in 0.5 s (torch 1.0 s → 0.5 of its time).
        let report = SFNOBenchReport(measurements: [measurement(.inference, batch: 8, seconds: 0.1),
                                                    measurement(.inference, batch: 32, seconds: 0.5),
                                                    measurement(.training, batch: 4, seconds: 0.5)],
                                     peaks: [1: 100], torch: try SFNOAnchorRun(document: sfnoDocument()))
        let targets = Dictionary(uniqueKeysWithValues: report.targets().map { ($0.name, $0) })
        XCTAssertEqual(try XCTUnwrap(targets["inference_vs_torch"]).value, 4, accuracy: 1e-12)
        XCTAssertTrue(try XCTUnwrap(targets["inference_vs_torch"]).met)
        XCTAssertEqual(try XCTUnwrap(targets["training_time_vs_torch"]).value, 0.5, accuracy: 1e-12)
        XCTAssertTrue(try XCTUnwrap(targets["training_time_vs_torch"]).met)
        XCTAssertEqual(try XCTUnwrap(targets["b8_to_b32_no_slowdown"]).value, 64.0 / 80, accuracy: 1e-12)
        XCTAssertFalse(try XCTUnwrap(targets["b8_to_b32_no_slowdown"]).met)

        let rows = report.rows()
        let inference8 = try XCTUnwrap(rows.first { $0["kind"] as? String == "inference" && $0["batch"] as? Int == 8 })
        XCTAssertEqual(try XCTUnwrap(inference8["hens_over_torch"] as? Double), 4, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(inference8["member_steps_per_s"] as? Double), 80, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(inference8["gflops_computed"] as? Double), 80, accuracy: 1e-9)   // 8 × 1 GFLOP / 0.1 s
        XCTAssertEqual(try XCTUnwrap(inference8["pct_sgemm_peak_computed"] as? Double), 80, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(inference8["anchor_gflop_per_member_step_dense"] as? Double), 2.5, accuracy: 1e-12)
        let training = try XCTUnwrap(rows.first { $0["kind"] as? String == "training" })
        XCTAssertEqual(try XCTUnwrap(training["hens_time_over_torch"] as? Double), 0.5, accuracy: 1e-12)
        let scaling = try XCTUnwrap(rows.first { $0["kind"] as? String == "batch_scaling" })
        XCTAssertEqual(try XCTUnwrap(scaling["hens_change_pct"] as? Double), -20, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(scaling["torch_change_pct"] as? Double), 0, accuracy: 1e-9)   // 20 → 20 member-steps/s
        XCTAssertTrue(JSONSerialization.isValidJSONObject(rows))
    }

    func testCRPSAnchorDocumentAndRow() throws {
        let text = """
        {"env": {"numpy": "2"}, "runs": [{"m": 50, "n": 10, "ref_mean_standard": 0.5, "ref_mean_fair": 0.4,
          "results": [{"impl": "properscoring", "seconds": 2.0}, {"impl": "np.sort-only", "seconds": 0.5},
                      {"impl": "sr-numpy:nrg", "seconds": null}]}, {"n": 10}]}
        """
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let run = try CRPSAnchorRun(document: doc)
        XCTAssertEqual(run.byMembers.count, 1)
        let entry = try XCTUnwrap(run.byMembers[50])
        XCTAssertEqual(entry.seconds, ["properscoring": 2.0, "np.sort-only": 0.5])
        XCTAssertEqual(run.info["numpy"] as? String, "2")
        XCTAssertThrowsError(try CRPSAnchorRun(document: ["env": [:]]))

        let m = CRPSMeasurement(dtype: "float64", members: 50, points: 10, threads: 1, variant: .sortAndCRPS,
                                timing: Timing(samples: [1.0, 0.8, 1.5]), otherCPU: nil, meanStandard: 0.5 + 1e-12, meanFair: 0.4)
        let row = m.row(anchor: entry, fromDump: true)
        XCTAssertEqual(try XCTUnwrap(row["ratio_vs_properscoring"] as? Double), 0.5, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(row["ratio_vs_properscoring_best"] as? Double), 0.4, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(row["ratio_vs_np_sort"] as? Double), 2, accuracy: 1e-15)
        XCTAssertEqual(row["checksum_matches_anchor"] as? Bool, true)
        XCTAssertTrue(row["anchor_sr_numba_qd_s"] is NSNull)
        XCTAssertEqual(try XCTUnwrap(row["ns_per_point_member"] as? Double), 1e9 / 500, accuracy: 1e-6)
        let off = CRPSMeasurement(dtype: "float64", members: 50, points: 10, threads: 1, variant: .sortAndCRPS,
                                  timing: Timing(samples: [1]), otherCPU: nil, meanStandard: 0.5 + 1e-6, meanFair: 0.4)
        XCTAssertEqual(off.row(anchor: entry, fromDump: true)["checksum_matches_anchor"] as? Bool, false)
        XCTAssertNil(off.row(anchor: entry, fromDump: false)["checksum_matches_anchor"])
        XCTAssertNil(off.row(anchor: nil, fromDump: true)["ratio_vs_properscoring"])
    }
}
