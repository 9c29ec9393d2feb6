import Foundation
import Storage
import Testing

/// The real pop3d folds login attempts and sessions older than the retention into daily totals at start-up, logs
/// what it folded, and `pop3ctl stats` shows the database's size.
@Suite struct HistoryRetentionTests {
    static let oldAttempts = 3_000
    static let oldSessions = 400

    @Test func startUpFoldsOldHistoryAndStatsShowsTheDatabaseSize() async throws {
        let workspace = try Workspace()
        try await Self.fillHistory(workspace)
        let views = [
            "SELECT * FROM logins_by_user", "SELECT * FROM failed_logins_by_peer ORDER BY peer",
            "SELECT * FROM daily_stats", "SELECT * FROM top_users_by_bytes",
        ]
        var before: [[String]] = []
        for view in views { before.append(try await workspace.query(view)) }

        // The default retention (90 days) applies: every filled row but the recent ones is older.
        let server = try await ServerProcess.start(workspace)
        let pruned = await server.waitForLine { $0.message == "history pruned" }
        #expect(pruned?["auth_events"] == "\(Self.oldAttempts)", "\(server.transcript)")
        #expect(pruned?["sessions"] == "\(Self.oldSessions)", "\(server.transcript)")
        #expect(try await workspace.query("SELECT count(*) FROM auth_events") == ["2"])
        #expect(try await workspace.query("SELECT count(*) FROM sessions") == ["1"])
        for (view, rows) in zip(views, before) {
            #expect(try await workspace.query(view) == rows, "\(view)")
        }

        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let table = try await OperationsTools.pop3ctl(["stats"], monitorPort: monitorPort)
        #expect(table.status == 0, "\(table)")
        let row = table.output.split(separator: "\n").first { $0.hasPrefix("database_bytes ") }
        #expect(row?.contains("gauge") == true, "\(table)")
        let json = try await OperationsTools.pop3ctl(["stats", "--json"], monitorPort: monitorPort)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any]
        let reported = ((object?["metrics"] as? [String: Any])?["database_bytes"] as? NSNumber)?.int64Value ?? 0
        // What the database itself says, read just after: the same order of size (the sampler may write meanwhile).
        // On SQLite the file and its WAL on disk; on PostgreSQL the server's own figure.
        let measured: Int64
        if workspace.backend == .sqlite {
            measured = Self.fileSize(workspace.databasePath) + Self.fileSize(workspace.databasePath + "-wal")
        } else {
            let size = try await workspace.query("SELECT pg_database_size(current_database())")
            measured = size.first.flatMap { Int64($0) } ?? 0
        }
        #expect(
            reported > 0 && reported >= measured / 2 && reported <= measured * 2, "\(reported) vs \(measured): \(json)")
        #expect(try await server.stop() == 0)
    }

    @Test func theRetentionComesFromTheConfigurationFile() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", "history-retention-days = 30\n")
        let printed = try await OperationsTools.pop3d(["--config", file, "--print-config"])
        #expect(printed.output.contains("history-retention-days = 30"), "\(printed)")
        #expect(try await OperationsTools.pop3d(["--print-config"]).output.contains("history-retention-days = 90"))

        // Attempts 45 days old are past 30 days, those 20 days old are not.
        try await workspace.withStores { stores in
            try await stores.authEvents.record(
                [45, 45, 45, 20].map { days in
                    AuthEvent(
                        time: Date().addingTimeInterval(-Double(days) * 86_400), userName: "eve", peer: "10.0.0.7",
                        result: .failed)
                })
        }
        let server = try await ServerProcess.start(workspace, options: ["--config", file])
        let pruned = await server.waitForLine { $0.message == "history pruned" }
        #expect(pruned?["auth_events"] == "3" && pruned?["retention_days"] == "30", "\(server.transcript)")
        #expect(try await workspace.query("SELECT count(*) FROM auth_events") == ["1"])
        #expect(try await workspace.query("SELECT \(workspace.userColumn), failed FROM logins_by_user") == ["eve|4"])
        #expect(try await server.stop() == 0)
    }

    /// 3,000 login attempts and 400 sessions 200 to 210 days old, for a few users and peers, and three recent rows.
    static func fillHistory(_ workspace: Workspace) async throws {
        // The quick-start credentials: the test's pop3ctl uses the seed admin token.
        try await workspace.withStores(firstRun: .quickStart) { stores in try await fillHistory(stores) }
    }

    private static func fillHistory(_ stores: Stores) async throws {
        let old = Date().addingTimeInterval(-200 * 86_400)
        let results: [AuthResult] = [.ok, .failed, .failed, .inUse, .error]
        let attempts = (0..<oldAttempts).map { index in
            AuthEvent(
                time: old.addingTimeInterval(-Double(index) * 300), userName: "user\(index % 7)",
                peer: "10.0.0.\(index % 13)", result: results[index % results.count])
        }
        try await stores.authEvents.record(attempts)
        let sessions = (0..<oldSessions).map { index in
            let end = old.addingTimeInterval(-Double(index) * 2_000)
            return SessionRecord(
                sessionID: "old\(index)", user: index % 5 == 0 ? nil : "user\(index % 3)", peer: "10.0.1.\(index % 4)",
                startedAt: end.addingTimeInterval(-30), endedAt: end, bytesIn: 40, bytesOut: Int64(100 + index),
                retrCount: index % 3, topCount: 0, deleCount: index % 2, endReason: index % 9 == 0 ? .timeout : .quit)
        }
        try await stores.sessions.record(sessions)
        let now = Date()
        try await stores.authEvents.record([
            AuthEvent(time: now, userName: "user1", peer: "10.0.0.1", result: .ok),
            AuthEvent(time: now, userName: "user2", peer: "10.0.0.2", result: .failed),
        ])
        try await stores.sessions.record([
            SessionRecord(
                sessionID: "new", user: "user1", peer: "10.0.0.1", startedAt: now, endedAt: now, bytesIn: 1,
                bytesOut: 2, retrCount: 0, topCount: 0, deleCount: 0, endReason: .quit)
        ])
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
