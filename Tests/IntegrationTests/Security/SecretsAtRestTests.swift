import Foundation
import Storage
import Testing

extension SecurityIntegrationTests {
    /// After real sessions, no password or token is anywhere in the database or the log in clear, and the
    /// maildrop lock (and a SQLite database with its WAL and shared-memory files) is mode 0600.
    @Suite("Secrets at rest")
    struct SecretsAtRestTests {
        private static let user = "dave"
        private static let password = "Tr0ub4dor-at-rest-1"
        private static let changedPassword = "Correct-Horse-at-rest-2"
        private static let wrongPassword = "Wr0ng-Guess-at-rest-3"
        private static let token = "Tok3n-at-rest-4!"

        @Test func noSecretInTheDatabaseOrTheLogAndFilesAre0600() async throws {
            let workspace = try Workspace()
            // pop3d creates the database itself; users and tokens arrive through the monitor.
            let server = try await ServerProcess.start(workspace)
            let monitor = try await ServerAddresses.monitorPort(of: server)
            let added = try await AdminCommand.run(
                ["users", "add", Self.user, "--password", Self.password], monitorPort: monitor)
            #expect(added.status == 0, "\(added)")
            let token = try await AdminCommand.run(
                ["tokens", "add", "auditor", Self.token], monitorPort: monitor)
            #expect(token.status == 0, "\(token)")
            try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: Self.user)

            let session = try await RawConnection.open(port: server.port)
            #expect(try await session.command("USER \(Self.user)").hasPrefix("+OK"))
            #expect(try await session.command("PASS \(Self.wrongPassword)").hasPrefix("-ERR [AUTH]"))
            let plain = SourceBoundSessions.authPlain(Self.user, Self.password)
            #expect(try await session.command(plain) == "+OK Logged in.")
            #expect(try await session.command("RETR 1").hasPrefix("+OK"))
            _ = try await session.multilineBody()
            #expect(try await session.command("DELE 2").hasPrefix("+OK"))
            #expect(try await session.command("QUIT").hasPrefix("+OK"))
            let changed = try await AdminCommand.run(
                ["users", "passwd", Self.user, "--password", Self.changedPassword], monitorPort: monitor)
            #expect(changed.status == 0, "\(changed)")
            let second = try await RawConnection.open(port: server.port)
            #expect(try await second.command("USER \(Self.user)").hasPrefix("+OK"))
            #expect(try await second.command("PASS \(Self.changedPassword)") == "+OK Logged in.")
            #expect(try await second.command("QUIT").hasPrefix("+OK"))
            #expect(await server.waitForLines("logout", count: 2))

            let secrets = [
                Self.password, Self.changedPassword, Self.wrongPassword, Self.token, SeedDefaults.adminToken,
                SourceBoundSessions.plainResponse(Self.user, Self.password),
            ]
            // SQLite: the database, its WAL and shared-memory files, while running (the WAL holds the newest pages)
            // and after the stop.
            let sqliteFiles = workspace.backend == .sqlite ? Self.sqliteFiles(workspace) : []
            for file in sqliteFiles {
                #expect(Self.mode(of: file) == 0o600, "\(file)")
                Self.expectNoSecret(secrets, in: file)
            }
            // The maildir's lock file (SQLite; on PostgreSQL the maildrop locks live in the database).
            if workspace.backend == .sqlite {
                let lock = workspace.maildir.userFolder(Self.user).deletingLastPathComponent()
                    .appendingPathComponent(".pop3d.lock").path
                #expect(Self.mode(of: lock) == 0o600, "\(lock)")
            }

            #expect(try await server.stop() == 0)
            for file in sqliteFiles where FileManager.default.fileExists(atPath: file) {
                #expect(Self.mode(of: file) == 0o600, "\(file)")
                Self.expectNoSecret(secrets, in: file)
            }
            // PostgreSQL: everything the database holds, as pg_dump writes it out.
            if workspace.backend == .postgresql {
                let dump = workspace.path("dump.sql")
                let dumped = try await workspace.dumpDatabase(to: dump)
                #expect(dumped.status == 0, "\(dumped)")
                Self.expectNoSecret(secrets, in: dump)
            }
            for secret in secrets {
                #expect(!server.transcript.contains(secret), "\(secret) is in the log")
            }
            // The hashes that are stored are PHC strings, and the login events name the user, never a password.
            let hashes = try await workspace.query("SELECT password_hash FROM users WHERE name = '\(Self.user)'")
            #expect(hashes.count == 1 && hashes[0].hasPrefix("$scrypt$"), "\(hashes)")
        }

        private static func sqliteFiles(_ workspace: Workspace) -> [String] {
            let database = workspace.databasePath
            return [database, database + "-wal", database + "-shm"]
        }

        private static func mode(of path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int).flatMap { $0 }
        }

        private static func expectNoSecret(
            _ secrets: [String], in path: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            guard let contents = FileManager.default.contents(atPath: path) else {
                Issue.record("cannot read \(path)", sourceLocation: sourceLocation)
                return
            }
            for secret in secrets {
                // Also as UTF-16, in case something stored it as text of another encoding.
                for form in [Data(secret.utf8), secret.data(using: .utf16LittleEndian) ?? Data()] {
                    #expect(
                        contents.range(of: form) == nil, "\(secret) found in \(path)", sourceLocation: sourceLocation)
                }
            }
        }
    }
}
