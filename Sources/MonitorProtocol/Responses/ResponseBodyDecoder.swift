/// Decodes response DATA into a typed reply, for the client.
enum ResponseBodyDecoder {
    static func decode(
        _ frame: MonitorResponseFrame, for request: MonitorRequest
    ) throws(MonitorDecodingError) -> MonitorResponse {
        switch frame.version {
        case .v1:
            return MonitorResponse(
                version: .v1, requestID: 0, opcode: 0, status: frame.status,
                body: try legacyBody(frame, operation: request.operation))
        case .v2:
            guard request.version == .v2 else { throw .unexpected("a version 2 answer to a version 1 request") }
            guard frame.requestID == request.requestID else {
                throw .unexpected("answer to request \(frame.requestID), expected \(request.requestID)")
            }
            guard let opcode = MonitorOpcode(rawValue: frame.opcode), opcode == request.operation.opcode else {
                throw .unexpected("answer to operation 0x\(HexText.byte(frame.opcode))")
            }
            return MonitorResponse(
                version: .v2, requestID: frame.requestID, opcode: frame.opcode, status: frame.status,
                body: try body(frame, opcode: opcode))
        }
    }

    private static func legacyBody(
        _ frame: MonitorResponseFrame, operation: MonitorOperation
    ) throws(MonitorDecodingError) -> MonitorReply {
        guard frame.status == .ok else { return .failure(message: "") }
        if case .legacyCounter = operation {
            var reader = ByteReader(frame.data)
            guard frame.data.count == 4, let value = reader.readUInt32() else {
                throw .malformed("a GET answer must carry 4 bytes, got \(frame.data.count)")
            }
            return .legacyCounter(value)
        }
        guard frame.data.isEmpty || frame.data == [0x00] else {
            throw .malformed("a CONFIG answer must carry DATA 0x00")
        }
        return .done
    }

