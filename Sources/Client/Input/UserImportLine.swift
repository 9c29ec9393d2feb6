/// One line of a `users import` file: "user:password". Blank lines and lines starting with '#' are skipped.
enum UserImportLine: Sendable, Hashable {
    case user(name: String, password: String)
    case skip
    case invalid(reason: String)

    init(_ line: Substring) {
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) || trimmed.first == "#" {
            self = .skip
        } else if let pair = CredentialPair(String(trimmed)) {
            self = .user(name: pair.name, password: pair.secret)
        } else {
            self = .invalid(reason: "expected user:password")
        }
    }
}
