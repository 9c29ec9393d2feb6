/// How the policy columns hold values: NULL is the server's value, expire_days -1 is NEVER. Shared by both backends.
public enum PolicyColumns {
    public static func expire(_ column: Int) -> ExpireOverride {
        column < 0 ? .never : .days(column)
    }

    /// The column value for a change: nil leaves the column, `.some(nil)` sets it NULL.
    public static func loginDelay(_ change: PolicyChange<Int>) -> Int?? {
        switch change {
        case .keep: nil
        case .serverDefault: .some(nil)
        case .set(let seconds): .some(seconds)
        }
    }

    public static func expire(_ change: PolicyChange<ExpireOverride>) -> Int?? {
        switch change {
        case .keep: nil
        case .serverDefault: .some(nil)
        case .set(.never): .some(-1)
        case .set(.days(let days)): .some(days)
        }
    }
}
