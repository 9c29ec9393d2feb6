/// A user's own EXPIRE value, overriding the server's.
public enum ExpireOverride: Sendable, Equatable, Hashable {
    /// Messages are never deleted by the server (EXPIRE NEVER).
    case never
    /// Messages go this many days after their first retrieval; 0 at the UPDATE of the session that retrieved them.
    case days(Int)
}

/// A user's own LOGIN-DELAY and EXPIRE; nil means the server's value.
public struct UserPolicyOverride: Sendable, Equatable {
    public var loginDelaySeconds: Int?
    public var expire: ExpireOverride?

    public init(loginDelaySeconds: Int? = nil, expire: ExpireOverride? = nil) {
        self.loginDelaySeconds = loginDelaySeconds
        self.expire = expire
    }
}

/// What a login reads about its user in one round trip: the user's own policy and when they last logged in.
public struct UserLoginState: Sendable, Equatable {
    public var override: UserPolicyOverride
    /// Seconds since 1970 of the last successful login, nil when none was recorded.
    public var lastLogin: Double?

    public init(override: UserPolicyOverride = UserPolicyOverride(), lastLogin: Double? = nil) {
        self.override = override
        self.lastLogin = lastLogin
    }
}

/// One change to a policy value: leave it, go back to the server's value, or set a value of the user's own.
public enum PolicyChange<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case serverDefault
    case set(Value)
}

/// The per-user values in use, so CAPA before login can say `USER` when values differ between users.
public struct PolicyOverridesInUse: Sendable, Equatable {
    public var loginDelaySeconds: Set<Int>
    public var expire: Set<ExpireOverride>

    public init(loginDelaySeconds: Set<Int> = [], expire: Set<ExpireOverride> = []) {
        self.loginDelaySeconds = loginDelaySeconds
        self.expire = expire
    }
}

/// LOGIN-DELAY and EXPIRE state (RFC 2449): per-user values, the time of each user's last login, and when each
/// message was first retrieved (by maildrop and UIDL). Times are seconds since 1970.
public protocol MailboxPolicyStore: Sendable {
    /// The user's own values and last login; nil for an unknown user.
    func loginState(user: String) async throws -> UserLoginState?
    /// Records a successful login at `time`.
    func recordLogin(user: String, at time: Double) async throws
    /// Changes the user's own values; returns them as they now are, or nil for an unknown user.
    func changePolicy(
        user: String, loginDelaySeconds: PolicyChange<Int>, expire: PolicyChange<ExpireOverride>
    ) async throws -> UserPolicyOverride?
    /// Every distinct per-user value.
    func overridesInUse() async throws -> PolicyOverridesInUse
    /// Remembers that these messages were retrieved at `time`; a message retrieved before keeps its first time.
    func recordRetrievals(user: MailboxName, uidls: [String], at time: Double) async throws
    /// When each remembered message of the maildrop was first retrieved, by UIDL.
    func retrievals(user: MailboxName) async throws -> [String: Double]
    /// Forgets the retrieval times of these messages (they are gone).
    func forgetRetrievals(user: MailboxName, uidls: [String]) async throws
}
