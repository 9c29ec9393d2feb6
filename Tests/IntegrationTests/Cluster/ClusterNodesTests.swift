import Foundation
import Testing

/// Several pop3d nodes on one PostgreSQL database and one maildir: what one node's monitor changes holds on the
/// others at once, each node keeps its own journal, and a node name is held by one running pop3d only.
@Suite("Cluster: nodes sharing one database", .postgresqlOnly)
struct ClusterNodesTests {
    private static let user = (name: "carol", password: "carol's first password")
    private static let newPassword = "carol's second password"

    /// USER/PASS on a new connection, then QUIT; PASS's answer.
    private static func login(_ password: String, port: Int) async throws -> String {
        let connection = try await RawConnection.open(port: port)
        defer { connection.close() }
        #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
        let answer = try await connection.command("PASS \(password)")
        _ = try await connection.command("QUIT")
        return answer
    }

    @Test func aPasswordChangedThroughOneNodeHoldsOnTheOtherAtOnce() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers([Self.user.name: Self.user.password])
        let first = try await ServerProcess.start(workspace, nodeName: "node-a")
        let second = try await ServerProcess.start(workspace, nodeName: "node-b")
        // The second node has the old password cached: its second login is answered from the cache.
        #expect(try await Self.login(Self.user.password, port: second.port) == "+OK Logged in.")
        #expect(try await Self.login(Self.user.password, port: second.port) == "+OK Logged in.")
        #expect(await second.waitForLines("login", count: 2))
        #expect(second.lines("login").compactMap { $0["auth"] } == ["kdf", "cache"], "\(second.log)")

        let monitor = try await ServerAddresses.monitorPort(of: first)
        let changed = try await AdminCommand.run(
            ["users", "passwd", Self.user.name, "--password", Self.newPassword], monitorPort: monitor)
        #expect(changed.status == 0, "\(changed)")
        let stale = try await Self.login(Self.user.password, port: second.port)
        #expect(stale.hasPrefix("-ERR [AUTH]"), "the old password still works on the other node: \(stale)")
        #expect(try await Self.login(Self.newPassword, port: second.port) == "+OK Logged in.")
        #expect(try await Self.login(Self.newPassword, port: first.port) == "+OK Logged in.")
        #expect(try await first.stop() == 0)
        #expect(try await second.stop() == 0)
    }

    @Test func aSecondServerWithTheSameNodeNameRefusesToStart() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers([Self.user.name: Self.user.password])
        let first = try await ServerProcess.start(workspace)
        let second = try await ServerProcess.launch(workspace, nodeName: first.nodeName)
        let status = try await second.waitForExit(timeout: 30)
        #expect(status == 2, "\(second.transcript)")
        #expect(
            second.transcript.contains("another pop3d runs as node '\(first.nodeName)'")
                && second.transcript.contains("--node-name"),
            "the refusal does not say why: \(second.transcript)")
        #expect(second.lines("POP3 listening").isEmpty)
        #expect(try await Self.login(Self.user.password, port: first.port) == "+OK Logged in.")
        #expect(try await first.stop() == 0)
        // Once the first has stopped, the name is free again.
        let third = try await first.restart()
        #expect(try await third.stop() == 0)
    }

    /// A node's start-up recovery touches its own journal rows only: another node starting while a session on the
    /// first has marked messages must not discard the marks (that session's QUIT still deletes them).
    @Test func aNodeStartingLeavesAnotherNodesPendingDeletionsAlone() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers([Self.user.name: Self.user.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: Self.user.name)
        let first = try await ServerProcess.start(workspace, nodeName: "node-a")
        let session = try await DeletionTests.login(Self.user, port: first.port)
        #expect(try await session.command("DELE 1").hasPrefix("+OK"))

        let second = try await ServerProcess.start(workspace, nodeName: "node-b")
        #expect(try await workspace.query("SELECT node, state FROM deletion_journal") == ["node-a|pending"])
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(Self.user.name).count == 2, "the first node's DELE was lost")
        #expect(try await first.stop() == 0)
        #expect(try await second.stop() == 0)
    }

    /// pop3ctl backup writes SQLite files only; on PostgreSQL it says what to use instead.
    @Test func backupPointsToPostgreSQLsOwnTools() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: ["--backup-directory", workspace.root.path])
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let backup = workspace.path("backup.sqlite")
        let result = try await AdminCommand.run(["backup", backup], monitorPort: monitor)
        #expect(result.status != 0, "\(result)")
        #expect(result.errors.contains("pg_dump"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: backup))
        #expect(try await server.stop() == 0)
    }
}
