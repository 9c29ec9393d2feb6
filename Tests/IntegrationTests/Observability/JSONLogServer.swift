import Foundation

/// A pop3d started with `--log-format json`. ServerProcess.start waits for a text "POP3 listening" line, so this
/// finds the port in the JSON lines itself.
final class JSONLogServer: Sendable {
    private let server: ServerProcess

    init(_ workspace: Workspace, options: [String] = []) async throws {
        server = try await ServerProcess.launch(workspace, options: ["--log-format", "json"] + options)
    }

    /// Standard output as written.
    var log: String { server.log }

    var transcript: String { server.transcript }

    /// Every complete stdout line that parses as a JSON object (the test checks separately that all do).
    var objects: [[String: Any]] {
        log.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// Waits for a line whose `message` is `message` and returns the first such line.
    func waitFor(_ message: String, count: Int = 1, timeout: Double = 10) async -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let found = objects.filter { $0["message"] as? String == message }
            if found.count >= count { return found.first }
            if !server.isRunning || Date() >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(40))
        }
    }

    /// The POP3 port from the JSON "POP3 listening" line's `address` field.
    func port() async throws -> Int {
        guard let line = await waitFor("POP3 listening"), let address = line["address"] as? String,
            let text = address.split(separator: ":").last, let port = Int(text), port > 0
        else { throw IntegrationError("no POP3 listening line in JSON.\n\(transcript)") }
        return port
    }

    /// SIGTERM, then the exit status.
    func stop() async throws -> Int32 {
        try await server.stop()
    }
}
