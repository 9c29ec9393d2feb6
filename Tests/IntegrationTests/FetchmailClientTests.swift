import Foundation
import Testing

/// fetchmail downloads a maildrop of mixed messages through an MDA and deletes them on the server.
@Suite("fetchmail")
struct FetchmailClientTests {
    @Test func downloadsEverythingIntactAndDeletes() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(SampleMessages.mixed, user: user.name)
        let server = try await ServerProcess.start(workspace)
        let inbox = workspace.root.appendingPathComponent("delivered")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        // The MDA writes each message to its own numbered file; fetchmail delivers one at a time.
        let mda = try workspace.writeFile(
            "mda.sh",
            """
            #!/bin/sh
            n=$(ls '\(inbox.path)' | wc -l)
            exec cat > '\(inbox.path)'/message.$n

            """, permissions: 0o755)
        // fetchmail refuses an rcfile others can read.
        let rcfile = try workspace.writeFile(
            "fetchmailrc",
            """
            set no syslog
            poll 127.0.0.1 protocol pop3 port \(server.port) auth password timeout 20
              user "\(user.name)" password "\(user.password)" is "\(user.name)" here
              fetchall nokeep no rewrite no sslcertck mda "\(mda)"

            """, permissions: 0o600)

        let result = try await ExternalCommand.run(
            "fetchmail",
            [
                "-f", rcfile, "--nodetach", "--verbose", "--invisible", "--pidfile", workspace.path("fetchmail.pid"),
                "-i", workspace.path("fetchmail.ids"),
            ],
            environment: ["HOME": workspace.root.path, "FETCHMAILHOME": workspace.root.path], timeout: 60)
        #expect(result.status == 0, "\(result)\n\(server.transcript)")

        let delivered = try FileManager.default.contentsOfDirectory(atPath: inbox.path)
            .map { Array(try Data(contentsOf: inbox.appendingPathComponent($0))) }
        #expect(delivered.count == SampleMessages.mixed.count)
        #expect(
            ClientAssertions.sameMessages(delivered, SampleMessages.mixed), "\(ClientAssertions.summary(delivered))")
        #expect(workspace.maildir.messageFiles(user.name).isEmpty)
        #expect(try await server.stop() == 0)
    }
}
