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

    /// MemTotal − MemAvailable once it stops moving (under 2 MiB change in a second, at most 30 s): a server
    /// measured just before may still be releasing memory, which would make the next figure come out negative.
    static func settledMachineUsedKiB() async -> Int {
        var previous = machineUsedKiB()
        for _ in 0..<30 {
            try? await Task.sleep(for: .seconds(1))
            let current = machineUsedKiB()
            if abs(current - previous) < 2_048 { return current }
            previous = current
        }
        return previous
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
