import Foundation
import Synchronization
import Testing

/// `pop3ctl backup FILE` under POP3 load, checked with the sqlite3 shell, and the documented restore.
@Suite(.sqliteOnly("pop3ctl backup writes a SQLite file")) struct BackupTests {
    static func users(_ count: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (1...count).map { ("user\($0)", "pw \($0)") })
    }

    /// One POP3 session after another for `user` until `stop` is set; returns how many logins succeeded.
    static func load(port: Int, user: String, password: String, until stop: @escaping @Sendable () -> Bool)
        async throws -> Int
    {
        var logins = 0
        var attempts = 0
        // At least two logins each, so a slow machine still puts the backup under load.
        while (logins < 2 && attempts < 20) || !stop() {
            attempts += 1
            let client = try await RawConnection.open(port: port)
            _ = try await client.command("USER \(user)")
            if try await client.command("PASS \(password)").hasPrefix("+OK") { logins += 1 }
            _ = try await client.command("STAT")
            try await client.send("RETR 1\r\n")
            if try await client.line().hasPrefix("+OK") { _ = try await client.multilineBody() }
            _ = try await client.command("QUIT")
        }
        return logins
    }

    @Test func backupUnderLoadIsConsistentAndHoldsTheUsers() async throws {
        let workspace = try Workspace()
        let users = Self.users(12)
        try await workspace.createUsers(users)
        for name in users.keys { try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: name) }
        let server = try await ServerProcess.start(
            workspace, options: ["--sample-interval", "0.2", "--backup-directory", workspace.root.path])
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let finished = Flag()
        let backup = workspace.path("backup.sqlite")
        let result = try await withThrowingTaskGroup(of: Int.self) { group in
            for name in users.keys.sorted().prefix(4) {
                group.addTask {
                    try await Self.load(port: server.port, user: name, password: users[name]!) { finished.isSet }
                }
            }
            // Let the sessions get going (every loader has logged in), back up while they run, and let each
            // loader log in once more after the backup before they stop.
            #expect(await server.waitForLines("login", count: 4, timeout: 60), "\(server.transcript)")
            let result = try await OperationsTools.pop3ctl(["backup", backup], monitorPort: monitorPort)
            let loginsAfterBackup = server.lines("login").count + 4
            #expect(await server.waitForLines("login", count: loginsAfterBackup, timeout: 60), "\(server.transcript)")
            finished.set()
            var logins = 0
            for try await count in group { logins += count }
            #expect(logins > 4, "the load ran")
            return result
        }
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains(backup))
        let check = try await ExternalCommand.run("sqlite3", ["-batch", backup, "PRAGMA integrity_check"])
        #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(check)")
        let names = try await ExternalCommand.run(
            "sqlite3", ["-batch", backup, "SELECT name FROM users ORDER BY name"])
        let listed = Set(names.output.split(separator: "\n").map(String.init))
        #expect(listed == Set(users.keys).union(["foo"]), "\(names)")
        let permissions = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(server.log.contains("database backed up"))

        // A second backup to the same file is refused and leaves the first one alone.
        let before = try Data(contentsOf: URL(fileURLWithPath: backup))
        let again = try await OperationsTools.pop3ctl(["backup", backup], monitorPort: monitorPort)
        #expect(again.status == 1, "\(again)")
        #expect(again.errors.contains("already exists"), "\(again)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup)) == before)
        #expect(try await server.stop() == 0)
    }

    @Test func relativePathIsPop3ctlsAndBadPathsAreRefused() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: ["--backup-directory", workspace.root.path])
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let relative = try await OperationsTools.pop3ctl(
            ["backup", "sub/../copy.sqlite"], monitorPort: monitorPort, directory: workspace.root.path)
        #expect(relative.status == 0, "\(relative)")
        #expect(FileManager.default.fileExists(atPath: workspace.path("copy.sqlite")))

        let named = try await OperationsTools.pop3ctl(["backup", "named.sqlite"], monitorPort: monitorPort)
        #expect(named.status == 0, "\(named)")
        #expect(FileManager.default.fileExists(atPath: workspace.path("named.sqlite")), "a plain name is the folder's")
        #expect(try await server.stop() == 0)
    }

    @Test func backupsAreWrittenOnlyInsideTheBackupDirectory() async throws {
        let workspace = try Workspace()
        let outside = workspace.path("outside.sqlite")
        let backups = workspace.path("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: false)
        let off = try await ServerProcess.start(workspace)
        let offPort = try await OperationsTools.monitorPort(of: off)
        let refused = try await OperationsTools.pop3ctl(["backup", outside], monitorPort: offPort)
        #expect(refused.status == 1 && refused.errors.contains("backups are off"), "\(refused)")
        #expect(try await off.stop() == 0)

        let server = try await off.restartWith(options: ["--backup-directory", backups])
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        for path in [outside, backups + "/sub/b.sqlite", backups + "/../escape.sqlite", "/etc/pop3d-backup"] {
            let result = try await OperationsTools.pop3ctl(["backup", path], monitorPort: monitorPort)
            #expect(result.status == 1, "\(path): \(result)")
            #expect(result.errors.contains("only inside \(backups)"), "\(path): \(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: outside))
        #expect(!FileManager.default.fileExists(atPath: workspace.path("escape.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: "/etc/pop3d-backup"))
        let inside = try await OperationsTools.pop3ctl(["backup", backups + "/ok.sqlite"], monitorPort: monitorPort)
        #expect(inside.status == 0, "\(inside)")
        #expect(FileManager.default.fileExists(atPath: backups + "/ok.sqlite"))
        #expect(try await server.stop() == 0)
    }

    @Test func restoreAsDocumentedBringsTheUsersBack() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers(["kept": "kept pw"])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: "kept")
        let server = try await ServerProcess.start(workspace, options: ["--backup-directory", workspace.root.path])
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let backup = workspace.path("backup.sqlite")
        #expect(try await OperationsTools.pop3ctl(["backup", backup], monitorPort: monitorPort).status == 0)
        // A change after the backup: the restore must undo it.
        let deleted = try await OperationsTools.pop3ctl(["users", "del", "kept"], monitorPort: monitorPort)
        #expect(deleted.status == 0, "\(deleted)")
        #expect(try await server.stop() == 0)

        // Restore: stop pop3d, copy the backup over the database, remove -wal and -shm, start.
        let database = workspace.databasePath
        try FileManager.default.removeItem(atPath: database)
        try FileManager.default.copyItem(atPath: backup, toPath: database)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let restored = try await server.restart()
        let client = try await RawConnection.open(port: restored.port)
        #expect(try await client.command("USER kept").hasPrefix("+OK"))
        #expect(try await client.command("PASS kept pw").hasPrefix("+OK"))
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        #expect(try await restored.stop() == 0)
    }
}

/// A one-way switch shared by the load tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
