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
        let inbox = workspace.root.appendingPathComponent("inbox")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(
                at: inbox.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        // mpop only sends a password without TLS when told `tls off`; `auth` picks USER/PASS or SASL PLAIN.
        let configuration = try workspace.writeFile(
            "mpoprc",
            """
            defaults
            timeout 20
            account default
            host 127.0.0.1
            port \(server.port)
            user \(user.name)
            password \(user.password)
            tls off
            auth \(authentication)
            received_header off
            delivery maildir \(inbox.path)
            uidls_file \(workspace.path("mpop-uidls"))
            keep off
            only_new off

            """, permissions: 0o600)

        let result = try await ExternalCommand.run(
            "mpop", ["-C", configuration, "--debug"], environment: ["HOME": workspace.root.path], timeout: 40)
        #expect(result.status == 0, "\(result)\n\(server.transcript)")

        let delivered = try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("new").path)
            .map { Array(try Data(contentsOf: inbox.appendingPathComponent("new").appendingPathComponent($0))) }
        #expect(delivered.count == SampleMessages.mixed.count)
        #expect(
            ClientAssertions.sameMessages(delivered, SampleMessages.mixed), "\(ClientAssertions.summary(delivered))")
        #expect(workspace.maildir.messageFiles(user.name).isEmpty)
        #expect(try await server.stop() == 0)
    }
}
