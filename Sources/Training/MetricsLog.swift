import Foundation
import DatasetIO
import HensCore

/// `metrics.jsonl`: one JSON object per completed epoch, appended as training goes.
///
/// On resume the file is cut back to the epochs the checkpoint holds, so that an epoch which
/// was logged but not checkpointed before an interruption is not listed twice.
struct MetricsLog {
    /// The file.
    let path: String

    /// Encoder shared by every line: sorted keys (stable, diffable lines), and non-finite
    /// numbers as strings instead of a failure (a diverged epoch must still be logged).
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// Starts an empty log (a fresh run).
    func reset() throws {
        try write(Data())
    }

    /// Keeps only the lines of epochs ≤ `epoch` (resuming from that epoch's checkpoint).
    func truncate(throughEpoch epoch: Int) throws {
        guard let data = FileManager.default.contents(atPath: path) else { return try reset() }
        let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let lineEpoch = object["epoch"] as? Int else { return false }
            return lineEpoch <= epoch
        }
        try write(Data(kept.map { $0 + "\n" }.joined().utf8))
    }

    /// Appends one record as a line.
    func append(_ record: EpochRecord) throws {
        var line = try Self.encoder().encode(record)
        line.append(UInt8(ascii: "\n"))
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw HensError(.io, "\(path): cannot open the metrics file for appending")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw HensError(.io, "\(path): cannot append to the metrics file: \(WriteFailure.cause(errno: 0, near: path) ?? error.localizedDescription)")
        }
    }

    /// Replaces the whole file through `writeAtomically`, whose temporary name a later run
    /// recognises and removes if this one is killed before the rename.
    private func write(_ data: Data) throws {
        try writeAtomically(data, to: path)
    }
}
