import Foundation
import Storage

/// Runs the pop3ctl binary that sits beside pop3d against a server's monitor port, with the seed token.
enum AdminCommand {
    static func run(_ arguments: [String], monitorPort: Int) async throws -> CommandResult {
        let binary = URL(fileURLWithPath: try ServerBinary.path()).deletingLastPathComponent()
            .appendingPathComponent("pop3ctl").path
        let connection = ["--host", "127.0.0.1", "--port", "\(monitorPort)", "--token", SeedDefaults.adminToken]
        return try await ExternalCommand.run(binary, arguments + connection, environment: ["POP3CTL_TOKEN": ""])
    }

    /// `pop3ctl stats --json`: every metric's current value.
    static func metrics(monitorPort: Int) async throws -> [String: Double] {
        let result = try await run(["stats", "--json"], monitorPort: monitorPort)
        struct Stats: Decodable { let metrics: [String: Double] }
        guard result.status == 0, let stats = try? JSONDecoder().decode(Stats.self, from: Data(result.stdout)) else {
            throw IntegrationError("pop3ctl stats --json failed: \(result)")
        }
        return stats.metrics
    }
}
