/// One LOGIN-DELAY or EXPIRE value as the monitor carries it: one signed 64-bit integer on the wire, a number of
/// seconds (LOGIN-DELAY) or days (EXPIRE) when 0 or more.
public enum PolicySetting: Sendable, Hashable {
    /// In a request: leave the value as it is.
    case keep
    /// The server's value (`--login-delay`, `--expire`) applies.
    case serverDefault
    /// EXPIRE only: messages are never deleted by the server.
    case never
    case value(Int64)

    static let keepCode: Int64 = -1
    static let serverDefaultCode: Int64 = -2
    static let neverCode: Int64 = -3

    var wireValue: Int64 {
        switch self {
        case .keep: Self.keepCode
        case .serverDefault: Self.serverDefaultCode
        case .never: Self.neverCode
        case .value(let value): value
        }
    }

    init?(wireValue: Int64) {
        switch wireValue {
        case Self.keepCode: self = .keep
        case Self.serverDefaultCode: self = .serverDefault
        case Self.neverCode: self = .never
        case 0...: self = .value(wireValue)
        default: return nil
        }
    }
}

/// A request to read (all `.keep`) or change a user's LOGIN-DELAY and EXPIRE.
public struct UserPolicyChange: Sendable, Hashable {
    public var loginDelay: PolicySetting
    public var expire: PolicySetting

    public init(loginDelay: PolicySetting = .keep, expire: PolicySetting = .keep) {
        self.loginDelay = loginDelay
        self.expire = expire
    }
}

/// A user's policy after the request: their own values (`.serverDefault` when they have none) and the values that
/// apply (`.value` or, for EXPIRE, `.never`).
public struct UserPolicyEntry: Sendable, Hashable {
    public var ownLoginDelay: PolicySetting
    public var ownExpire: PolicySetting
    public var loginDelay: PolicySetting
    public var expire: PolicySetting

    public init(
        ownLoginDelay: PolicySetting, ownExpire: PolicySetting, loginDelay: PolicySetting, expire: PolicySetting
    ) {
        self.ownLoginDelay = ownLoginDelay
        self.ownExpire = ownExpire
        self.loginDelay = loginDelay
        self.expire = expire
    }
}
