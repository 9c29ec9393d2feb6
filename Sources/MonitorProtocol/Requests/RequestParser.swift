/// Turns a v2 frame's OP and DATA into an operation: OP first, then a metric id where there is one, then DATA.
enum RequestParser {
    static func operation(opcode: UInt8, data: [UInt8]) throws(MonitorFailure) -> MonitorOperation {
        guard let op = MonitorOpcode(rawValue: opcode) else {
            throw MonitorFailure(.badMethod, "unknown operation 0x\(HexText.byte(opcode))")
        }
        var reader = ByteReader(data)
        let operation: MonitorOperation
        switch op {
        case .serverInfo:
            operation = .serverInfo
        case .metrics:
            operation = .metrics
        case .history:
            operation = .history(try history(&reader))
        case .clusterMetrics:
            operation = .clusterMetrics
        case .clusterHistory:
            operation = .clusterHistory(try history(&reader))
        case .listUsers:
            operation = .listUsers(after: try shortText(&reader, .shortText, "list cursor"))
        case .listAdmins:
            operation = .listAdmins(after: try shortText(&reader, .shortText, "list cursor"))
        case .listSessions:
            operation = .listSessions(after: try shortText(&reader, .shortText, "list cursor"))
        case .addUser:
            let name = try shortText(&reader, .name, "user name")
            operation = .addUser(name: name, password: try longText(&reader, .password, "password"))
        case .changePassword:
            let name = try shortText(&reader, .name, "user name")
            operation = .changePassword(name: name, password: try longText(&reader, .password, "password"))
        case .deleteUser:
            operation = .deleteUser(name: try shortText(&reader, .name, "user name"))
        case .addAppPassword:
            let user = try shortText(&reader, .name, "user name")
            operation = .addAppPassword(user: user, label: try shortText(&reader, .shortText, "label"))
        case .listAppPasswords:
            operation = .listAppPasswords(user: try shortText(&reader, .name, "user name"))
        case .revokeAppPassword:
            let user = try shortText(&reader, .name, "user name")
            operation = .revokeAppPassword(user: user, label: try shortText(&reader, .shortText, "label"))
        case .addAdmin:
            let name = try shortText(&reader, .name, "admin name")
            guard let bytes = reader.readBytes(MonitorLimits.tokenLength), let token = MonitorToken(bytes: bytes) else {
                throw MonitorFailure(.badData, "the token must be 16 printable ASCII characters")
            }
            operation = .addAdmin(name: name, token: token)
        case .deleteAdmin:
            operation = .deleteAdmin(name: try shortText(&reader, .name, "admin name"))
        case .setMaildir:
            operation = .setMaildir(path: try longText(&reader, .path, "maildir path"))
        case .backup:
            operation = .backup(path: try longText(&reader, .path, "backup path"))
        case .topUsers:
            operation = .topUsers(try ranking(&reader))
        case .failedLoginsByPeer:
            operation = .failedLoginsByPeer(try ranking(&reader))
        case .userPolicy:
            let name = try shortText(&reader, .name, "user name")
            guard let delay = reader.readInt64(), let expire = reader.readInt64() else {
                throw MonitorFailure(.badData, "a policy needs a login delay and an expiry (8 bytes each)")
            }
            guard let loginDelay = PolicySetting(wireValue: delay), loginDelay != .never,
                let expiry = PolicySetting(wireValue: expire)
            else {
                throw MonitorFailure(.badData, "a policy value must be keep, default, never (expiry only) or 0 or more")
            }
            operation = .userPolicy(name: name, change: UserPolicyChange(loginDelay: loginDelay, expire: expiry))
        case .listHidden:
            let name = try shortText(&reader, .name, "user name")
            operation = .listHidden(name: name, after: try shortText(&reader, .shortText, "list cursor"))
        case .purgeHidden:
            let name = try shortText(&reader, .name, "user name")
            guard let days = reader.readUInt32() else {
                throw MonitorFailure(.badData, "the days (4 bytes) are missing")
            }
            operation = .purgeHidden(name: name, days: days)
        }
        guard reader.isAtEnd else {
            throw MonitorFailure(.badData, "\(reader.remaining) unexpected bytes after the data")
        }
        return operation
    }

    private static func history(_ reader: inout ByteReader) throws(MonitorFailure) -> HistoryQuery {
        guard let id = reader.readUInt8() else { throw MonitorFailure(.badData, "missing metric id") }
        guard let metric = MetricID(rawValue: id) else {
            throw MonitorFailure(.badTarget, "unknown metric id \(id)")
        }
        guard let from = reader.readInt64(), let to = reader.readInt64(), let step = reader.readInt64() else {
            throw MonitorFailure(.badData, "history needs from, to and step (8 bytes each)")
        }
        let query = HistoryQuery(metric: metric, from: from, to: to, step: step)
        switch query.problem {
        case .tooLarge?:
            throw MonitorFailure(.tooLarge, "the query spans more than \(MonitorLimits.maxHistoryPoints) points")
        case .some:
            throw MonitorFailure(.badData, "from must be before to, and step at least 1 second")
        case nil:
            return query
        }
    }

    /// SINCE(8) LIMIT(2), the limit 1 ... `RankingQuery.maxEntries`.
    private static func ranking(_ reader: inout ByteReader) throws(MonitorFailure) -> RankingQuery {
        guard let since = reader.readInt64(), let limit = reader.readUInt16() else {
            throw MonitorFailure(.badData, "a ranking needs since (8 bytes) and limit (2 bytes)")
        }
        guard (1...RankingQuery.maxEntries).contains(limit) else {
            throw MonitorFailure(.badData, "the limit must be 1 to \(RankingQuery.maxEntries)")
        }
        return RankingQuery(since: since, limit: limit)
    }

    private static func shortText(
        _ reader: inout ByteReader, _ field: TextField, _ what: String
    ) throws(MonitorFailure) -> String {
        guard let bytes = reader.readShortField() else { throw MonitorFailure(.badData, "the \(what) is cut short") }
        return try text(bytes, field, what)
    }

    private static func longText(
        _ reader: inout ByteReader, _ field: TextField, _ what: String
    ) throws(MonitorFailure) -> String {
        guard let bytes = reader.readLongField() else { throw MonitorFailure(.badData, "the \(what) is cut short") }
        return try text(bytes, field, what)
    }

    private static func text(_ bytes: [UInt8], _ field: TextField, _ what: String) throws(MonitorFailure) -> String {
        guard let text = field.text(from: bytes) else {
            throw MonitorFailure(.badData, "the \(what) must be \(field.rule)")
        }
        return text
    }
}
