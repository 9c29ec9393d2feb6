/// Something the handler must do for the session; asynchronous ones end in a callback on `POP3Session`.
public enum POP3SessionAction: Equatable, Sendable {
    /// Write this response.
    case send(POP3Response)
    /// Verify credentials off the event loop, lock and open the maildrop, then call
    /// `authenticationSucceeded(listing:)` or `authenticationFailed(_:)`.
    case authenticate(user: String, password: [UInt8])
    /// Check a bearer token off the event loop (signature, issuer, audience, times, the user it names, which must
    /// equal `user` when the client gave one), then as `authenticate`, calling
    /// `bearerAuthenticationSucceeded(user:listing:)` or `authenticationFailed(_:)`.
    case authenticateBearer(user: String?, token: [UInt8])
    /// SCRAM-SHA-256's first step: find `user`'s salt and iteration count (a stable fake salt for a user without a
    /// verifier), make a fresh server nonce, and call `scramChallenge(salt:iterations:serverNonce:)`, or
    /// `authenticationFailed(_:)` when the store cannot answer.
    case lookUpSCRAM(user: String)
    /// Check the SCRAM proof against each of `user`'s verifiers, then as `authenticate`, calling
    /// `scramAuthenticationSucceeded(serverSignature:listing:)` or `authenticationFailed(_:)`.
    case authenticateSCRAM(user: String, authMessage: [UInt8], proof: [UInt8])
    /// Open message `number` (1-based). If it opens: write `status` (`+OK <size> octets`), the content (whole, or
    /// headers, blank line and `bodyLines` body lines for TOP), byte-stuffed, and `.`, then call
    /// `messageSent(number:)`; if it cannot be opened call `messageUnavailable(number:)`. `readAhead` names small
    /// messages that queued RETRs will ask for next: they may be read in the same job and kept until asked for.
    case sendMessage(number: Int, status: POP3Response, bodyLines: Int?, readAhead: [Int])
    /// Persist a pending deletion, then call `deletionRecorded(number:succeeded:)`.
    case recordDeletion(number: Int)
    /// Drop the pending deletions (RSET), then call `deletionsReset(succeeded:)`.
    case resetDeletions
    /// QUIT in TRANSACTION: apply the deletions, then call `updateFinished(succeeded:)`. `numbers` have journal rows
    /// already (DELE); `expiring` (EXPIRE 0: retrieved, not marked) get theirs first, and go the same way.
    case commitDeletions(numbers: [Int], expiring: [Int] = [])
    /// EXPIRE n: message `number` was retrieved; remember when it first was (no callback: a lost note only keeps the
    /// message longer).
    case recordRetrieval(number: Int)
    /// Start TLS once the `+OK` before this action is written; discard input already buffered.
    case startTLS
    /// Close the connection once everything before it is written.
    case close(SessionEnd)
    /// (Re-)arm the session's one timer for `at`, replacing any armed before; call `timerFired(now:)` then.
    case armTimer(at: POP3Instant)
    /// Too much input waits: stop reading the socket until `resumeReading`.
    case pauseReading
    /// The input queue drained: read the socket again.
    case resumeReading
    /// No queued RETR wants the read-ahead messages any more: drop them.
    case dropReadAhead
}

extension POP3SessionAction {
    /// True for the action that ends the session.
    public var closesSession: Bool {
        if case .close = self { return true }
        return false
    }
}
