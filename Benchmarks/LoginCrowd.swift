import Synchronization

/// Scenario F: a crowd of first logins, as after a restart when every client reconnects at once. Every user logs in
/// once (connect → USER → PASS → STAT → QUIT), at most `--concurrency` (default 100) logins in flight; against a
/// freshly started server none is in the auth cache, so each costs a full password check. Every login must
/// succeed (`-ERR [SYS/TEMP]` counts as an error). Reports the time to the last login and the login latency
/// (connect to PASS answered) at the median and the 99th percentile.
enum LoginCrowd {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let users = settings.users(default: FixtureScale.idleUser, count: settings.scale.idleUsers)
        let inFlight = max(1, settings.concurrency == 0 ? 100 : settings.concurrency)
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = Latencies()
        let tally = await withTaskGroup(of: Tally.self) { group in
            var next = 0
            var total = Tally()
            func launch(_ user: String) {
                group.addTask {
                    let began = clock.now
                    return await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                        try await connection.login(user, settings.password)
                        let latency = (clock.now - began).seconds * 1000
                        latencies.values.withLock { $0.append(latency) }
                        _ = try await connection.stat(expected: nil)
                        try await connection.quit()
                    }
                }
            }
            while next < min(inFlight, users.count) {
                launch(users[next])
                next += 1
            }
            for await finished in group {
                total = total + finished
                if next < users.count {
                    launch(users[next])
                    next += 1
                }
            }
            return total
        }
        let sorted = latencies.values.withLock { $0 }.sorted()
        var measurement = Measurement()
        measurement.tally = tally
        measurement.record("logins_ok", Double(sorted.count))
        measurement.record("last_login_s", (clock.now - start).seconds)
        measurement.record("p50_login_ms", percentile(sorted, 0.50))
        measurement.record("p99_login_ms", percentile(sorted, 0.99))
        measurement.record("max_login_ms", sorted.last ?? 0)
        return measurement
    }

    /// Login latencies in milliseconds, shared by the crowd's tasks.
    private final class Latencies: Sendable {
        let values = Mutex<[Double]>([])
    }

    /// The `fraction` quantile of ascending `values` (nearest rank).
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let rank = Int((fraction * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }
}
