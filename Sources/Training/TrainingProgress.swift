#if canImport(Glibc)
import DatasetIO
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HensCore

/// Where one seed's training stands after an optimiser step.
public struct StepProgress: Sendable {
    /// The seed being trained.
    public var seed: UInt64
    /// Current epoch (1-based) and the run's total.
    public var epoch: Int, epochs: Int
    /// Step within the epoch (1-based) and steps per epoch.
    public var step: Int, stepsPerEpoch: Int
    /// Optimiser steps done overall and the run's total.
    public var globalStep: Int, totalSteps: Int
    /// This step's loss.
    public var loss: Double
    /// The learning rate used.
    public var learningRate: Double
    /// Training throughput of this session so far.
    public var samplesPerSecond: Double
    /// Estimated seconds to the end of the run (validation excluded); nil before any timing.
    public var etaSeconds: Double?
}

/// What the trainer reports while it runs.
public enum TrainingEvent: Sendable {
    /// Training resumed from a checkpoint after `epoch` epochs and `step` steps.
    case resumed(seed: UInt64, epoch: Int, step: Int)
    /// An optimiser step finished.
    case step(StepProgress)
    /// An epoch finished: its record (as written to `metrics.jsonl`).
    case epoch(EpochRecord)
}

/// Prints training events on stderr with `ProgressReporter`'s conventions: a live line on a
/// terminal (redrawn at most every 0.2 s), a plain log line every 5 s otherwise, one line per
/// epoch either way, nothing when quiet.
public final class TrainingProgressPrinter: @unchecked Sendable {  // unchecked: mutable state is guarded by a lock
    private let quiet: Bool
    private let interactive: Bool
    private let interval: Double
    private let clock = Stopwatch()
    private var lastReport = -Double.infinity
    private let lock = NSLock()

    /// A printer; `quiet` silences it.
    public init(quiet: Bool) {
        self.quiet = quiet
        interactive = isatty(STDERR_FILENO) != 0
        interval = interactive ? 0.2 : 5
    }

    /// Handles one event (pass this as the trainer's observer).
    public func handle(_ event: TrainingEvent) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .resumed(seed, epoch, step):
            emit("train seed \(seed): resuming after epoch \(epoch) (step \(step))", final: true)
        case .step(let p):
            let now = clock.seconds
            guard now - lastReport >= interval || p.globalStep == p.totalSteps else { return }
            lastReport = now
            emit(String(format: "train seed %llu: epoch %d/%d, step %d/%d, loss %.4g, lr %.3g, %.1f samples/s, ETA %@",
                        p.seed, p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.loss, p.learningRate, p.samplesPerSecond,
                        Self.format(p.etaSeconds)), final: false)
        case .epoch(let r):
            let v = r.validation
            let last = v.rmseAll.count
            emit(String(format: "train seed %llu: epoch %d done, train loss %.4g, valid loss %.4g (%.3f × persistence), "
                        + "RMSE lead 1 %.3f, lead %d %.3f (persistence %.3f, climatology %.3f), %.1f s",
                        r.seed, r.epoch, r.trainLoss, v.loss, v.lossRatio, v.rmseAll.first ?? .nan, last,
                        v.rmseAll.last ?? .nan, v.persistenceRMSEAll.last ?? .nan, v.climatologyRMSEAll.last ?? .nan,
                        r.trainSeconds + r.validationSeconds), final: true)
        }
    }

    /// Writes a line: live lines overwrite each other on a terminal; final lines stay.
    private func emit(_ line: String, final: Bool) {
        let text: String
        if interactive {
            text = "\r\u{1B}[K" + line + (final ? "\n" : "")
        } else {
            text = line + "\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func format(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
