import Foundation
import Testing

/// One serving pop3d per database: a second one started on it must stop before it touches the journal, or it
/// would discard the first one's pending DELE marks (whose QUIT would then delete nothing and still say so).
@Suite("One pop3d per database", .sqliteOnly("the serving lock <database>.lock"))
struct ServingLockTests {
    @Test func aSecondServerOnTheDatabaseStopsAndTheFirstSessionsDeletionsStand() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: user.name)
        let first = try await ServerProcess.start(workspace)
        let session = try await DeletionTests.login(user, port: first.port)
        #expect(try await session.command("DELE 1").hasPrefix("+OK"))

        let second = try await ServerProcess.launch(workspace)
        let status = try await second.waitForExit(timeout: 30)
        #expect(status == 2, "\(second.transcript)")
        #expect(
            second.transcript.contains("in use by pop3d process \(first.processIdentifier)"),
            "the refusal does not name the holder: \(second.transcript)")
        #expect(second.lines("POP3 listening").isEmpty)
        #expect(try await workspace.query("SELECT state FROM deletion_journal") == ["pending"])

        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(user.name).count == 2, "the DELE before the second start was lost")
        #expect(try await first.stop() == 0)
        // Once the first has stopped, the database is free again.
        let third = try await ServerProcess.start(workspace)
        #expect(try await third.stop() == 0)
    }
}
