/// Why pop3d will not start with the privileges it has, or could not give them up.
enum PrivilegeError: Error, Equatable, CustomStringConvertible {
    case rootWithoutUser
    case unknownUser(String)
    case userIsRoot(String)
    case notRoot(user: String)
    case dropFailed(step: String, reason: String)

    var description: String {
        switch self {
        case .rootWithoutUser:
            "pop3d refuses to serve mail as root: give --user NAME (privileges are dropped once the ports are bound), "
                + "or --allow-root if you really mean it"
        case .unknownUser(let name):
            "--user \(name): no such user on this machine"
        case .userIsRoot(let name):
            "--user \(name) is root: that drops nothing (use an unprivileged user, or --allow-root)"
        case .notRoot(let name):
            "--user \(name) needs pop3d to be started as root (it is running as another user)"
        case .dropFailed(let step, let reason):
            "cannot drop privileges: \(step) failed: \(reason)"
        }
    }
}
