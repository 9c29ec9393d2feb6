import Foundation
import Storage
import Testing

/// `pop3d migrate`: a SQLite installation made by the real pop3d, copied into PostgreSQL, then served from there.
/// Needs the test PostgreSQL server the environment names (POP3D_TEST_POSTGRES_URL, POP3D_TEST_POSTGRES_PASSWORD_FILE).
@Suite(
    .enabled(
        if: MigrationTarget.isConfigured,
        "needs a PostgreSQL test server: POP3D_TEST_POSTGRES_URL and POP3D_TEST_POSTGRES_PASSWORD_FILE"))
struct MigrateTests {
    @Test func aCopiedInstallationServesFromPostgreSQLWithTheSamePasswords() async throws {
        try await MigrationTarget.withDatabase { target in
            let workspace = try Workspace(backend: .sqlite)
            let alice = TestUsers.alice
            try await workspace.createUsers([alice.name: alice.password])
            try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.dotLines], user: alice.name)
            // With SCRAM on, so its salt, verifiers (password and app password) and secret are copied too.
            let sqlite = ["--database", "sqlite:" + workspace.databasePath, "--sample-interval", "0.2", "--sasl-scram"]
            let server = try await ServerProcess.start(workspace, options: sqlite)

            // A failed login, a good one with a DELE and QUIT, and a session that never logs in.
            let client = try await RawConnection.open(port: server.port)
            #expect(try await client.command("USER \(alice.name)").hasPrefix("+OK"))
            #expect(try await client.command("PASS wrong").hasPrefix("-ERR"))
            #expect(try await client.command("USER \(alice.name)").hasPrefix("+OK"))
            #expect(try await client.command("PASS \(alice.password)").hasPrefix("+OK"))
            #expect(try await client.command("DELE 1").hasPrefix("+OK"))
            #expect(try await client.command("QUIT").hasPrefix("+OK"))
            let anonymous = try await RawConnection.open(port: server.port)
            #expect(try await anonymous.command("QUIT").hasPrefix("+OK"))
            for query in [
                "SELECT 1 FROM sessions GROUP BY 1 HAVING count(*) >= 2",
                "SELECT 1 FROM auth_events GROUP BY 1 HAVING count(*) >= 2",
                "SELECT 1 FROM deletion_journal WHERE state = 'done'", "SELECT 1 FROM metric_samples",
            ] {
                #expect(try await !workspace.waitForRows(query).isEmpty, "\(query)\n\(server.transcript)")
            }

            // Not while a pop3d serves the file.
            let served = try await Self.migrate(workspace.databasePath, to: target)
            #expect(served.status == 2, "\(served)")
            #expect(served.errors.contains("is serving"), "\(served)")

            let monitorPort = try await OperationsTools.monitorPort(of: server)
            let usersBefore = try await OperationsTools.pop3ctl(["users", "list"], monitorPort: monitorPort)
            #expect(usersBefore.status == 0 && usersBefore.output.contains(alice.name), "\(usersBefore)")
            let added = try await OperationsTools.pop3ctl(
                ["users", "app-password", "add", alice.name, "phone"], monitorPort: monitorPort)
            #expect(added.status == 0, "\(added)")
            let appPassword = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let verifiers = try await workspace.waitForRows(
                "SELECT id FROM scram_verifiers WHERE app_password_id IS NULL")
            #expect(verifiers.count == 1, "the PASS login's SCRAM verifier")
            #expect(try await server.stop() == 0)

            // Rows the history pruner would write after 90 days, and a setting.
            _ = try await workspace.query(
                """
                INSERT INTO auth_events_daily_by_user VALUES ('2024-02-29', 'alice', 'ok', 3, 1709200000.5);
                INSERT INTO auth_events_daily_by_peer VALUES ('2024-02-29', '192.0.2.7', 'failed', 4, 1709200001);
                INSERT INTO sessions_daily VALUES ('2024-02-29', '', 'quit', 2, 10, 20, 0, 0, 0);
                INSERT INTO settings VALUES ('buffer_size', '4096', 1709200002);
                INSERT INTO user_policies SELECT id, 0, -1, 1709200003.5 FROM users WHERE name = 'alice';
                INSERT INTO user_policies SELECT id, NULL, NULL, NULL FROM users WHERE name = 'foo';
                INSERT INTO message_retrievals VALUES ('alice', 'uid-1', 1709200004);
                """)

