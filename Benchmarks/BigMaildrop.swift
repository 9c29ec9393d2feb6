/// Scenario E: connect → USER → PASS → STAT on a maildrop of many small messages. The first session finds it unseen
/// (a fresh copy per run), the second finds what the first one cached, the third finds nothing changed since the
/// second (after any work the first reads left behind, such as a database setting hint bits on rows just written).
/// Then the steady state, the case a "leave messages on server" client lives in: the maildrop polled again with
/// nothing new, once the last change is older than the servers' change-detection granularity (`settle`, 2.5 s after
/// the first session moved the new mail); one session after that (untimed: it may refresh a server's index) and
/// five timed ones, whose median is reported.
enum BigMaildrop {
    static let settle: Duration = .milliseconds(2_500)
    static let steadySessions = 5

    static func run(_ settings: BenchSettings) async -> Measurement {
        let copies = settings.scale.bigMaildropCopies
        let user = settings.users(default: FixtureScale.bigMaildropUser, count: copies)[settings.runIndex % copies]
        let expected = settings.userPattern == nil ? settings.scale.bigMaildropMessages : nil
        var measurement = Measurement()
        let clock = ContinuousClock()
        var firstEnded = clock.now
        /// One session, connect to STAT answered, in milliseconds.
        func session() async -> Double {
            let start = clock.now
            var answered = start
            let tally = await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                try await connection.login(user, settings.password)
                _ = try await connection.stat(expected: expected)
                answered = clock.now
                try await connection.quit()
            }
            measurement.tally = measurement.tally + tally
            return (answered - start).seconds * 1000
        }
        for name in ["first_session_ms", "second_session_ms", "third_session_ms"] {
            measurement.record(name, await session())
            if name == "first_session_ms" { firstEnded = clock.now }
        }
        try? await Task.sleep(until: firstEnded + settle, clock: clock)
        _ = await session()
        var steady: [Double] = []
        for _ in 0..<steadySessions { steady.append(await session()) }
        measurement.record("steady_session_ms", Report.median(steady))
        return measurement
    }
}
