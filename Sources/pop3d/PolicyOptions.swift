import ArgumentParser
import Server

/// The mailbox policies of RFC 2449: LOGIN-DELAY and EXPIRE, for users without values of their own
/// (`pop3ctl users policy` sets those).
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("login-delay"),
        help: """
            Seconds a user must wait between two logins (LOGIN-DELAY); a login sooner is refused with \
            -ERR [LOGIN-DELAY] after its password checks out. 0 (default) is no delay.
            """)
    var loginDelay = 0

    @Option(
        name: .customLong("expire"),
        help: """
            Days a message stays on the server after it was first retrieved (EXPIRE): 'never' (default) keeps it, \
            0 deletes it when the session that retrieved it ends with QUIT, n deletes it at a login n days or more \
            after its first retrieval.
            """,
        transform: { text in
            if text == "never" { return -1 }
            guard let days = Int(text), days >= 0 else {
                throw ValidationError("--expire must be never or 0 or more days")
            }
            return days
        })
    var expire = -1

    @Option(
        name: .customLong("keep-deleted-keyword"),
        help: """
            Keep what POP3 deletes (DELE, EXPIRE): mark it with this maildir keyword (for example $POP3Deleted)             instead of removing the file, as Dovecot's pop3_deleted_flag does; POP3 never lists it again. Off by             default. Archiving mail has legal obligations: see operations.md.
            """)
    var keepDeletedKeyword: String?

    func validate() throws {
        guard (0...31_536_000).contains(loginDelay) else {
            throw ValidationError("--login-delay must be 0...31536000 seconds")
        }
        guard expire <= 36_500 else { throw ValidationError("--expire must be never or 0...36500 days") }
        if let keyword = keepDeletedKeyword, !Self.isKeyword(keyword) {
            throw ValidationError(
                "--keep-deleted-keyword must be 1...64 printable ASCII characters without spaces, brackets, quotes, "
                    + "%, * or backslashes")
        }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.policyDefaults = PolicyDefaults(
            loginDelaySeconds: loginDelay, expireDays: expire < 0 ? nil : expire)
        configuration.keepDeletedKeyword = keepDeletedKeyword
    }

    /// An IMAP keyword (an atom): what Dovecot accepts in dovecot-keywords and IMAP clients can show.
    static func isKeyword(_ text: String) -> Bool {
        let forbidden = Set("(){}[]%*\"\\ ".utf8)
        return (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { (0x21...0x7E).contains($0) && !forbidden.contains($0) }
    }
}
