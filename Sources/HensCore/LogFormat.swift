import Foundation

/// How hens writes its log lines on stderr: plain text, or one JSON object per line for log
/// collectors (`--log-format json`; cron jobs and batch schedulers).
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json

    /// The process-wide format, set once by the CLI before any work starts.
    nonisolated(unsafe) public static var current: LogFormat = .text

    /// Writes one log line: `message` as is, or `{"time", "level", "message", fields…}`.
    public static func emit(_ message: String, level: String = "info", fields: [String: Any] = [:]) {
        let line: String
        switch current {
        case .text:
            line = message
        case .json:
            var object = fields
            object["time"] = ISO8601DateFormatter().string(from: Date())
            object["level"] = level
            object["message"] = message
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
