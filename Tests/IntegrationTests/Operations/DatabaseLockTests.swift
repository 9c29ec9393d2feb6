import Foundation
import Testing

/// An operator's `sqlite3` shell in a write transaction holds the database's write lock. Logins only read (the
/// password hash, the message index), and reads go through a connection of their own, so a login goes through
/// while the lock is held; what must write (DELE's journal row) waits for it, and fails cleanly if it stays.
@Suite("Database write lock held by another process", .sqliteOnly("its write lock, held by a sqlite3 shell"))
struct DatabaseLockTests {
    @Test func aLoginGoesThroughWhileAWriteWaitsForASQLiteShellsLock() async throws {
        let workspace = try Workspace()
        let (alice, bob) = (TestUsers.alice, TestUsers.bob)
        try await workspace.createUsers([alice.name: alice.password, bob.name: bob.password])
        for user in [alice, bob] {
            try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: user.name)
        }
        let server = try await ServerProcess.start(workspace)
        // First logins index both maildrops (a write); a maildrop polled again needs no write at login.
        for user in [alice, bob] {
            let first = try await DeletionTests.login(user, port: server.port)
            #expect(try await first.command("QUIT").hasPrefix("+OK"))
        }
        let bobSession = try await DeletionTests.login(bob, port: server.port)

        let shell = try SQLiteShell(databasePath: workspace.databasePath)
        defer { shell.end() }
        try shell.send(
            "BEGIN IMMEDIATE;\nINSERT INTO settings (key, value, updated_at) VALUES ('lock-test', 'x', 0);\n")
        try shell.send("SELECT 'write lock held';\n")
        #expect(await shell.waitForOutput("write lock held"), "the shell never took the write lock")

        // Bob's DELE must write its journal row: it waits for the shell's lock (up to the busy timeout).
        try await bobSession.send("DELE 1\r\n")
        // Alice only reads: her login must not queue behind Bob's waiting write.
        let aliceSession = try await DeletionTests.login(alice, port: server.port)
        #expect(try await aliceSession.command("STAT").hasPrefix("+OK 2 "))
        let early = try? await bobSession.line(timeout: 0)
        #expect(early == nil, "Bob's DELE was answered (\(early ?? "")) before Alice's login, so it was not waiting")
        try shell.send("SELECT 'still holding';\n")
        #expect(await shell.waitForOutput("still holding"), "the lock was given up during the login")

        try shell.send("ROLLBACK;\n.quit\n")
        #expect(try await bobSession.line().hasPrefix("+OK"), "the DELE goes through once the lock is free")
        #expect(try await bobSession.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(bob.name).count == 1)
        #expect(try await aliceSession.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(alice.name).count == 2)
        #expect(try await server.stop() == 0)
    }
}

/// The `sqlite3` shell as an operator runs it: statements go in one by one, and the test reads what it printed.
final class SQLiteShell: Sendable {
    private let process: Process
    private let input: FileHandle
    private let output: PipeCollector

    init(databasePath: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", databasePath]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        input = stdin.fileHandleForWriting
        output = PipeCollector(stdout.fileHandleForReading)
    }

    func send(_ text: String) throws {
        try input.write(contentsOf: Data(text.utf8))
    }

    /// Waits (boundedly) until the shell has printed `text`.
    func waitForOutput(_ text: String, timeout: Double = 30) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while !output.text.contains(text), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return output.text.contains(text)
    }

    /// Closes its input (the shell then rolls back and exits) and waits for it.
    func end() {
        try? input.close()
        process.waitUntilExit()
    }
}
