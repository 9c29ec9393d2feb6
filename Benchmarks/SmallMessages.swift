/// Scenario B: sessions log in, STAT and LIST, wait for each other, then RETR every message with up to
/// `pipelineDepth` commands in flight. Only the RETR phase is timed, so login cost does not dilute throughput.
enum SmallMessages {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let users = settings.users(default: FixtureScale.smallMessageUser, count: settings.scale.smallMessageUsers)
        let sessions = min(settings.sessions == 0 ? 8 : settings.sessions, users.count)
        let expected = settings.userPattern == nil ? settings.scale.smallMessagesPerUser : nil
        let ready = Barrier()
        let clock = ContinuousClock()
        let finished = FinishLine(clock: clock)
        let tally = await withTaskGroup(of: Tally.self) { group in
            for index in 0..<sessions {
                group.addTask {
                    var arrived = false
                    let tally = await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                        try await connection.login(users[index], settings.password)
                        let stat = try await connection.stat(expected: expected)
                        let sizes = try await connection.list(against: stat)
                        arrived = true
                        ready.arrive()
                        await ready.wait(for: sessions)
                        finished.start()
                        for _ in 0..<settings.passes {
                            try await retrieveAll(sizes, depth: settings.pipelineDepth, over: connection)
                        }
                        finished.cross()
                        try await connection.quit()
                    }
                    if !arrived { ready.arrive() }
                    return tally
                }
            }
            return await group.reduce(Tally(), +)
        }
        var measurement = Measurement()
        measurement.tally = tally
        let elapsed = finished.elapsedSeconds
        measurement.record("msgs_per_s", Double(tally.messages) / elapsed)
        measurement.record("mb_per_s", Double(tally.octets) / elapsed / 1e6)
        return measurement
    }

    /// RETR 1…n, keeping between depth/2 and depth commands in flight, refilled in one write.
    static func retrieveAll(_ sizes: [Int], depth: Int, over connection: POP3Connection) async throws {
        var nextToSend = 0
        var inFlight = 0
        let depth = max(1, depth)
        for index in sizes.indices {
            if inFlight <= depth / 2 && nextToSend < sizes.count {
                let batch = nextToSend..<min(sizes.count, nextToSend + depth - inFlight)
                try await connection.send(batch.map { "RETR \($0 + 1)" })
                inFlight += batch.count
                nextToSend = batch.upperBound
            }
            try await connection.retrieved(size: sizes[index])
            inFlight -= 1
        }
    }
}
