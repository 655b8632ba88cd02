import Foundation

/// The process's resident memory, as Linux reports it in `/proc/self/status`: forecasts print
/// their peak and the forecast benchmark checks that it stays flat as members grow.
public enum ProcessMemory {
    /// Peak resident set size so far (`VmHWM`), bytes; 0 where `/proc` is unavailable.
    public static func peakResidentBytes() -> Int { statusField("VmHWM:") }

    /// Current resident set size (`VmRSS`), bytes.
    public static func residentBytes() -> Int { statusField("VmRSS:") }

    /// Resets the peak to the current resident size (Linux `clear_refs` value 5), so that one
    /// process can measure the peak of several runs in turn. Returns false where unsupported.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// `n` bytes as e.g. `812 MiB` or `3.2 GiB`.
    public static func format(_ n: Int) -> String {
        n >= 1 << 30 ? String(format: "%.1f GiB", Double(n) / Double(1 << 30)) : String(format: "%.0f MiB", Double(n) / Double(1 << 20))
    }

    private static func statusField(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let kib = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first.flatMap { Int($0) }
            return (kib ?? 0) * 1024
        }
        return 0
    }
}
