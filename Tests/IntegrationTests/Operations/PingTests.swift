import Foundation
import Testing

/// `pop3ctl ping`, the health check for monitoring systems: exit 0 with version and uptime while the server
/// answers, non-zero when it does not.
@Suite struct PingTests {
    @Test func pingAnswersWhileTheServerRunsAndFailsAfter() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace)
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let ping = try await OperationsTools.pop3ctl(["ping"], monitorPort: monitorPort)
        #expect(ping.status == 0, "\(ping)")
        let version = try await OperationsTools.pop3d(["--version"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ping.output.contains(": \(version), up "), "\(ping)")
        let json = try await OperationsTools.pop3ctl(["ping", "--json"], monitorPort: monitorPort)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any]
        #expect(object?["version"] != nil && object?["uptime_seconds"] != nil, "\(json)")
        #expect(try await server.stop() == 0)

        let down = try await OperationsTools.pop3ctl(["ping", "--timeout", "2"], monitorPort: monitorPort)
        #expect(down.status == 2, "\(down)")
    }
}
