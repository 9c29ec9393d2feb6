/// One line of pop3d's standard output, split into its metadata fields and its message.
/// Shape: `2026-01-01T00:00:00+0000 info pop3d: key=value key=value [Source] message`.
struct ServerLogLine: Sendable, Equatable {
    let level: String
    let fields: [String: String]
    let message: String
    let text: String

    init?(_ line: Substring) {
        text = String(line)
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 3, words[2].hasSuffix(":") else { return nil }
        level = String(words[1])
        var fields: [String: String] = [:]
        var index = 3
        while index < words.count, !words[index].hasPrefix("["), let equals = words[index].firstIndex(of: "=") {
            fields[String(words[index][..<equals])] = String(words[index][words[index].index(after: equals)...])
            index += 1
        }
        // The source label ("[Server]"), then the message.
        if index < words.count, words[index].hasPrefix("["), words[index].hasSuffix("]") { index += 1 }
        self.fields = fields
        message = words[min(index, words.count)...].joined(separator: " ")
    }

    subscript(_ field: String) -> String? { fields[field] }
}
