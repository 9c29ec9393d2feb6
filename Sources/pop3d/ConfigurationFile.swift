import Foundation

/// A configuration file's settings: `key = value` lines; lines starting with `#` and blank lines are skipped.
/// A `#` after a space starts a comment at the end of a line. A value may be put in double quotes to keep spaces
/// at its ends or a ` #` in it, or to be empty.
struct ConfigurationFile {
    let path: String
    let entries: [ConfigurationEntry]

    static func load(_ path: String) throws(ConfigurationError) -> ConfigurationFile {
        // open(2) first, for an error message that says why (missing, permission denied, a folder).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ConfigurationError(file: path, line: nil, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw ConfigurationError(file: path, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: nil, message: "is not UTF-8 text")
        }
        return try ConfigurationFile(path: path, text: text)
    }

    init(path: String, text: String) throws(ConfigurationError) {
        self.path = path
        var entries: [ConfigurationEntry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            func failure(_ message: String) -> ConfigurationError {
                ConfigurationError(file: path, line: number, message: message)
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw failure("expected 'key = value', found \"\(line)\"")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy(Self.isKeyCharacter) else {
                throw failure("\"\(key)\" is not a key (keys are option names such as port or max-connections)")
            }
            if value.hasPrefix("\"") {
                // A quoted value ends at its closing quote; only a comment may follow.
                let body = value.dropFirst()
                guard let close = body.firstIndex(of: "\""),
                    Self.isBlankOrComment(body[body.index(after: close)...])
                else { throw failure("\"\(key)\": a quoted value needs its closing quote at the end") }
                value = String(body[..<close])
            } else {
                value = Self.withoutComment(value)
                guard !value.isEmpty else { throw failure("\"\(key)\" has no value (write \"\" for an empty one)") }
            }
            entries.append(ConfigurationEntry(key: key, value: value, line: number))
        }
        self.entries = entries
    }

    /// `value` without a trailing comment: `#` after a space or tab starts one.
    private static func withoutComment(_ value: String) -> String {
        var previous: Character = " "
        for index in value.indices {
            if value[index] == "#", previous == " " || previous == "\t" {
                return value[..<index].trimmingCharacters(in: .whitespaces)
            }
            previous = value[index]
        }
        return value
    }

    private static func isBlankOrComment(_ rest: Substring) -> Bool {
        let trimmed = rest.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || (trimmed.hasPrefix("#") && rest.first.map { $0 == " " || $0 == "\t" } == true)
    }

    private static func isKeyCharacter(_ character: Character) -> Bool {
        character == "-" || ("a"..."z").contains(character) || ("0"..."9").contains(character)
    }
}
