import Foundation

/// Ports and the process id of a running pop3d, read from its log and from /proc.
enum ServerAddresses {
    /// The implicit-TLS port from the `POP3S listening` line.
    static func tlsPort(of server: ServerProcess) async throws -> Int {
        try await port(of: server, message: "POP3S listening")
    }

    /// The monitor port from the `monitor listening` line.
    static func monitorPort(of server: ServerProcess) async throws -> Int {
        try await port(of: server, message: "monitor listening")
    }

    private static func port(of server: ServerProcess, message: String) async throws -> Int {
        guard let line = await server.waitForLine(where: { $0.message == message }),
            let address = line["address"], let text = address.split(separator: ":").last, let port = Int(text),
            port > 0
        else {
            throw IntegrationError("pop3d logged no '\(message)' line with a port.\n\(server.transcript)")
        }
        return port
    }

    /// The pid of the pop3d serving `workspace` (its database path is unique to the workspace), for signals
    /// the harness does not send itself, such as SIGHUP.
    static func processID(of workspace: Workspace) throws -> pid_t {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc")
        var found: [pid_t] = []
        for entry in entries {
            guard let pid = pid_t(entry),
                let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let arguments = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.first.map({ $0.hasSuffix("/pop3d") }) == true, arguments.contains(workspace.database) {
                found.append(pid)
            }
        }
        guard found.count == 1, let pid = found.first else {
            throw IntegrationError("expected one pop3d for \(workspace.database), found \(found)")
        }
        return pid
    }
}
