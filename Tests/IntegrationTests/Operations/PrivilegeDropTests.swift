import Foundation
import Testing

/// Started as root, pop3d serves as `--user` once its ports are bound, and refuses to serve as root otherwise.
/// These tests need root (CI runs as root); elsewhere they are skipped.
@Suite(.enabled(if: geteuid() == 0, "needs root")) struct PrivilegeDropTests {
    static let account = "nobody"

    static func ids() throws -> (uid: uid_t, gid: gid_t) {
        guard let entry = getpwnam(account) else { throw IntegrationError("no user \(account)") }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    @Test func dropsToTheUserAfterBindingAndServesMail() async throws {
        let (uid, gid) = try Self.ids()
        let workspace = try Workspace()
        try await workspace.createUsers(TestUsers.both)
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.dotLines], user: TestUsers.alice.name)
        // The maildir belongs to the mail user; the database's folder too, so SQLite can manage -wal and -shm.
        try OperationsTools.chownTree(workspace.root.path, uid: uid, gid: gid)
        try FileManager.default.setAttributes([.ownerAccountID: 0], ofItemAtPath: workspace.databasePath)
        #expect(try OperationsTools.owner(workspace.databasePath) == 0)

        let server = try await ServerProcess.start(
            workspace, options: ["--user", Self.account, "--metrics-listen", "127.0.0.1:0"])
        let dropped = await server.waitForLine { $0.message == "privileges dropped" }
        #expect(dropped?["user"] == Self.account, "\(server.transcript)")
        let pid = try OperationsTools.processID(of: workspace)
        let threads = try OperationsTools.threadUserIDs(pid)
        #expect(!threads.isEmpty)
        for ids in threads { #expect(ids == Array(repeating: "\(uid)", count: 4), "\(threads)") }
        #expect(try OperationsTools.owner(workspace.databasePath) == Int(uid))

        let client = try await RawConnection.open(port: server.port)
        #expect(try await client.command("USER \(TestUsers.alice.name)").hasPrefix("+OK"))
        #expect(try await client.command("PASS \(TestUsers.alice.password)").hasPrefix("+OK"))
        #expect(try await client.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await client.command("DELE 1").hasPrefix("+OK"))
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(TestUsers.alice.name).count == 1)
        // The monitor still works after the drop (the database is writable by the user).
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let added = try await OperationsTools.pop3ctl(
            ["users", "add", "carol", "--password", "c4rol pw"], monitorPort: monitorPort)
        #expect(added.status == 0, "\(added)")
        let carol = try await RawConnection.open(port: server.port)
        #expect(try await carol.command("USER carol").hasPrefix("+OK"))
        #expect(try await carol.command("PASS c4rol pw").hasPrefix("+OK"))
        #expect(try await carol.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0, "\(server.transcript)")
    }

    @Test func refusesToServeAsRootWithoutUserOrAllowRoot() async throws {
        let workspace = try Workspace()
        let result = try await OperationsTools.pop3d([
            "-p", "0", "--listen", "127.0.0.1", "--monitor-port", "0", "-m", workspace.maildir.root.path,
            "--database", workspace.databasePath,
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.output.contains("refuses to serve mail as root"), "\(result)")
        #expect(result.output.contains("--user") && result.output.contains("--allow-root"))
        #expect(!FileManager.default.fileExists(atPath: workspace.databasePath), "nothing is created as root")
    }

    @Test func unknownUserStopsTheStart() async throws {
        let workspace = try Workspace()
        let result = try await OperationsTools.pop3d([
            "-p", "0", "--listen", "127.0.0.1", "--database", workspace.databasePath, "--user", "no-such-user-x",
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.output.contains("no such user"), "\(result)")
    }

    @Test func userRootIsRefused() async throws {
        let workspace = try Workspace()
        let result = try await OperationsTools.pop3d([
            "-p", "0", "--listen", "127.0.0.1", "--database", workspace.databasePath, "--user", "root",
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.output.contains("drops nothing"), "\(result)")
    }
}