            let result = try await Self.migrate(workspace.databasePath, to: target, node: "it-node")
            #expect(result.status == 0, "\(result)")
            let printed = Self.printedCounts(result.output)
            #expect(printed.count == StateTable.allCases.count, "\(result)")
            for table in StateTable.allCases {
                let filter = table == .deletionJournal ? " WHERE state = 'done'" : ""
                let source = try await workspace.query("SELECT count(*) FROM \(table.name)\(filter)")
                let copied = try await target.psql("SELECT count(*) FROM \(table.name)")
                #expect(printed[table.name]?.source == Int(source.first ?? ""), "\(table.name): \(result)")
                #expect(printed[table.name]?.target == Int(copied.first ?? ""), "\(table.name): \(result)")
                #expect(source == copied, "\(table.name)")
            }
            #expect(
                try await target.psql(
                    """
                    SELECT u.name || '|' || coalesce(p.login_delay_seconds::text, '-') || '|'
                        || coalesce(p.expire_days::text, '-') || '|' || coalesce(p.last_login::text, '-')
                    FROM user_policies p JOIN users u ON u.id = p.user_id ORDER BY u.name
                    """) == ["alice|0|-1|1709200003.5", "foo|-|-|-"])
            #expect(
                try await target.psql(
                    "SELECT user_name || '|' || uidl || '|' || first_retrieved FROM message_retrievals")
                    == ["alice|uid-1|1709200004"])
            for table: StateTable in [
                .users, .appPasswords, .monitorTokens, .settings, .deletionJournal, .authEventsDailyByUser,
                .userPolicies,
                .messageRetrievals, .scramSalts, .scramVerifiers, .scramSecret,
            ] {
                #expect((printed[table.name]?.target ?? 0) > 0, "\(table.name) copied nothing: \(result)")
            }
            // Hashes exactly as stored; the rows that name a node name the one given.
            let hashes = "SELECT name || '|' || password_hash FROM users ORDER BY name"
            #expect(try await workspace.query(hashes) == target.psql(hashes))
            for table in ["auth_events", "sessions", "metric_samples", "deletion_journal"] {
                #expect(try await target.psql("SELECT DISTINCT node FROM \(table)") == ["it-node"], "\(table)")
            }
            #expect(try await target.psql("SELECT count(*) FROM sessions WHERE user_name IS NULL") == ["1"])
            #expect(
                try await target.psql(
                    "SELECT day || '|' || attempts || '|' || last_time FROM auth_events_daily_by_user"
                ) == ["2024-02-29|3|1709200000.5"])

            // pop3d on PostgreSQL: the same password, the same maildrop state, the same users and admin token.
            let postgres = try await ServerProcess.start(
                workspace,
                options: [
                    "--database", target.url, "--database-password-file", target.passwordFile, "--node-name", "it-node",
                    "--sasl-scram",
                ])
            // SCRAM works at once with the copied verifiers, the app password's included.
            let scram = try await SCRAMLoginTests.run(
                [
                    SCRAMLoginTests.Attempt(user: alice.name, password: alice.password),
                    SCRAMLoginTests.Attempt(user: alice.name, password: appPassword),
                ], port: postgres.port, in: workspace)
            #expect(scram.map(\.answer) == ["+OK Logged in.", "+OK Logged in."], "\(scram)")
            let again = try await RawConnection.open(port: postgres.port)
            #expect(try await again.command("USER \(alice.name)").hasPrefix("+OK"))
            #expect(try await again.command("PASS \(alice.password)").hasPrefix("+OK"), "\(postgres.transcript)")
            #expect(try await again.command("STAT").hasPrefix("+OK 1 "))
            #expect(try await again.command("QUIT").hasPrefix("+OK"))
            let withAppPassword = try await RawConnection.open(port: postgres.port)
            #expect(try await withAppPassword.command("USER \(alice.name)").hasPrefix("+OK"))
            #expect(try await withAppPassword.command("PASS \(appPassword)").hasPrefix("+OK"), "\(postgres.transcript)")
            #expect(try await withAppPassword.command("QUIT").hasPrefix("+OK"))
            let usersAfter = try await OperationsTools.pop3ctl(
                ["users", "list"], monitorPort: try await OperationsTools.monitorPort(of: postgres))
            #expect(usersAfter.status == 0, "\(usersAfter)")
            #expect(usersAfter.output == usersBefore.output)
            #expect(try await postgres.stop() == 0)
        }
    }

    @Test func unfinishedDeletionsAreRefusedUntilPop3dHasRecoveredThem() async throws {
        try await MigrationTarget.withDatabase { target in
            let workspace = try Workspace(backend: .sqlite)
            try await workspace.createUsers([:])
            for state in ["pending", "committing"] {
                _ = try await workspace.query(
                    """
                    DELETE FROM deletion_journal;
                    INSERT INTO deletion_journal (session, user, base_name, file_name, state, created_at, updated_at)
                    VALUES ('s1', 'foo', '0001.it', 'cur/0001.it:2,', '\(state)', 1, 1);
                    """)
                let refused = try await Self.migrate(workspace.databasePath, to: target)
                #expect(refused.status == 2, "\(refused)")
                #expect(refused.errors.contains("1 \(state)"), "\(refused)")
                #expect(refused.errors.contains("start pop3d on the SQLite database once"), "\(refused)")
                #expect(
                    try await target.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'users'") == ["0"],
                    "the target is not touched")
            }
            _ = try await workspace.query("UPDATE deletion_journal SET state = 'done'")
            let copied = try await Self.migrate(workspace.databasePath, to: target)
            #expect(copied.status == 0, "\(copied)")
            #expect(try await target.psql("SELECT state FROM deletion_journal") == ["done"])
        }
    }

    @Test func aTargetWithDataIsRefusedUnlessReplacedAndAFailedCopyWritesNothing() async throws {
        try await MigrationTarget.withDatabase { target in
            let workspace = try Workspace(backend: .sqlite)
            try await workspace.createUsers([TestUsers.alice.name: TestUsers.alice.password])
            let first = try await Self.migrate(workspace.databasePath, to: target)
            #expect(first.status == 0, "\(first)")
            let users = "SELECT name FROM users ORDER BY name"
            #expect(try await target.psql(users) == ["alice", "foo"])

            let refused = try await Self.migrate(workspace.databasePath, to: target)
            #expect(refused.status == 2, "\(refused)")
            #expect(refused.errors.contains("already holds pop3d data (users 2, monitor_tokens 1)"), "\(refused)")
            #expect(refused.errors.contains("--replace-target"), "\(refused)")

            // A row the copy cannot write (no such day) fails it half-way: the emptied tables come back.
            try await workspace.createUsers([TestUsers.bob.name: TestUsers.bob.password])
            _ = try await target.psql(
                "INSERT INTO auth_events (node, time, user_name, peer, result) VALUES ('other', 1, 'x', 'p', 'ok')")
            _ = try await workspace.query(
                "INSERT INTO auth_events_daily_by_peer VALUES ('2024-02-30', 'p', 'ok', 1, 1)")
            let failed = try await Self.migrate(workspace.databasePath, to: target, replace: true)
            #expect(failed.status == 2, "\(failed)")
            #expect(failed.errors.contains("2024-02-30"), "\(failed)")
            #expect(try await target.psql(users) == ["alice", "foo"])
            #expect(try await target.psql("SELECT count(*) FROM auth_events") == ["1"])

            _ = try await workspace.query("DELETE FROM auth_events_daily_by_peer")
            let replaced = try await Self.migrate(workspace.databasePath, to: target, replace: true)
            #expect(replaced.status == 0, "\(replaced)")
            #expect(try await target.psql(users) == ["alice", "bob", "foo"])
            #expect(try await target.psql("SELECT count(*) FROM auth_events") == ["0"], "emptied first")
        }
    }

    /// Runs `pop3d migrate` from the SQLite file at `path`.
    static func migrate(_ path: String, to target: MigrationTarget, node: String = "it", replace: Bool = false)
        async throws -> CommandResult
    {
        try await OperationsTools.pop3d(
            [
                "migrate", "--from", "sqlite:" + path, "--to", target.url, "--database-password-file",
                target.passwordFile, "--node-name", node,
            ] + (replace ? ["--replace-target"] : []))
    }

    /// The table `pop3d migrate` prints: each table's name and its two counts.
    static func printedCounts(_ output: String) -> [String: (source: Int, target: Int)] {
        var counts: [String: (source: Int, target: Int)] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let name = words.first, StateTable(rawValue: String(name)) != nil, words.count >= 3,
                let source = Int(words[words.count - 2]), let target = Int(words[words.count - 1])
            else { continue }
            counts[String(name)] = (source, target)
        }
        return counts
    }
}

