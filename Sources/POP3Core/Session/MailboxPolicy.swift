/// The RFC 2449 policies of one user's maildrop: how often they may log in, and how long a retrieved message stays.
public struct MailboxPolicy: Sendable, Equatable {
    /// Seconds that must pass between two logins (LOGIN-DELAY); 0 is no delay.
    public var loginDelaySeconds: Int
    /// Days a message stays after its first retrieval (EXPIRE); 0 deletes it at the session's UPDATE, nil keeps it
    /// (EXPIRE NEVER).
    public var expireDays: Int?

    public init(loginDelaySeconds: Int = 0, expireDays: Int? = nil) {
        self.loginDelaySeconds = max(0, loginDelaySeconds)
        self.expireDays = expireDays.map { max(0, $0) }
    }

    public static let none = MailboxPolicy()

    /// The CAPA lines for these values, `USER` appended where values differ per user (AUTHORIZATION only).
    func capabilityLines(variesPerUser: PolicyVariation = PolicyVariation()) -> [String] {
        var lines: [String] = []
        if loginDelaySeconds > 0 || variesPerUser.loginDelay {
            lines.append("LOGIN-DELAY \(loginDelaySeconds)" + (variesPerUser.loginDelay ? " USER" : ""))
        }
        // RFC 2449's grammar has no "NEVER USER": a maildrop that may expire for some users shows the shortest time.
        if let expireDays {
            lines.append("EXPIRE \(expireDays)" + (variesPerUser.expire ? " USER" : ""))
        } else {
            lines.append("EXPIRE NEVER")
        }
        return lines
    }

    /// LOGIN-DELAY's rule: a login `now` is too soon when the last one was less than the delay before it. Times are
    /// seconds of the wall clock (they must survive a restart), given by the caller. A last login in the future (the
    /// clock was set back) does not lock the user out for longer than the delay.
    public func refusesLogin(lastLogin: Double?, now: Double) -> Bool {
        guard loginDelaySeconds > 0, let lastLogin else { return false }
        let elapsed = now - lastLogin
        return elapsed >= 0 && elapsed < Double(loginDelaySeconds)
    }

    /// True when a retrieved message goes at this session's UPDATE.
    var expiresAtUpdate: Bool { expireDays == 0 }
}

/// Which policies differ from one user to another, so CAPA before login says `USER`.
public struct PolicyVariation: Sendable, Equatable {
    public var loginDelay: Bool
    public var expire: Bool

    public init(loginDelay: Bool = false, expire: Bool = false) {
        self.loginDelay = loginDelay
        self.expire = expire
    }
}

/// What CAPA shows before login: the value any user may meet at the least (the global value, or a smaller per-user
/// one), and whether the values differ per user.
public struct PolicyAdvertisement: Sendable, Equatable {
    public var smallest: MailboxPolicy
    public var variation: PolicyVariation

    public init(smallest: MailboxPolicy = .none, variation: PolicyVariation = PolicyVariation()) {
        self.smallest = smallest
        self.variation = variation
    }

    public static let none = PolicyAdvertisement()
}
