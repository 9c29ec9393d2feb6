/// Every `-ERR` text the session sends, so the wording stays consistent.
enum POP3ErrorText {
    static let unknownCommand = "Unknown command."
    static let emptyCommand = "Empty command."
    static let wrongState = "Command not valid in this state."
    static let noSuchMessage = "No such message."
    static let invalidUserName = "Invalid user name."
    static let lineTooLong = "Line too long."
    static let tooManyBadCommands = "Too many bad commands."
    static let noUserGiven = "No user name given, send USER first."
    static let plaintextDisallowed = "Plaintext authentication disallowed, use STLS."
    static let authenticationFailed = "Authentication failed."
    static let tooManyLoginFailures = "Authentication failed; too many failures, closing."
    static let maildropInUse = "Maildrop is locked by another session."
    static let unsupportedMechanism = "Unsupported authentication mechanism."
    static let authenticationAborted = "Authentication aborted."
    static let invalidSASLResponse = "Invalid AUTH PLAIN response."
    static let authorizationIdentityRefused = "Authorization identity must equal the user name."
    static let invalidSCRAMMessage = "Invalid SCRAM-SHA-256 message."
    static let channelBindingUnsupported = "Channel binding is not supported."
    static let apopNotSupported = "APOP is not supported."
    static let tlsNotAvailable = "STLS is not available."
    static let tlsAlreadyActive = "TLS is already active."
    static let deletionNotRecorded = "Could not record the deletion, try again later."
    static let resetNotRecorded = "Could not undo the deletions, try again later."
    static let updateFailed = "Some deleted messages could not be removed; they stay in the maildrop."
    static let idleTimeout = "Autologout: idle timeout."
    static let shuttingDown = "Server shutting down."
    static let lockLost = "The maildrop lock was lost; nothing was deleted. Log in again."
    static let proxyHeaderRefused = "PROXY header not accepted from this address, closing."

    static func invalidBearerResponse(_ mechanism: BearerMechanism) -> String {
        "Invalid AUTH \(mechanism.rawValue) response."
    }
    static func syntax(_ keyword: POP3Keyword) -> String { "Syntax: \(keyword.usage)" }
    static func alreadyDeleted(_ number: Int) -> String { "Message \(number) already deleted." }
    static func noLongerAvailable(_ number: Int) -> String { "Message \(number) is no longer available." }
}

extension POP3ErrorText {
    static func loginTooSoon(_ delaySeconds: Int) -> String {
        "Logged in too recently; wait \(delaySeconds) seconds between logins."
    }
}
