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

    /// This process's resident set, in KiB.
    static func residentKiB() -> Int { procFields("/proc/self/status")["VmRSS"] ?? 0 }

    private static func procFields(_ path: String) -> [String: Int] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var fields: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let number = parts[1].split(separator: " ").first.flatMap { Int($0) }
            if let number { fields[String(parts[0])] = number }
        }
        return fields
    }
}
