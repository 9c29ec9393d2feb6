@testable import POP3Core

/// Something the connection handler does to a session besides feeding a line.
enum ScriptEvent {
    /// The listing the next successful login opens.
    case setListing([MaildropEntry])
    case lineTooLong
    case idleTimeout
    case shutdown
    /// A callback given now, whether or not its action is pending.
    case callback(ScriptCallback)
}

/// A result callback; a nil number means "the number of the pending action".
enum ScriptCallback {
    case start
    case authenticationSucceeded
    case authenticationFailed(AuthenticationFailure)
    case messageSent(number: Int?)
    case messageUnavailable(number: Int?)
    case deletionRecorded(number: Int?, succeeded: Bool)
    case deletionsReset(succeeded: Bool)
    case updateFinished(succeeded: Bool)
}
