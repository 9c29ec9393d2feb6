/// The session's one timer: before login the pre-login timeout, after it the autologout. The session asks the
/// handler to arm it (`armTimer`) and is told when it fires; it re-arms only for a deadline still ahead, so the
/// timer can never spin.
extension POP3Session {
    /// The greeting, and the first timer.
    public mutating func start(now: POP3Instant) -> [POP3SessionAction] {
        let greeting = start()
        guard !greeting.isEmpty else { return [] }
        lastActivity = now
        return greeting + [.armTimer(at: timerDeadline)]
    }

    /// A chunk of a message went out at `now`: a client that keeps reading is not idle.
    public mutating func progressed(now: POP3Instant) {
        lastActivity = max(lastActivity, now)
    }

    /// The timer armed earlier fired at `now`.
    public mutating func timerFired(now: POP3Instant) -> [POP3SessionAction] {
        guard isOpen || state == .update else { return [] }
        let deadline = timerDeadline
        guard now >= deadline else { return [.armTimer(at: deadline)] }
        return idleTimeout()
    }

    /// When the session times out if nothing more happens.
    var timerDeadline: POP3Instant {
        lastActivity + (user == nil ? configuration.timeouts.preLogin : configuration.timeouts.idle)
    }
}
