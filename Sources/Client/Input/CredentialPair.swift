/// "name:secret" as the seed flags -u and -U take it: split at the first ':' (a password may hold more).
struct CredentialPair: Sendable, Hashable {
    var name: String
    var secret: String

    init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        name = String(text[..<colon])
        secret = String(text[text.index(after: colon)...])
        guard !name.isEmpty, !secret.isEmpty else { return nil }
    }
}
