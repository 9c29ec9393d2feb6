/// The session's one timer: before login the pre-login timeout, after it the autologout. The session asks the
/// handler to arm it (`armTimer`) and is told when it fires; it re-arms only for a deadline still ahead, so the
/// timer can never spin.
extension POP3Session {
    /// The greeting, and the first timer.
    public mutating func start(now: POP3Instant) -> [POP3SessionAction] {
        let greeting = start()
        guard !greeting.isEmpty else { return [] }
        lastActivity = now
        return greeting + arm(timerDeadline)
    }

    /// A chunk of a message went out, or a result the client waited for came, at `now`: the client's idle time
    /// starts again.
    public mutating func progressed(now: POP3Instant) {
        lastActivity = max(lastActivity, now)
    }

    /// The timer armed earlier fired at `now`. While the client waits for the server (a login being checked, a
    /// journal write) the client is not idle; a stalled message and a slow UPDATE do time out.
    public mutating func timerFired(now: POP3Instant) -> [POP3SessionAction] {
        guard isOpen || state == .update else { return [] }
        armedDeadline = nil
        if awaitsServerWork {
            lastActivity = max(lastActivity, now)
            return arm(timerDeadline)
        }
        let deadline = timerDeadline
        guard now >= deadline else { return arm(deadline) }
        return idleTimeout()
    }

    /// After a login the autologout applies: the timer is armed anew only when that comes sooner than the armed
    /// deadline (a later one is armed when the earlier fires).
    mutating func armForLogin() -> [POP3SessionAction] {
        guard let armed = armedDeadline, timerDeadline >= armed else { return arm(timerDeadline) }
        return []
    }

    private mutating func arm(_ deadline: POP3Instant) -> [POP3SessionAction] {
        armedDeadline = deadline
        return [.armTimer(at: deadline)]
    }

    private var awaitsServerWork: Bool {
        switch pending {
        case .authentication, .bearerAuthentication, .scramLookup, .scramAuthentication, .deletion, .reset: true
        case .none, .saslResponse, .bearerResponse, .bearerErrorAcknowledgement, .scramClientFirst, .scramClientFinal,
            .scramServerFinal, .message, .update:
            false
        }
    }

    /// When the session times out if nothing more happens.
    var timerDeadline: POP3Instant {
        lastActivity + (user == nil ? configuration.timeouts.preLogin : configuration.timeouts.idle)
    }
}
