import Foundation

/// The client's own CPU time and memory, and the machine's used memory, so a slow client is never mistaken for a
/// slow server.
enum ResourceUsage {
    /// User plus system CPU seconds of this process (getrusage).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// MemTotal − MemAvailable, in KiB, from /proc/meminfo.
    static func machineUsedKiB() -> Int {
        let fields = procFields("/proc/meminfo")
        return (fields["MemTotal"] ?? 0) - (fields["MemAvailable"] ?? 0)
    }

    /// MemTotal − MemAvailable once it stops moving: a server measured just before may still be releasing
    /// memory, which would make the next figure come out negative.
    static func settledMachineUsedKiB() async -> Int {
        // A server that just ended (Dovecot's 10,000 processes) gives memory back for a long while in small
        // steps, so "settled" means within 1 MiB over the last 5 seconds, waiting up to 90 seconds.
        var readings = [machineUsedKiB()]
        for _ in 0..<90 {
            try? await Task.sleep(for: .seconds(1))
            readings.append(machineUsedKiB())
            let recent = readings.suffix(6)
            if recent.count == 6, let low = recent.min(), let high = recent.max(), high - low < 1_024 {
                return readings.last!
            }
        }
        return readings.last!
    }

    /// The resident set of this process (or of `pid`), in KiB.
    static func residentKiB(pid: Int32? = nil) -> Int {
        procFields("/proc/\(pid.map(String.init) ?? "self")/status")["VmRSS"] ?? 0
    }

    private static func procFields(_ path: String) -> [String: Int] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var fields: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let number = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            if let number { fields[String(parts[0])] = number }
        }
        return fields
    }
}
