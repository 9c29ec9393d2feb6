/// Results of the handler's asynchronous work; each is accepted only while its action is pending, and each then
/// answers the lines that waited for it.
extension POP3Session {
    /// The credentials were good and the maildrop is locked and listed; `policy` is the user's own.
    public mutating func authenticationSucceeded(
        listing: [MaildropEntry], policy: MailboxPolicy = .none
    ) -> [POP3SessionAction] {
        guard state == .authorization, case .authentication(let name) = pending else { return [] }
        pending = .none
        user = name
        self.policy = policy
        maildrop = MaildropView(entries: listing)
        state = .transaction
        // The idle timeout replaces the pre-login one, and may be the shorter.
        return succeed(.ok("Logged in.")) + armForLogin() + drain()
    }

    /// The login did not open the maildrop; the session stays in AUTHORIZATION.
    public mutating func authenticationFailed(_ failure: AuthenticationFailure) -> [POP3SessionAction] {
        guard state == .authorization else { return [] }
        if pending == .bearerAuthentication { return bearerAuthenticationFailed(failure) }
        switch pending {
        case .authentication, .scramLookup, .scramAuthentication: break
        default: return []
        }
        pending = .none
        if failure == .badCredentials {
            failedLogins += 1
            if failedLogins >= configuration.maxFailedLogins {
                return close(.tooManyLoginFailures, after: .err(.auth, POP3ErrorText.tooManyLoginFailures))
            }
        }
        return [.send(failure.response)] + drain()
    }

    /// The message (or its TOP part) and the terminating `.` were written.
    public mutating func messageSent(number: Int) -> [POP3SessionAction] {
        guard case .message(number, let isTop) = pending else { return [] }
        pending = .none
        if isTop {
            counters.top += 1
            return drain()
        }
        counters.retr += 1
        maildrop.markRetrieved(number)
        // EXPIRE n counts from the first retrieval, which must outlive the session (and a restart).
        if let days = policy?.expireDays, days > 0 {
            return [.recordRetrieval(number: number)] + drain()
        }
        return drain()
    }

    /// The message could not be opened (it vanished); nothing was written for it.
    public mutating func messageUnavailable(number: Int) -> [POP3SessionAction] {
        guard case .message(number, _) = pending else { return [] }
        pending = .none
        return [.send(.err(nil, POP3ErrorText.noLongerAvailable(number)))] + drain()
    }

    /// The pending deletion was persisted (or not).
    public mutating func deletionRecorded(number: Int, succeeded: Bool) -> [POP3SessionAction] {
        guard case .deletion(number) = pending else { return [] }
        pending = .none
        guard succeeded else { return [.send(.err(.sysTemp, POP3ErrorText.deletionNotRecorded))] + drain() }
        maildrop.markDeleted(number)
        counters.dele += 1
        return succeed(.ok("Message \(number) deleted.")) + drain()
    }

    /// The pending deletions were dropped (or not).
    public mutating func deletionsReset(succeeded: Bool) -> [POP3SessionAction] {
        guard pending == .reset else { return [] }
        pending = .none
        guard succeeded else { return [.send(.err(.sysTemp, POP3ErrorText.resetNotRecorded))] + drain() }
        maildrop.undeleteAll()
        return succeed(.ok(maildropSummary)) + drain()
    }

    /// UPDATE finished; the session closes either way, and on failure the messages stay.
    public mutating func updateFinished(succeeded: Bool) -> [POP3SessionAction] {
        guard state == .update, pending == .update else { return [] }
        guard succeeded else { return close(.quit, after: .err(.sysTemp, POP3ErrorText.updateFailed)) }
        return close(.quit, after: .ok("Logging out, messages deleted."))
    }
}
