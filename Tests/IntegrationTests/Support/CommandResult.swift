/// What an external client did: its exit status and everything it wrote.
struct CommandResult: Sendable, CustomStringConvertible {
    let status: Int32
    let timedOut: Bool
    let stdout: [UInt8]
    let stderr: [UInt8]

    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errors: String { String(decoding: stderr, as: UTF8.self) }

    var description: String {
        "status \(status)\(timedOut ? " (timed out, killed)" : "")\n--- stdout\n\(output)\n--- stderr\n\(errors)"
    }
}