/// `pop3d migrate`'s refusals that need no PostgreSQL server.
struct MigrateRefusalTests {
    @Test func aMissingSourceIsAnErrorAndNothingIsCreated() async throws {
        let workspace = try Workspace(backend: .sqlite)
        let absent = workspace.path("absent.sqlite")
        let result = try await OperationsTools.pop3d([
            "migrate", "--from", "sqlite:" + absent, "--to", "postgresql://nobody@127.0.0.1:1/none",
        ])
        #expect(result.status == 2, "\(result)")
        #expect(result.errors.contains("no SQLite database at \(absent)"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: absent))
        #expect(!FileManager.default.fileExists(atPath: absent + ".lock"))

        let backwards = try await OperationsTools.pop3d([
            "migrate", "--from", "postgresql://nobody@127.0.0.1:1/none", "--to", "sqlite:" + absent,
        ])
        #expect(backwards.status != 0 && backwards.errors.contains("--from must name a SQLite database"))
    }

    @Test func helpNamesTheCommand() async throws {
        // Help text is wrapped to the terminal's width: compared with single spaces.
        func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let own = try await OperationsTools.pop3d(["migrate", "--help"])
        #expect(own.status == 0 && flat(own.output).contains("USAGE: pop3d migrate --from <path> --to <url>"), "\(own)")
        #expect(own.output.contains("--replace-target"), "\(own)")
        let pop3d = try await OperationsTools.pop3d(["--help"])
        #expect(flat(pop3d.output).contains("pop3d migrate --from sqlite:PATH"), "\(pop3d)")
    }
}