    static func body(_ frame: MonitorResponseFrame, opcode: MonitorOpcode) throws(MonitorDecodingError) -> MonitorReply
    {
        guard frame.status == .ok else {
            let message =
                TextField.errorMessage.text(from: frame.data)
                ?? Sanitizer.bytes(
                    String(decoding: frame.data, as: UTF8.self), .errorMessage
                ).asText
            return .failure(message: message)
        }
        var reader = ByteReader(frame.data)
        let reply: MonitorReply
        switch opcode {
        case .serverInfo:
            let version = try text(&reader, "version")
            guard let uptime = reader.readUInt64(), let time = reader.readInt64() else { throw cut("server info") }
            reply = .serverInfo(ServerInfo(version: version, uptimeSeconds: uptime, time: time))
        case .metrics:
            reply = .metrics(try metrics(&reader))
        case .history:
            reply = .history(try history(&reader))
        case .clusterMetrics:
            let (node, count, nodes) = try nodes(&reader, entry: clusterNode)
            reply = .clusterMetrics(
                ClusterMetricsSnapshot(node: node, nodeCount: count, nodes: nodes, metrics: try metrics(&reader)))
        case .clusterHistory:
            let (node, count, names) = try nodes(&reader) { reader throws(MonitorDecodingError) in
                try text(&reader, "node name")
            }
            reply = .clusterHistory(
                ClusterHistorySeries(node: node, nodeCount: count, nodes: names, series: try history(&reader)))
        case .listUsers:
            reply = .users(try page(&reader, entry: account))
        case .listAdmins:
            reply = .admins(try page(&reader, entry: account))
        case .listSessions:
            reply = .sessions(try page(&reader, entry: session))
        case .addAppPassword:
            reply = .appPassword(try text(&reader, "app password"))
        case .listAppPasswords:
            guard let count = reader.readUInt16() else { throw cut("app password list") }
            guard Int(count) <= MonitorLimits.maxListPageEntries else {
                throw .malformed("\(count) entries is over the limit")
            }
            var entries: [AppPasswordEntry] = []
            for _ in 0..<count {
                let label = try text(&reader, "label")
                guard let created = reader.readInt64(), let used = reader.readInt64() else {
                    throw cut("app password entry")
                }
                entries.append(AppPasswordEntry(label: label, createdAt: created, lastUsedAt: used))
            }
            reply = .appPasswords(entries)
        case .addUser, .deleteUser, .changePassword, .addAdmin, .deleteAdmin, .setMaildir, .backup,
            .revokeAppPassword:
            reply = .done
        case .topUsers:
            reply = .topUsers(
                try ranking(&reader) { reader throws(MonitorDecodingError) in
                    let user = try text(&reader, "user")
                    guard let sessions = reader.readUInt64(), let bytes = reader.readUInt64(),
                        let retrieved = reader.readUInt64()
                    else { throw cut("user entry") }
                    return UserTraffic(user: user, sessions: sessions, bytesOut: bytes, retrieved: retrieved)
                })
        case .failedLoginsByPeer:
            reply = .failedLoginsByPeer(
                try ranking(&reader) { reader throws(MonitorDecodingError) in
                    let peer = try text(&reader, "peer")
                    guard let failed = reader.readUInt64(), let last = reader.readInt64() else {
                        throw cut("peer entry")
                    }
                    return PeerFailures(peer: peer, failed: failed, lastFailure: last)
                })
        case .listHidden:
            reply = .hidden(try page(&reader, entry: hidden))
        case .purgeHidden:
            guard let count = reader.readUInt64() else { throw cut("purge answer") }
            reply = .count(count)
        case .userPolicy:
            var values: [PolicySetting] = []
            for _ in 0..<4 {
                guard let wire = reader.readInt64(), let value = PolicySetting(wireValue: wire), value != .keep else {
                    throw .malformed("a user policy is four values: own and applied login delay and expiry")
                }
                values.append(value)
            }
            reply = .userPolicy(
                UserPolicyEntry(
                    ownLoginDelay: values[0], ownExpire: values[1], loginDelay: values[2], expire: values[3]))
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after the data") }
        return reply
    }

    private static func metrics(_ reader: inout ByteReader) throws(MonitorDecodingError) -> MetricsSnapshot {
        guard let time = reader.readInt64(), let count = reader.readUInt8() else { throw cut("metrics") }
        var values: [MetricValue] = []
        for _ in 0..<count {
            guard let id = reader.readUInt8(), let value = reader.readUInt64() else { throw cut("metrics") }
            // A newer server may send metrics this client does not know: skip them.
            if let metric = MetricID(rawValue: id) { values.append(MetricValue(metric: metric, value: value)) }
        }
        return MetricsSnapshot(time: time, values: values)
    }

    private static func history(_ reader: inout ByteReader) throws(MonitorDecodingError) -> HistorySeries {
        guard let id = reader.readUInt8(), let step = reader.readInt64(), let count = reader.readUInt16() else {
            throw cut("history")
        }
        guard let metric = MetricID(rawValue: id) else { throw .malformed("unknown metric id \(id)") }
        guard Int(count) <= MonitorLimits.maxHistoryPoints else {
            throw .malformed("\(count) points is over the limit")
        }
        var points: [HistoryPoint] = []
        points.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let start = reader.readInt64(), let value = reader.readDouble(), let maximum = reader.readDouble()
            else { throw cut("history") }
            guard value.isFinite, maximum.isFinite else { throw .malformed("a history value is not a finite number") }
            points.append(HistoryPoint(start: start, value: value, maximum: maximum))
        }
        return HistorySeries(metric: metric, step: step, points: points)
    }

