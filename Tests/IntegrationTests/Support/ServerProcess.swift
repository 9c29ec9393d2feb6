import Foundation
import Synchronization

/// A real pop3d child process on a free loopback port, with its whole log kept for assertions.
final class ServerProcess: Sendable {
    let workspace: Workspace
    let options: [String]
    let quickStartCredentials: Bool
    /// `--node-name` on PostgreSQL: the workspace's, kept by a restart.
    let nodeName: String
    private let process: Process
    private let output: PipeCollector
    private let errors: PipeCollector
    private let exit = ProcessExit()
    private let listeningPort = Atomic<Int>(0)

    /// Options every test server gets: loopback only, free ports (POP3 and monitor), cheap hashes, no login
    /// penalty, and leave to run as root (tests run as root in CI). Later options (a test's own) override these.
    /// Unless a test asks otherwise, a new database also gets the quick-start credentials (foo/bar, the seed admin
    /// token), which many tests use.
    static let baseOptions = [
        "--listen", "127.0.0.1", "--password-cost", "10", "--auth-failure-delay", "0", "--monitor-port", "0",
        "--allow-root",
    ]

    private init(
        workspace: Workspace, options: [String], softOpenFileLimit: Int?, quickStartCredentials: Bool,
        nodeName: String
    ) throws {
        self.workspace = workspace
        self.options = options
        self.quickStartCredentials = quickStartCredentials
        self.nodeName = nodeName
        let process = Process()
        let arguments =
            ["-p", "0", "-m", workspace.maildir.root.path, "--database", workspace.database]
            + workspace.databaseOptions(nodeName: nodeName) + Self.baseOptions
            + (quickStartCredentials ? ["--quick-start-credentials"] : []) + options
        if let softOpenFileLimit {
            // The shell lowers its soft limit and then becomes pop3d (same PID), which inherits it.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "ulimit -Sn \(softOpenFileLimit) && exec \"$0\" \"$@\"", try ServerBinary.path()] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: try ServerBinary.path())
            process.arguments = arguments
        }
        process.currentDirectoryURL = workspace.root
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = self.exit
        process.terminationHandler = { finished in
            let status = finished.terminationStatus
            exit.record(finished.terminationReason == .uncaughtSignal ? 128 + status : status)
        }
        try process.run()
        self.process = process
        output = PipeCollector(stdout.fileHandleForReading)
        errors = PipeCollector(stderr.fileHandleForReading)
    }

    deinit {
        // A test that failed half-way must not leave a server behind.
        if !exit.hasExited { kill(process.processIdentifier, SIGKILL) }
    }

    /// Starts pop3d on `workspace`'s maildir and database and waits until it says which port it listens on and that
    /// it serves (root dropped, journal recovered).
    /// With `softOpenFileLimit`, pop3d starts with that soft limit on open files (the hard one unchanged).
    /// `nodeName` (PostgreSQL): by default the workspace's; a second server on the same database needs its own.
    static func start(
        _ workspace: Workspace, options: [String] = [], softOpenFileLimit: Int? = nil,
        quickStartCredentials: Bool = true, nodeName: String? = nil
    ) async throws -> ServerProcess {
        try await workspace.prepareDatabase()
        let server = try ServerProcess(
            workspace: workspace, options: options, softOpenFileLimit: softOpenFileLimit,
            quickStartCredentials: quickStartCredentials, nodeName: nodeName ?? workspace.nodeName)
        guard let line = await server.waitForLine(timeout: 30, where: { $0.message == "POP3 listening" }),
            let address = line["address"], let portText = address.split(separator: ":").last,
            let port = Int(portText), port > 0
        else {
            kill(server.process.processIdentifier, SIGKILL)
            throw IntegrationError("pop3d did not report a listening port.\n\(server.transcript)")
        }
        guard await server.waitForLine(timeout: 30, where: { $0.message == "serving" }) != nil else {
            kill(server.process.processIdentifier, SIGKILL)
            throw IntegrationError("pop3d did not start serving.\n\(server.transcript)")
        }
        server.listeningPort.store(port, ordering: .releasing)
        return server
    }

    /// Starts pop3d without waiting for its text "POP3 listening" line, for a caller that reads the log another
    /// way (`--log-format json`) or expects it to refuse to start.
    static func launch(_ workspace: Workspace, options: [String] = [], nodeName: String? = nil) async throws
        -> ServerProcess
    {
        try await workspace.prepareDatabase()
        return try ServerProcess(
            workspace: workspace, options: options, softOpenFileLimit: nil, quickStartCredentials: true,
            nodeName: nodeName ?? workspace.nodeName)
    }

    /// Starts a new pop3d on the same maildir and database with the same options (and node name).
    func restart() async throws -> ServerProcess {
        try await restartWith(options: options)
    }

    /// Starts a new pop3d on the same maildir and database with other options.
    func restartWith(options: [String]) async throws -> ServerProcess {
        try await ServerProcess.start(
            workspace, options: options, quickStartCredentials: quickStartCredentials, nodeName: nodeName)
    }

    /// pop3d's process id.
    var pid: Int32 { process.processIdentifier }

    /// The POP3 port pop3d reported.
    var port: Int { listeningPort.load(ordering: .acquiring) }

    var processIdentifier: Int32 { process.processIdentifier }

    var isRunning: Bool { !exit.hasExited }

    /// Everything pop3d wrote to standard output so far.
    var log: String { output.text }

    var logLines: [ServerLogLine] {
        log.split(separator: "\n").compactMap(ServerLogLine.init)
    }

    /// Standard output and standard error, for failure messages.
    var transcript: String { "--- pop3d stdout\n\(output.text)\n--- pop3d stderr\n\(errors.text)" }

    /// Lines whose message is `message` (e.g. "login", "logout").
    func lines(_ message: String) -> [ServerLogLine] { logLines.filter { $0.message == message } }

    /// Waits until a log line matches `predicate`; nil after `timeout` seconds or when pop3d exits.
    func waitForLine(timeout: Double = 30, where predicate: @escaping @Sendable (ServerLogLine) -> Bool) async
        -> ServerLogLine?
    {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let found = logLines.first(where: predicate) { return found }
            if !isRunning || Date() >= deadline { return logLines.first(where: predicate) }
            try? await Task.sleep(for: .milliseconds(40))
        }
    }

    /// Waits until at least `count` lines have message `message`.
    @discardableResult
    func waitForLines(_ message: String, count: Int, timeout: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while lines(message).count < count {
            if !isRunning || Date() >= deadline { return lines(message).count >= count }
            try? await Task.sleep(for: .milliseconds(40))
        }
        return true
    }

    /// Sends `signal` and waits for the exit; returns the exit status (128 + signal when a signal ended it).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 15) async throws -> Int32 {
        if isRunning { kill(process.processIdentifier, signal) }
        return try await waitForExit(timeout: timeout)
    }

    /// Waits for pop3d to exit on its own; SIGKILLs it and throws when it does not within `timeout`.
    func waitForExit(timeout: Double) async throws -> Int32 {
        let exit = self.exit
        let output = self.output
        let inTime = try await Blocking.run {
            let exited = exit.wait(timeout: timeout)
            if exited { output.waitForEnd(timeout: 2) }
            return exited
        }
        guard inTime, let status = exit.exitStatus else {
            kill(process.processIdentifier, SIGKILL)
            throw IntegrationError("pop3d did not exit within \(timeout) s.\n\(transcript)")
        }
        return status
    }
}
