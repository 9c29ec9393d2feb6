import Glibc

/// Why a maildrop could not be locked.
public enum MaildropLockError: Error, Equatable, CustomStringConvertible {
    /// Another session (in this or another process) holds the maildrop.
    case inUse
    /// The lock file could not be created or locked.
    case io(String, errno: Int32)
    /// The lock service cannot be reached (the cluster's lock connection is down); try again later.
    case unavailable(String)
    /// The lock was lost while the session held the maildrop: nothing may be deleted.
    case lost

    public var description: String {
        switch self {
        case .inUse: return "maildrop is in use by another session"
        case .io(let what, let code): return "\(what): \(String(cString: strerror(code))) (errno \(code))"
        case .unavailable(let why): return "maildrop locks unavailable: \(why)"
        case .lost: return "the maildrop lock was lost"
        }
    }
}
