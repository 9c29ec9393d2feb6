/// Encodes v2 requests.
enum RequestEncoder {
    static func encode(_ request: MonitorRequest) throws(MonitorEncodingError) -> [UInt8] {
        guard let opcode = request.operation.opcode else { throw .notInVersion(.v2) }
        let data = try self.data(request.operation)
        guard data.count <= MonitorLimits.v2MaxRequestDataLength else { throw .tooLarge(data.count) }
        var writer = ByteWriter(capacity: MonitorLimits.v2RequestHeaderSize + data.count)
        writer.write(MonitorVersion.v2.rawValue)
        writer.write(bytes: request.token.bytes)
        writer.write(request.requestID)
        writer.write(opcode.rawValue)
        writer.write(UInt32(data.count))
        writer.write(bytes: data)
        return writer.bytes
    }

    private static func data(_ operation: MonitorOperation) throws(MonitorEncodingError) -> [UInt8] {
        var writer = ByteWriter()
        switch operation {
        case .serverInfo, .metrics, .clusterMetrics:
            break
        case .history(let query), .clusterHistory(let query):
            if let problem = query.problem {
                let reason =
                    problem == .tooLarge
                    ? "too many points (at most \(MonitorLimits.maxHistoryPoints))"
                    : "from must be before to and step at least 1"
                throw .invalidValue("bad history query: \(reason)")
            }
            writer.write(query.metric.rawValue)
            writer.write(query.from)
            writer.write(query.to)
            writer.write(query.step)
        case .listUsers(let cursor), .listAdmins(let cursor), .listSessions(let cursor):
            writer.writeShortField(try Fields.bytes(cursor, .shortText, "the list cursor"))
        case .addUser(let name, let password), .changePassword(let name, let password):
            writer.writeShortField(try Fields.bytes(name, .name, "the user name"))
            writer.writeLongField(try Fields.bytes(password, .password, "the password"))
        case .deleteUser(let name), .listAppPasswords(let name):
            writer.writeShortField(try Fields.bytes(name, .name, "the user name"))
        case .addAppPassword(let user, let label), .revokeAppPassword(let user, let label):
            writer.writeShortField(try Fields.bytes(user, .name, "the user name"))
            writer.writeShortField(try Fields.bytes(label, .shortText, "the label"))
        case .addAdmin(let name, let token):
            writer.writeShortField(try Fields.bytes(name, .name, "the admin name"))
            writer.write(bytes: token.bytes)
        case .deleteAdmin(let name):
            writer.writeShortField(try Fields.bytes(name, .name, "the admin name"))
        case .setMaildir(let path):
            writer.writeLongField(try Fields.bytes(path, .path, "the maildir path"))
        case .backup(let path):
            writer.writeLongField(try Fields.bytes(path, .path, "the backup path"))
        case .topUsers(let query), .failedLoginsByPeer(let query):
            guard (1...RankingQuery.maxEntries).contains(query.limit) else {
                throw .invalidValue("the limit must be 1 to \(RankingQuery.maxEntries)")
            }
            writer.write(query.since)
            writer.write(query.limit)
        case .userPolicy(let name, let change):
            guard change.loginDelay != .never else { throw .invalidValue("a login delay cannot be never") }
            writer.writeShortField(try Fields.bytes(name, .name, "the user name"))
            writer.write(change.loginDelay.wireValue)
            writer.write(change.expire.wireValue)
        case .listHidden(let name, let cursor):
            writer.writeShortField(try Fields.bytes(name, .name, "the user name"))
            writer.writeShortField(try Fields.bytes(cursor, .shortText, "the list cursor"))
        case .purgeHidden(let name, let days):
            writer.writeShortField(try Fields.bytes(name, .name, "the user name"))
            writer.write(days)
        case .legacyCounter, .setBufferSize:
            throw .notInVersion(.v2)
        }
        return writer.bytes
    }
}
