import Foundation
import Storage

/// The real binaries and the facts about a running pop3d that the operations tests need.
enum OperationsTools {
    /// Runs pop3d itself (not as a server that must start) and returns what it did.
    static func pop3d(_ arguments: [String], directory: String? = nil) async throws -> CommandResult {
        try await ExternalCommand.run(try ServerBinary.path(), arguments, directory: directory, timeout: 20)
    }

    /// Runs pop3ctl against the monitor port with `token` (by default the seed token of the quick start).
    static func pop3ctl(
        _ arguments: [String], monitorPort: Int, token: String = SeedDefaults.adminToken, directory: String? = nil
    ) async throws -> CommandResult {
        let binary = URL(fileURLWithPath: try ServerBinary.path()).deletingLastPathComponent()
            .appendingPathComponent("pop3ctl").path
        let connection = ["--port", "\(monitorPort)", "--token", token]
        return try await ExternalCommand.run(
            binary, arguments + connection, environment: ["POP3CTL_TOKEN": ""], directory: directory, timeout: 60)
    }

    /// The monitor port the server reported.
    static func monitorPort(of server: ServerProcess) async throws -> Int {
        guard let line = await server.waitForLine(where: { $0.message == "monitor listening" }),
            let address = line["address"], let text = address.split(separator: ":").last, let port = Int(text)
        else { throw IntegrationError("pop3d did not report a monitor port.\n\(server.transcript)") }
        return port
    }

    /// The process id of the pop3d whose command line names `workspace`'s database (each test has its own).
    static func processID(of workspace: Workspace) throws -> Int32 {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc")
        for entry in entries {
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if words.first?.hasSuffix("pop3d") == true, words.contains(workspace.database) { return pid }
        }
        throw IntegrationError("no pop3d process for \(workspace.database)")
    }

    /// The real, effective, saved and file-system user ids of every thread of `pid` (from /proc).
    static func threadUserIDs(_ pid: Int32) throws -> [[String]] {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        return try tasks.map { task in
            let status = try String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else {
                throw IntegrationError("no Uid line for task \(task)")
            }
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map(String.init)
        }
    }

    /// The owner of a file.
    static func owner(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.ownerAccountID] as? NSNumber)?.intValue ?? -1
    }

    /// Gives `path` and everything below it to `uid`:`gid`.
    static func chownTree(_ path: String, uid: uid_t, gid: gid_t) throws {
        chown(path, uid, gid)
        guard let walker = FileManager.default.enumerator(atPath: path) else { return }
        for case let name as String in walker {
            chown(path + "/" + name, uid, gid)
        }
    }
}
