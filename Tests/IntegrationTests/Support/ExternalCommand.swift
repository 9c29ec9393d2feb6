import Foundation

/// Runs one external program (found on PATH) to completion with a deadline, capturing its output.
enum ExternalCommand {
    static func run(
        _ program: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil,
        directory: String? = nil, timeout: Double = 30
    ) async throws -> CommandResult {
        try await Blocking.run {
            try runBlocking(
                program, arguments, environment: environment, input: input, directory: directory, timeout: timeout)
        }
    }

    private static func runBlocking(
        _ program: String, _ arguments: [String], environment: [String: String], input: [UInt8]?,
        directory: String?, timeout: Double
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let out = PipeCollector(stdout.fileHandleForReading)
        let err = PipeCollector(stderr.fileHandleForReading)
        if let input {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        out.waitForEnd(timeout: 2)
        err.waitForEnd(timeout: 2)
        return CommandResult(
            status: process.terminationStatus, timedOut: timedOut, stdout: out.data, stderr: err.data)
    }
}
