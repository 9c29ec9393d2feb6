/// What a request asks the server to do, whichever version carried it. The server switches on this.
public enum MonitorOperation: Sendable, Hashable {
    /// v1 GET: one 32-bit value.
    case legacyCounter(LegacyCounter)
    /// v1 CONFIG 0x01: the buffer size in bytes (at least 1). v1 only.
    case setBufferSize(UInt64)
    /// Both versions: set the maildir path.
    case setMaildir(path: String)
    /// Both versions: add a monitor admin with a token.
    case addAdmin(name: String, token: MonitorToken)
    /// Both versions: delete a monitor admin.
    case deleteAdmin(name: String)
    /// Both versions: add a POP3 user.
    case addUser(name: String, password: String)
    /// Both versions: delete a POP3 user.
    case deleteUser(name: String)
    /// v2: server version, uptime and clock.
    case serverInfo
    /// v2: every metric's current 64-bit value.
    case metrics
    /// v2: a metric's history.
    case history(HistoryQuery)
    /// v2: every metric summed over the nodes that share the server's database, with the nodes it covered.
    case clusterMetrics
    /// v2: a metric's history summed over the nodes that share the server's database.
    case clusterHistory(HistoryQuery)
    /// v2: a page of users with names after the cursor ("" = from the start).
    case listUsers(after: String)
    /// v2: replace a user's password.
    case changePassword(name: String, password: String)
    /// Generate an app password for a user under a label; the answer carries it.
    case addAppPassword(user: String, label: String)
    /// A user's app passwords (labels and times, never the secrets).
    case listAppPasswords(user: String)
    /// Remove one of a user's app passwords.
    case revokeAppPassword(user: String, label: String)
    /// v2: a page of monitor admins with names after the cursor.
    case listAdmins(after: String)
    /// v2: a page of live sessions with ids after the cursor.
    case listSessions(after: String)
    /// v2: write a consistent copy of the live database to a new file at `path` (absolute, on the server's machine).
    case backup(path: String)
    /// v2: the users with the most bytes sent in finished sessions since a time.
    case topUsers(RankingQuery)
    /// v2: the client addresses with the most failed logins since a time.
    case failedLoginsByPeer(RankingQuery)
    /// v2: read (nothing to change) or change a user's LOGIN-DELAY and EXPIRE; answered with the policy after it.
    case userPolicy(name: String, change: UserPolicyChange)
    /// v2: a page of the messages keep-on-delete hid in a user's maildrop, by file name after the cursor.
    case listHidden(name: String, after: String)
    /// v2: remove a user's hidden messages hidden at least `days` days ago; answered with how many went.
    case purgeHidden(name: String, days: UInt32)

    /// The v2 OP byte, or nil for v1-only operations.
    public var opcode: MonitorOpcode? {
        switch self {
        case .legacyCounter, .setBufferSize: nil
        case .setMaildir: .setMaildir
        case .addAdmin: .addAdmin
        case .deleteAdmin: .deleteAdmin
        case .addUser: .addUser
        case .deleteUser: .deleteUser
        case .serverInfo: .serverInfo
        case .metrics: .metrics
        case .history: .history
        case .clusterMetrics: .clusterMetrics
        case .clusterHistory: .clusterHistory
        case .listUsers: .listUsers
        case .changePassword: .changePassword
        case .addAppPassword: .addAppPassword
        case .listAppPasswords: .listAppPasswords
        case .revokeAppPassword: .revokeAppPassword
        case .listAdmins: .listAdmins
        case .listSessions: .listSessions
        case .backup: .backup
        case .topUsers: .topUsers
        case .failedLoginsByPeer: .failedLoginsByPeer
        case .userPolicy: .userPolicy
        case .listHidden: .listHidden
        case .purgeHidden: .purgeHidden
        }
    }

    /// True when v1 can carry this operation.
    public var isInVersion1: Bool {
        switch self {
        case .legacyCounter, .setBufferSize, .setMaildir, .addAdmin, .deleteAdmin, .addUser, .deleteUser: true
        default: false
        }
    }

    /// A one-line description for logs, never containing a password or token.
    public var logDescription: String {
        switch self {
        case .legacyCounter(let counter): "get \(counter.metric.name)"
        case .setBufferSize(let size): "set buffer size \(size)"
        case .setMaildir(let path): "set maildir \(path)"
        case .addAdmin(let name, _): "add admin \(name)"
        case .deleteAdmin(let name): "delete admin \(name)"
        case .addUser(let name, _): "add user \(name)"
        case .deleteUser(let name): "delete user \(name)"
        case .serverInfo: "server info"
        case .metrics: "get metrics"
        case .history(let query):
            "history \(query.metric.name) from \(query.from) to \(query.to) step \(query.step)"
        case .clusterMetrics: "get cluster metrics"
        case .clusterHistory(let query):
            "cluster history \(query.metric.name) from \(query.from) to \(query.to) step \(query.step)"
        case .listUsers: "list users"
        case .changePassword(let name, _): "change password of \(name)"
        case .addAppPassword(let user, let label): "add app password \(label) of \(user)"
        case .listAppPasswords(let user): "list app passwords of \(user)"
        case .revokeAppPassword(let user, let label): "revoke app password \(label) of \(user)"
        case .listAdmins: "list admins"
        case .listSessions: "list sessions"
        case .backup(let path): "back up the database to \(path)"
        case .topUsers(let query): "top \(query.limit) users by bytes since \(query.since)"
        case .failedLoginsByPeer(let query): "top \(query.limit) peers by failed logins since \(query.since)"
        case .userPolicy(let name, let change):
            change == UserPolicyChange() ? "show the policy of \(name)" : "change the policy of \(name)"
        case .listHidden(let name, _): "list the hidden messages of \(name)"
        case .purgeHidden(let name, let days): "purge the messages of \(name) hidden \(days) days ago or more"
        }
    }
}
