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

    func validate() throws {
        guard (0...31_536_000).contains(loginDelay) else {
            throw ValidationError("--login-delay must be 0...31536000 seconds")
        }
        guard expire <= 36_500 else { throw ValidationError("--expire must be never or 0...36500 days") }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.policyDefaults = PolicyDefaults(
            loginDelaySeconds: loginDelay, expireDays: expire < 0 ? nil : expire)
    }
}
