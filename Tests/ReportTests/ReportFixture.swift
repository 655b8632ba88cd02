import Foundation
@testable import Report

/// A small scores folder as `hens evaluate` writes it: 2 channels, leads 0, 6 and 12 h, a
/// 4-member ensemble, with rank histogram, reliability, ROC and spectra tables.
struct ReportFixture {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "hens-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/scores", withIntermediateDirectories: true)
        let channels = ["z500", "wind_speed"], leads = [0.0, 6, 12]
        var scores = ["channel,lead_hours,band,crps,crps_fair,rmse,spread,ssr,crps_climatology,crps_persistence,crpss_climatology,crpss_persistence,outlier_fraction,outlier_fraction_expected"]
        var ranks = ["channel,lead_hours,rank,frequency"], reliability = ["channel,lead_hours,event,bin_lower,bin_upper,count,mean_probability,observed_frequency,uncertainty"]
        var roc = ["channel,lead_hours,event,probability_threshold,hit_rate,false_alarm_rate,auc"], spectra = ["kind,channel,lead_hours,index,members,ensemble_mean,truth"]
        for c in channels {
            for l in leads {
                let s = 1 + l / 6
                for band in ["global", "tropics"] {
                    scores.append("\(c),\(Int(l)),\(band),\(s),\(s * 0.9),\(2 * s),\(1.5 * s),\(l == 0 ? 1e7 : 0.8),\(3 * s),\(l == 0 ? 0 : 2 * s),\(1 - 1 / 3.0),\(l == 0 ? "" : "0.5"),0.2,0.4")
                }
                for r in 0..<5 { ranks.append("\(c),\(Int(l)),\(r),0.2") }
                for (event, base) in [("p90", 0.09), ("gt30", 0.0)] {
                    for b in 0..<4 {
                        reliability.append("\(c),\(Int(l)),\(event),\(Double(b) / 4),\(Double(b + 1) / 4),10,\(Double(b) / 4 + 0.1),\(Double(b) / 4),\(base)")
                        roc.append("\(c),\(Int(l)),\(event),\(Double(b) / 4),\(1 - Double(b) / 4),\(1 - Double(b) / 3),0.8")
                    }
                }
                for degree in 0..<8 { spectra.append("angular,\(c),\(Int(l)),\(degree),\(100.0 / Double(degree + 1)),\(90.0 / Double(degree + 1)),\(100.0 / Double(degree + 1))") }
            }
        }
        let summary = """
        {"inits": ["test-0-t003"], "channels": ["z500", "wind_speed"], "leads_hours": [0, 6, 12], "member_count": 4,
         "bands": ["global", "tropics"], "partial": false, "hens_version": "0.1.0", "options": {"crps": "standard", "lat_weights": "cos"}}
        """
        for (name, lines) in [("scores.csv", scores), ("rank_histogram.csv", ranks), ("reliability.csv", reliability),
                              ("roc.csv", roc), ("spectra.csv", spectra)] {
            try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/scores/" + name, atomically: true, encoding: .utf8)
        }
        try summary.write(toFile: folder + "/scores/summary.json", atomically: true, encoding: .utf8)
    }

    /// `checkpoints/seed-N/metrics.jsonl` with two epochs of 10 steps each, as `hens train` logs them.
    func addTrainingLogs(seeds: [Int]) throws {
        for seed in seeds {
            let folder = self.folder + "/checkpoints/seed-\(seed)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let lines = (1...2).map { epoch in
                let step = 10 * epoch
                return """
                {"epoch":\(epoch),"grad_norm":1,"loss_trace":[{"loss":\(1.0 / Double(epoch)),"step":\(step - 5)},{"loss":\(0.8 / Double(epoch)),"step":\(step)}],\
                "lr":0.001,"samples_per_second":20,"seed":\(seed),"step":\(step),"train_loss":\(0.9 / Double(epoch)),"train_seconds":1,\
                "validation":{"channels":["z"],"climatology_rmse":[[1,1]],"climatology_rmse_all":[1,1],"loss":\(0.5 / Double(epoch)),\
                "loss_ratio":0.5,"persistence_loss":1.2,"persistence_rmse":[[0.9,1.1]],"persistence_rmse_all":[0.9,1.1],\
                "rmse":[[0.5,0.7]],"rmse_all":[0.5,0.7],"samples":4},"validation_seconds":1}
                """
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/metrics.jsonl", atomically: true, encoding: .utf8)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
