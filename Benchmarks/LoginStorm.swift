/// Scenario A: clients loop connect → USER → PASS → STAT → QUIT; each client owns its own users, so the maildrop
/// lock never refuses one.
enum LoginStorm {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let users = settings.users(default: FixtureScale.loginUser, count: settings.scale.loginUsers)
        let clients = max(1, min(settings.concurrency == 0 ? 50 : settings.concurrency, users.count))
        let expected = settings.userPattern == nil ? settings.scale.loginMessages : nil
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + settings.duration
        let tally = await withTaskGroup(of: Tally.self) { group in
            for client in 0..<clients {
                let owned = stride(from: client, to: users.count, by: clients).map { users[$0] }
                group.addTask {
                    var tally = Tally()
                    var turn = 0
                    while clock.now < deadline {
                        let user = owned[turn % owned.count]
                        turn += 1
                        tally =
                            tally
                            + (await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                                try await connection.login(user, settings.password)
                                _ = try await connection.stat(expected: expected)
                                try await connection.quit()
                            })
                    }
                    return tally
                }
            }
            return await group.reduce(Tally(), +)
        }
        var measurement = Measurement()
        let elapsed = (clock.now - start).seconds
        measurement.tally = tally
        measurement.record("sessions_per_s", Double(tally.sessions) / elapsed)
        return measurement
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
