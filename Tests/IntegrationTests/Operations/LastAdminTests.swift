import Foundation
import Testing

/// The monitor never deletes its last admin: nobody could use it again without editing the database.
@Suite("Last admin")
struct LastAdminTests {
    @Test func theLastAdminCannotBeDeletedAndTheRefusalSaysWhy() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace)
        let monitor = try await OperationsTools.monitorPort(of: server)

        let refused = try await OperationsTools.pop3ctl(["tokens", "del", "admin"], monitorPort: monitor)
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.errors.contains("last admin"), "\(refused)")

        // With a second admin the seed admin can go; then that second one is the last.
        let opsToken = "ponmlkjihgfedcba"
        let added = try await OperationsTools.pop3ctl(["tokens", "add", "ops", opsToken], monitorPort: monitor)
        #expect(added.status == 0, "\(added)")
        let deleted = try await OperationsTools.pop3ctl(["tokens", "del", "admin"], monitorPort: monitor)
        #expect(deleted.status == 0, "\(deleted)")
        let binary = URL(fileURLWithPath: try ServerBinary.path()).deletingLastPathComponent()
            .appendingPathComponent("pop3ctl").path
        let last = try await ExternalCommand.run(
            binary, ["tokens", "del", "ops", "--port", "\(monitor)", "--token", opsToken],
            environment: ["POP3CTL_TOKEN": ""], timeout: 60)
        #expect(last.status != 0, "\(last)")
        #expect(last.errors.contains("last admin"), "\(last)")
        #expect(try await workspace.query("SELECT admin FROM monitor_tokens") == ["ops"])
        #expect(try await server.stop() == 0)
    }
}
