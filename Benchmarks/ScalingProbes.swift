/// Scenario G: one session on one (big) maildrop, for the scaling curves: connect → USER → PASS → STAT answered,
/// then UIDL (command to terminator, every line checked and counted against STAT), and with `--server-pid` the
/// server's resident-set growth during the session (read before connecting and after UIDL) per message. The caller
/// decides what the session finds (a fresh maildrop, or one polled again). The user is the first of the pattern.
enum MaildropProbe {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let user = settings.users(default: FixtureScale.bigMaildropUser, count: 1)[0]
        let clock = ContinuousClock()
        let residentBefore = settings.serverPID.map { ResourceUsage.residentKiB(pid: $0) } ?? 0
        var statMilliseconds = 0.0
        var uidlMilliseconds = 0.0
        var messages = 0
        var residentAfter = 0
        let start = clock.now
        let tally = await POP3Connection.session(to: settings.target, on: settings.group) { connection in
            try await connection.login(user, settings.password)
            let stat = try await connection.stat(expected: nil)
            statMilliseconds = (clock.now - start).seconds * 1000
            messages = stat.count
            let uidlStart = clock.now
            try await connection.send("UIDL")
            try await connection.expectOK()
            let body = try await connection.multiline(collect: false)
            uidlMilliseconds = (clock.now - uidlStart).seconds * 1000
            if body.lines != stat.count { connection.tally.countMismatches += 1 }
            residentAfter = settings.serverPID.map { ResourceUsage.residentKiB(pid: $0) } ?? 0
            try await connection.quit()
        }
        var measurement = Measurement()
        measurement.tally = tally
        measurement.record("messages", Double(messages))
        measurement.record("stat_ms", statMilliseconds)
        measurement.record("uidl_ms", uidlMilliseconds)
        if settings.serverPID != nil {
            measurement.record(
                "server_rss_bytes_per_message", Double(residentAfter - residentBefore) * 1024 / Double(max(messages, 1))
            )
        }
        return measurement
    }
}

/// Scenario H: warm logins, for the scaling curves over the number of users. `--sessions` users (default 200) spread
/// evenly over the pattern's range each log in once (untimed: fills the auth cache), then again, timed from connect
/// to PASS answered. Reports the median and 99th percentile of the timed logins.
enum WarmLogins {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let users = settings.users(default: FixtureScale.idleUser, count: settings.scale.idleUsers)
        let samples = max(1, min(settings.sessions == 0 ? 200 : settings.sessions, users.count))
        let picked = (0..<samples).map { users[$0 * users.count / samples] }
        let clock = ContinuousClock()
        var tally = Tally()
        var latencies: [Double] = []
        for round in 0..<2 {
            for user in picked {
                let start = clock.now
                var loggedIn = start
                tally =
                    tally
                    + (await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                        try await connection.login(user, settings.password)
                        loggedIn = clock.now
                        try await connection.quit()
                    })
                if round == 1 { latencies.append((loggedIn - start).seconds * 1000) }
            }
        }
        latencies.sort()
        var measurement = Measurement()
        measurement.tally = tally
        measurement.record("warm_login_p50_ms", LoginCrowd.percentile(latencies, 0.5))
        measurement.record("warm_login_p99_ms", LoginCrowd.percentile(latencies, 0.99))
        return measurement
    }
}
