import Foundation

/// Scenario D: one idle authenticated session per distinct user, all held at once. The machine's used memory is
/// read before the first connection and after the last login; then every session answers NOOP and QUITs. With a
/// hold file the sessions are held, and memory not measured, until another program removes the file.
enum IdleSessions {
    static func run(_ settings: BenchSettings) async -> Measurement {
        let users = settings.users(default: FixtureScale.idleUser, count: settings.scale.idleUsers)
        let inFlight = max(1, settings.concurrency == 0 ? 50 : settings.concurrency)
        let loggedIn = Barrier()
        let answered = Barrier()
        let noop = Gate()
        let quit = Gate()
        let clock = ContinuousClock()
        let measuresMachine = settings.holdFile == nil
        let machineBefore = measuresMachine ? await ResourceUsage.settledMachineUsedKiB() : 0
        let clientBefore = ResourceUsage.residentKiB()
        let serverBefore = settings.serverPID.map { ResourceUsage.residentKiB(pid: $0) } ?? 0
        let start = clock.now
        var machineAfter = 0
        var clientAfter = 0
        var serverAfter = 0
        var loginSeconds = 0.0
        var held = 0
        let tally = await withTaskGroup(of: Tally.self) { group in
            for (index, user) in users.enumerated() {
                await loggedIn.wait(for: index - inFlight + 1)  // at most `inFlight` logins under way
                group.addTask {
                    var steps = 0
                    let tally = await POP3Connection.session(to: settings.target, on: settings.group) { connection in
                        try await connection.login(user, settings.password)
                        steps = 1
                        loggedIn.arrive()
                        await noop.wait()
                        try await connection.send("NOOP")
                        try await connection.expectOK()
                        steps = 2
                        answered.arrive()
                        await quit.wait()
                        try await connection.quit()
                    }
                    if steps < 1 { loggedIn.arrive() }
                    if steps < 2 {
                        await noop.wait()
                        answered.arrive()
                    }
                    return tally
                }
            }
            await loggedIn.wait(for: users.count)
            loginSeconds = (clock.now - start).seconds
            if let holdFile = settings.holdFile {
                await hold(holdFile)
            } else {
                machineAfter = await ResourceUsage.settledMachineUsedKiB()
            }
            clientAfter = ResourceUsage.residentKiB()
            serverAfter = settings.serverPID.map { ResourceUsage.residentKiB(pid: $0) } ?? 0
            noop.open()
            await answered.wait(for: users.count)
            quit.open()
            return await group.reduce(Tally(), +)
        }
        held = tally.sessions
        var measurement = Measurement()
        measurement.tally = tally
        let sessions = Double(max(held, 1))
        measurement.record("sessions_held", Double(held))
        if measuresMachine {
            measurement.record(
                "kb_per_session", Double(machineAfter - machineBefore - (clientAfter - clientBefore)) / sessions)
            measurement.record("kb_per_session_incl_client", Double(machineAfter - machineBefore) / sessions)
        }
        measurement.record("client_kb_per_session", Double(clientAfter - clientBefore) / sessions)
        if settings.serverPID != nil {
            measurement.record("server_rss_kb_per_session", Double(serverAfter - serverBefore) / sessions)
        }
        measurement.record("login_s", loginSeconds)
        return measurement
    }

    /// Creates `file` and waits until it is gone.
    private static func hold(_ file: String) async {
        guard FileManager.default.createFile(atPath: file, contents: Data()) else {
            print("pop3bench: cannot create the hold file \(file); not holding")
            return
        }
        while FileManager.default.fileExists(atPath: file) {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
