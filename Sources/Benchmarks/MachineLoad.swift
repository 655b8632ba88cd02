import Foundation

/// Share of the machine's CPU time used by *other* processes while a measurement ran, from
/// `/proc/stat` and this process's CPU clock. The Python anchor runners estimate it the same way
/// (`other_cpu_pct`), so both halves of a comparison can be judged alike.
public struct OtherLoadProbe {
    private let busy: Double, total: Double, own: Double

    /// Starts a measurement window; nil when `/proc/stat` cannot be read.
    public init?() {
        guard let (busy, total) = Self.cpuTicks() else { return nil }
        self.busy = busy
        self.total = total
        own = Self.processCPUSeconds()
    }

    /// Other processes' share of all cores since `init`, in percent (one decimal).
    public var otherPercent: Double? {
        guard let (busy1, total1) = Self.cpuTicks(), total1 > total else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let others = (busy1 - busy) - (Self.processCPUSeconds() - own) * hz
        return (max(0, 100 * others / (total1 - total)) * 10).rounded() / 10
    }

    /// (busy, total) jiffies over all cores: user+nice+system+irq+softirq, and the first eight fields.
    private static func cpuTicks() -> (Double, Double)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let v = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard v.count == 8 else { return nil }
        return (v[0] + v[1] + v[2] + v[5] + v[6], v.reduce(0, +))
    }

    private static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// The machine's run-queue load, recorded at the start and end of a benchmark run.
public enum MachineLoad {
    /// The 1-, 5- and 15-minute load averages (empty where `/proc/loadavg` is missing).
    public static func averages() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}
