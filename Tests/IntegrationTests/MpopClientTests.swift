import Foundation
import Testing

/// mpop downloads a maildrop of mixed messages into a local maildir and deletes them on the server.
@Suite("mpop")
struct MpopClientTests {
    @Test(arguments: ["user", "plain"])
    func downloadsEverythingIntactAndDeletes(authentication: String) async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(SampleMessages.mixed, user: user.name)
        let server = try await ServerProcess.start(workspace)
        // `authentication` picks USER/PASS or SASL PLAIN.
        let mpop = try MpopAccount(
            workspace: workspace, port: server.port, user: user.name, secret: .password(user.password),
            auth: authentication, keep: false)
        let result = try await mpop.run()
        #expect(result.status == 0, "\(result)\n\(server.transcript)")

        let delivered = try mpop.deliveredMessages()
        #expect(delivered.count == SampleMessages.mixed.count)
        #expect(
            ClientAssertions.sameMessages(delivered, SampleMessages.mixed), "\(ClientAssertions.summary(delivered))")
        #expect(workspace.maildir.messageFiles(user.name).isEmpty)
        #expect(try await server.stop() == 0)
    }
}
