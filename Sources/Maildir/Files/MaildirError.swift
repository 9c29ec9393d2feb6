import Glibc

/// Why a maildir operation failed.
public enum MaildirError: Error, Equatable, CustomStringConvertible {
    /// The user name is not a safe path component.
    case invalidUser
    /// The path exists but is not a directory (a symbolic link to one counts as not one).
    case notADirectory(String)
    /// The server may not read or write the path.
    case permissionDenied(String)
    /// The message (named by its base name) is no longer in `cur/`.
    case messageVanished(String)
    /// A file name from outside (the journal) is not a plain name inside `cur/`.
    case invalidFileName(String)
    /// Any other system call failure: what was done to which path, and errno.
    case io(String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidUser:
            return "invalid mailbox name"
        case .notADirectory(let path):
            return "\(path) is not a directory"
        case .permissionDenied(let path):
            return "permission denied: \(path)"
        case .messageVanished(let baseName):
            return "message \(baseName) is no longer in the maildrop"
        case .invalidFileName(let name):
            return "invalid message file name \(name.debugDescription)"
        case .io(let what, let code):
            return "\(what): \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// Maps a failed call's errno to the most telling case.
    static func failure(_ action: String, path: String, errno code: Int32) -> MaildirError {
        switch code {
        case EACCES, EPERM: return .permissionDenied(path)
        case ENOTDIR, ELOOP: return .notADirectory(path)
        default: return .io("\(action) \(path)", errno: code)
        }
    }
}
