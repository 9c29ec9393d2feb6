import ArgumentParser
import MonitorProtocol

/// The seed flags turned into v1 requests, in the seed client's order: -C -c -b -m -U -D -u -d.
struct LegacyPlan: Sendable, Hashable {
    /// One request and how to name it in messages.
    struct Step: Sendable, Hashable {
        var flag: String
        var operation: MonitorOperation
    }

    var steps: [Step] = []

    /// The flags as parsed; throws a `ValidationError` for a malformed value.
    init(
        connectionsTotal: Bool, connectionsCurrent: Bool, bytes: Bool, maildirs: [String], addAdmins: [String],
        deleteAdmins: [String], addUsers: [String], deleteUsers: [String]
    ) throws {
        if connectionsTotal { steps.append(Step(flag: "-C", operation: .legacyCounter(.connectionsTotal))) }
        if connectionsCurrent { steps.append(Step(flag: "-c", operation: .legacyCounter(.connectionsCurrent))) }
        if bytes { steps.append(Step(flag: "-b", operation: .legacyCounter(.bytesTransferred))) }
        for path in maildirs {
            try Self.check(path, .path, "-m: the maildir path")
            steps.append(Step(flag: "-m \(path)", operation: .setMaildir(path: path)))
        }
        for text in addAdmins {
            guard let pair = CredentialPair(text) else { throw ValidationError("-U takes admin:token") }
            try Self.check(pair.name, .name, "-U: the admin name")
            guard let token = MonitorToken(pair.secret) else {
                throw ValidationError("-U: the token must be exactly 16 printable ASCII characters (no spaces)")
            }
            steps.append(Step(flag: "-U \(pair.name)", operation: .addAdmin(name: pair.name, token: token)))
        }
        for name in deleteAdmins {
            try Self.check(name, .name, "-D: the admin name")
            steps.append(Step(flag: "-D \(name)", operation: .deleteAdmin(name: name)))
        }
        for text in addUsers {
            guard let pair = CredentialPair(text) else { throw ValidationError("-u takes user:password") }
            try Self.check(pair.name, .name, "-u: the user name")
            try Self.check(pair.secret, .password, "-u: the password")
            steps.append(Step(flag: "-u \(pair.name)", operation: .addUser(name: pair.name, password: pair.secret)))
        }
        for name in deleteUsers {
            try Self.check(name, .name, "-d: the user name")
            steps.append(Step(flag: "-d \(name)", operation: .deleteUser(name: name)))
        }
    }

    private static func check(_ text: String, _ field: TextField, _ what: String) throws {
        guard field.accepts(text) else { throw ValidationError("\(what) must be \(field.rule)") }
    }
}
