import Foundation

/// Runs a Python 3 script written into the workspace and decodes the JSON it prints.
enum PythonScript {
    static func run(
        _ script: String, named name: String, arguments: [String], in workspace: Workspace, timeout: Double = 30
    ) async throws -> CommandResult {
        let file = try workspace.writeFile(name, script)
        return try await ExternalCommand.run("python3", [file] + arguments, timeout: timeout)
    }

    static func decode<T: Decodable>(_ type: T.Type, from result: CommandResult) throws -> T {
        guard result.status == 0, !result.timedOut else { throw IntegrationError("python3 failed: \(result)") }
        do {
            return try JSONDecoder().decode(type, from: Data(result.stdout))
        } catch {
            throw IntegrationError("python3 printed no valid JSON (\(error)): \(result)")
        }
    }
}
