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
        let sqliteFile = workspace.backend == .sqlite ? workspace.databasePath : nil
        if let sqliteFile {
            try FileManager.default.setAttributes([.ownerAccountID: 0], ofItemAtPath: sqliteFile)
            #expect(try OperationsTools.owner(sqliteFile) == 0)
        }

        let server = try await ServerProcess.start(
            workspace, options: ["--user", Self.account, "--metrics-listen", "127.0.0.1:0"])
        let dropped = await server.waitForLine { $0.message == "privileges dropped" }
        #expect(dropped?["user"] == Self.account, "\(server.transcript)")
        // The monitor (its requests write files) binds only after the drop.
        _ = try await OperationsTools.monitorPort(of: server)
        let order = server.logLines.map(\.message)
        let dropIndex = order.firstIndex(of: "privileges dropped") ?? .max
        #expect(dropIndex < order.firstIndex(of: "monitor listening") ?? -1, "\(order)")
        let pid = try OperationsTools.processID(of: workspace)
        let threads = try OperationsTools.threadUserIDs(pid)
        #expect(!threads.isEmpty)
        for ids in threads { #expect(ids == Array(repeating: "\(uid)", count: 4), "\(threads)") }
        // Root hands a SQLite file it opened to the account before dropping.
        if let sqliteFile { #expect(try OperationsTools.owner(sqliteFile) == Int(uid)) }

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

    /// Someone with the service account's rights replaces the database with a link to a file that does not exist
    /// yet (here a stand-in for /etc/ld.so.preload): root must neither create it nor hand it over.
    @Test(.sqliteOnly("the database path's links"), arguments: ["pop3d.sqlite", "linked-folder/pop3d.sqlite"])
    func aLinkInTheDatabasePathIsRefusedAndNothingIsCreatedThroughIt(database: String) async throws {
        let (uid, gid) = try Self.ids()
        let workspace = try Workspace()
        let rootOnly = workspace.path("root-only")
        try FileManager.default.createDirectory(atPath: rootOnly, withIntermediateDirectories: false)
        try OperationsTools.chownTree(workspace.maildir.root.path, uid: uid, gid: gid)
        chown(workspace.root.path, uid, gid)
        let databasePath = workspace.path(database)
        if database.contains("/") {
            try FileManager.default.createSymbolicLink(
                atPath: workspace.path("linked-folder"), withDestinationPath: rootOnly)
        } else {
            try FileManager.default.createSymbolicLink(
                atPath: databasePath, withDestinationPath: rootOnly + "/created-by-root")
        }
        let result = try await OperationsTools.pop3d([
            "-p", "0", "--listen", "127.0.0.1", "--monitor-port", "0", "-m", workspace.maildir.root.path,
            "--database", databasePath, "--user", Self.account,
        ])
        #expect(result.status == 2, "\(result)")
        #expect(result.output.contains("symbolic link"), "\(result)")
        let created = try FileManager.default.contentsOfDirectory(atPath: rootOnly)
        #expect(created.isEmpty, "root created \(created) through the link")
    }

    /// A `committing` journal row and a maildrop whose cur/ is a link into a folder only root may change: the
    /// replay runs as the service account, so the file there survives (and the replay reports the failure).
    @Test func theJournalIsReplayedAfterTheDropOnly() async throws {
        let (uid, gid) = try Self.ids()
        let workspace = try Workspace()
        try await workspace.createUsers(TestUsers.both)
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: TestUsers.alice.name)
        // Alice's message, as a QUIT that was cut short left it: in cur/, its deletion journaled as committing.
        let alice = workspace.maildir.root.appendingPathComponent(TestUsers.alice.name)
        let delivered = try #require(workspace.maildir.messageFiles(TestUsers.alice.name).first)
        let baseName = URL(fileURLWithPath: delivered).lastPathComponent
        let aliceName = baseName + ":2,S"
        try FileManager.default.createDirectory(
            at: alice.appendingPathComponent("cur"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            at: alice.appendingPathComponent(delivered), to: alice.appendingPathComponent("cur/" + aliceName))
        let mallory = workspace.maildir.root.appendingPathComponent("mallory")
        for folder in ["new", "tmp"] {
            try FileManager.default.createDirectory(
                at: mallory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try await workspace.insertJournalRows([
            ("s1", "mallory", "victim", "victim:2,S", "committing"),
            ("s2", TestUsers.alice.name, baseName, aliceName, "committing"),
        ])
        try OperationsTools.chownTree(workspace.root.path, uid: uid, gid: gid)
        let rootOnly = workspace.path("root-only")
        try FileManager.default.createDirectory(atPath: rootOnly, withIntermediateDirectories: false)
        let victim = rootOnly + "/victim:2,S"
        try Data("root's file\n".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(
            at: mallory.appendingPathComponent("cur"), withDestinationURL: URL(fileURLWithPath: rootOnly))

        let server = try await ServerProcess.start(workspace, options: ["--user", Self.account])
        if TestBackend.current == .postgresql {
            // There the journal is recovered per maildrop, by the login that takes its lock (mallory has no account).
            let session = try await DeletionTests.login(TestUsers.alice, port: server.port)
            #expect(try await session.command("QUIT").hasPrefix("+OK"))
        }
        #expect(FileManager.default.fileExists(atPath: victim), "root followed the link and removed the file")
        #expect(workspace.maildir.messageFiles(TestUsers.alice.name).isEmpty, "the honest row was replayed")
        let recovered = server.lines("deletion journal recovered").first
        let expectedFailures = TestBackend.current == .postgresql ? "0" : "1"
        #expect(
            recovered?["finished"] == "1" && recovered?["failed"] == expectedFailures, "\(server.transcript)")
        let order = server.logLines.map(\.message)
        #expect(
            (order.firstIndex(of: "privileges dropped") ?? .max)
                < (order.firstIndex(of: "deletion journal recovered") ?? -1), "\(order)")
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
