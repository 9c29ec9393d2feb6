/// Scenario E: connect → USER → PASS → STAT on a maildrop of many small messages, three times: the first session
/// finds it unseen (a fresh copy per run), the second finds what the first one cached, the third finds nothing
/// changed since the second (the steady state, after any work the first reads left behind, such as a database
/// setting hint bits on rows just written).
enum BigMaildrop {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let copies = settings.scale.bigMaildropCopies
        let user = settings.users(default: FixtureScale.bigMaildropUser, count: copies)[settings.runIndex % copies]
        let expected = settings.userPattern == nil ? settings.scale.bigMaildropMessages : nil
        var measurement = Measurement()
        for name in ["first_session_ms", "second_session_ms", "third_session_ms"] {
            let clock = ContinuousClock()
            let start = clock.now
            var answered = start
            let tally = await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                try await connection.login(user, settings.password)
                _ = try await connection.stat(expected: expected)
                answered = clock.now
                try await connection.quit()
            }
            measurement.tally = measurement.tally + tally
            measurement.record(name, (answered - start).seconds * 1000)
        }
        return measurement
    }
}
