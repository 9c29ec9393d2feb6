/// Reads the answers to commands sent in one batch, knowing which commands get a multi-line answer.
enum POP3Exchange {
    /// One command's answer: the status line and, for a multi-line `+OK`, the raw (stuffed) body.
    struct Answer: Sendable {
        let command: String
        let status: String
        let body: [UInt8]?
    }

    /// True when `command`'s `+OK` answer is followed by lines and a `.` (RFC 1939, RFC 2449).
    static func isMultiline(_ command: String) -> Bool {
        let words = command.split(separator: " ")
        switch words.first?.uppercased() {
        case "CAPA", "RETR", "TOP": return true
        case "LIST", "UIDL": return words.count == 1
        default: return false
        }
    }

    /// Sends all `commands` in one write and reads one answer per command, in order.
    static func pipeline(_ commands: [String], on connection: RawConnection) async throws -> [Answer] {
        try await connection.send(commands.map { $0 + "\r\n" }.joined())
        var answers: [Answer] = []
        for command in commands {
            let status = try await connection.line()
            let body = status.hasPrefix("+OK") && isMultiline(command) ? try await connection.multilineBody() : nil
            answers.append(Answer(command: command, status: status, body: body))
        }
        return answers
    }
}