/// A database of its own on the test PostgreSQL server of the environment contract (`POP3D_TEST_POSTGRES_URL`, a
/// server URL whose database is `postgres`; `POP3D_TEST_POSTGRES_PASSWORD_FILE`), made and dropped with psql.
struct MigrationTarget: Sendable {
    static let serverVariable = "POP3D_TEST_POSTGRES_URL"
    static let passwordFileVariable = "POP3D_TEST_POSTGRES_PASSWORD_FILE"

    static var isConfigured: Bool {
        let environment = ProcessInfo.processInfo.environment
        return !(environment[serverVariable] ?? "").isEmpty && !(environment[passwordFileVariable] ?? "").isEmpty
    }

    /// The new database's URL, for pop3d.
    let url: String
    let passwordFile: String
    private let password: String

    /// Runs `body` with a new database, dropped afterwards (best effort) whether `body` succeeded or not.
    static func withDatabase(_ body: (MigrationTarget) async throws -> Void) async throws {
        let environment = ProcessInfo.processInfo.environment
        let server = environment[serverVariable] ?? ""
        let passwordFile = environment[passwordFileVariable] ?? ""
        let password =
            try String(contentsOfFile: passwordFile, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard var components = URLComponents(string: server) else {
            throw IntegrationError("\(serverVariable) is not a URL: \(server)")
        }
        let name = "pop3d_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = MigrationTarget(url: server, passwordFile: passwordFile, password: password)
        _ = try await admin.psql("CREATE DATABASE \(name)")
        components.path = "/" + name
        let target = MigrationTarget(url: components.string ?? "", passwordFile: passwordFile, password: password)
        do {
            try await body(target)
        } catch {
            _ = try? await admin.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        _ = try? await admin.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Answers `sql` with psql: one row per line, columns split by `|`.
    func psql(_ sql: String) async throws -> [String] {
        let result = try await ExternalCommand.run(
            "psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
            environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"], timeout: 30)
        guard result.status == 0 else { throw IntegrationError("psql failed on \(sql): \(result)") }
        return result.output.split(separator: "\n").map(String.init)
    }
}
