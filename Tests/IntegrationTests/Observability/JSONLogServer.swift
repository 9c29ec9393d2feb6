import Foundation

/// A pop3d started with `--log-format json`. ServerProcess waits for a text "POP3 listening" line, so this
/// launcher finds the port in the JSON lines itself.
final class JSONLogServer: Sendable {
    private let process: Process
    private let output: PipeCollector
    private let errors: PipeCollector
    private let exit = ProcessExit()

    init(_ workspace: Workspace, options: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServerBinary.path())
        process.arguments =
            [
                "-p", "0", "-m", workspace.maildir.root.path, "--database", workspace.databasePath, "--log-format",
                "json",
            ]
            + ServerProcess.baseOptions + options
        process.currentDirectoryURL = workspace.root
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = self.exit
        process.terminationHandler = { exit.record($0.terminationStatus) }
        try process.run()
        self.process = process
        output = PipeCollector(stdout.fileHandleForReading)
        errors = PipeCollector(stderr.fileHandleForReading)
    }

    deinit {
        if !exit.hasExited { kill(process.processIdentifier, SIGKILL) }
    }

    /// Standard output as written.
    var log: String { output.text }

    var transcript: String { "--- pop3d stdout\n\(output.text)\n--- pop3d stderr\n\(errors.text)" }

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
            if exit.hasExited || Date() >= deadline { return nil }
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
        kill(process.processIdentifier, SIGTERM)
        let exit = self.exit
        let output = self.output
        let inTime = try await Blocking.run {
            let exited = exit.wait(timeout: 15)
            if exited { output.waitForEnd(timeout: 2) }
            return exited
        }
        guard inTime, let status = exit.exitStatus else { throw IntegrationError("pop3d did not stop.\n\(transcript)") }
        return status
    }
}