    /// The answering node, NODES, COUNT and the listed nodes of a cluster answer.
    private static func nodes<Entry>(
        _ reader: inout ByteReader, entry: (inout ByteReader) throws(MonitorDecodingError) -> Entry
    ) throws(MonitorDecodingError) -> (String, UInt32, [Entry]) {
        let node = try text(&reader, "answering node")
        guard let total = reader.readUInt32(), let count = reader.readUInt16() else { throw cut("node list") }
        guard Int(count) <= MonitorLimits.maxClusterNodesListed else {
            throw .malformed("\(count) nodes is over the limit")
        }
        guard UInt32(count) <= total else { throw .malformed("\(count) nodes listed of \(total) combined") }
        var entries: [Entry] = []
        for _ in 0..<count {
            entries.append(try entry(&reader))
        }
        return (node, total, entries)
    }

    private static func clusterNode(_ reader: inout ByteReader) throws(MonitorDecodingError) -> ClusterNode {
        let name = try text(&reader, "node name")
        guard let newest = reader.readInt64(), let counted = reader.readUInt8() else { throw cut("node entry") }
        guard counted <= 1 else { throw .malformed("a node's GAUGES flag must be 0 or 1") }
        return ClusterNode(name: name, newestSample: newest, gaugesCounted: counted == 1)
    }

    private static func page<Entry>(
        _ reader: inout ByteReader, entry: (inout ByteReader) throws(MonitorDecodingError) -> Entry
    ) throws(MonitorDecodingError) -> ListPage<Entry> {
        guard let more = reader.readUInt8(), more <= 1, let count = reader.readUInt16() else {
            throw .malformed("a list must start with MORE (0 or 1) and COUNT")
        }
        guard Int(count) <= MonitorLimits.maxListPageEntries else {
            throw .malformed("\(count) entries is over the limit")
        }
        var entries: [Entry] = []
        for _ in 0..<count {
            entries.append(try entry(&reader))
        }
        return ListPage(entries: entries, more: more == 1)
    }

    private static func account(_ reader: inout ByteReader) throws(MonitorDecodingError) -> AccountEntry {
        let name = try text(&reader, "name")
        guard let created = reader.readInt64() else { throw cut("list entry") }
        return AccountEntry(name: name, createdAt: created)
    }

    private static func ranking<Entry>(
        _ reader: inout ByteReader, entry: (inout ByteReader) throws(MonitorDecodingError) -> Entry
    ) throws(MonitorDecodingError) -> [Entry] {
        guard let count = reader.readUInt16() else { throw cut("ranking") }
        guard count <= RankingQuery.maxEntries else { throw .malformed("\(count) entries is over the limit") }
        var entries: [Entry] = []
        for _ in 0..<count {
            entries.append(try entry(&reader))
        }
        return entries
    }

    private static func hidden(_ reader: inout ByteReader) throws(MonitorDecodingError) -> HiddenEntry {
        let name = try text(&reader, "file name")
        guard let size = reader.readUInt64(), let hiddenAt = reader.readInt64() else { throw cut("hidden entry") }
        return HiddenEntry(fileName: name, size: size, hiddenAt: hiddenAt)
    }

    private static func session(_ reader: inout ByteReader) throws(MonitorDecodingError) -> SessionEntry {
        let id = try text(&reader, "session id")
        let user = try text(&reader, "user")
        let peer = try text(&reader, "peer")
        guard let since = reader.readInt64(), let bytesIn = reader.readUInt64(), let bytesOut = reader.readUInt64()
        else { throw cut("session entry") }
        return SessionEntry(id: id, user: user, peer: peer, since: since, bytesIn: bytesIn, bytesOut: bytesOut)
    }

    private static func text(_ reader: inout ByteReader, _ what: String) throws(MonitorDecodingError) -> String {
        guard let bytes = reader.readShortField() else { throw cut(what) }
        guard let text = TextField.shortText.text(from: bytes) else {
            throw .malformed("the \(what) is not clean UTF-8")
        }
        return text
    }

    private static func cut(_ what: String) -> MonitorDecodingError {
        .malformed("the \(what) is cut short")
    }
}

extension [UInt8] {
    fileprivate var asText: String { String(decoding: self, as: UTF8.self) }
}
