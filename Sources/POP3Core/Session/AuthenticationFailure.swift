/// Why a login did not open a maildrop; each maps to one `-ERR` answer.
public enum AuthenticationFailure: Equatable, Sendable {
    /// Unknown user or wrong password: one answer for both, so users cannot be probed.
    case badCredentials
    /// Another session holds the maildrop.
    case maildropInUse
    /// Good credentials, but the user's last login was less than their LOGIN-DELAY ago (RFC 2449 section 6.5);
    /// not a failure: never delayed, never counted.
    case loginTooSoon(delaySeconds: Int)
    /// A transient server fault, with a text for the client.
    case temporary(String)
    /// A permanent server fault, with a text for the client.
    case permanent(String)

    var response: POP3Response {
        switch self {
        case .badCredentials: .err(.auth, POP3ErrorText.authenticationFailed)
        case .maildropInUse: .err(.inUse, POP3ErrorText.maildropInUse)
        case .loginTooSoon(let delay): .err(.loginDelay, POP3ErrorText.loginTooSoon(delay))
        case .temporary(let text): .err(.sysTemp, text)
        case .permanent(let text): .err(.sysPerm, text)
        }
    }
}
