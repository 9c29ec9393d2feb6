/// Scenario C: one session fetches one large message `passes` times; each RETR is timed from command to terminator.
enum LargeMessage {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let user = settings.users(default: { _ in FixtureScale.largeMessageUser }, count: 1)[0]
        let clock = ContinuousClock()
        var transfer = Duration.zero
        let tally = await POP3Connection.session(to: settings.target, on: settings.group) { connection in
            try await connection.login(user, settings.password)
            let stat = try await connection.stat(expected: settings.userPattern == nil ? 1 : nil)
            let sizes = try await connection.list(against: stat)
            guard let size = sizes.first else { return }
            for _ in 0..<settings.passes {
                let start = clock.now
                try await connection.send("RETR 1")
                try await connection.retrieved(size: size)
                transfer += clock.now - start
            }
            try await connection.quit()
        }
        var measurement = Measurement()
        measurement.tally = tally
        measurement.record("mb_per_s", Double(tally.octets) / max(transfer.seconds, 1e-9) / 1e6)
        return measurement
    }
}
