/// Encodes responses for the server, in both versions.
enum ResponseEncoder {
    static func encodeLegacy(_ response: MonitorResponse) -> [UInt8] {
        var writer = ByteWriter(capacity: 7)
        writer.write(response.status.rawValue)
        if response.status == .ok, case .legacyCounter(let value) = response.body {
            writer.write(UInt16(4))
            writer.write(value)
        } else {
            // Successes without a value and every error: DLEN 1, DATA 0x00, as the seed client expects.
            writer.write(UInt16(1))
            writer.write(UInt8(0))
        }
        return writer.bytes
    }

    static func encode(_ response: MonitorResponse) -> [UInt8] {
        let data = response.status == .ok ? self.data(response.body) : failureData(response.body)
        var writer = ByteWriter(capacity: MonitorLimits.v2ResponseHeaderSize + data.count)
        writer.write(MonitorVersion.v2.rawValue)
        writer.write(response.requestID)
        writer.write(response.opcode)
        writer.write(response.status.rawValue)
        writer.write(UInt32(data.count))
        writer.write(bytes: data)
        return writer.bytes
    }

    private static func failureData(_ body: MonitorReply) -> [UInt8] {
        guard case .failure(let message) = body else { return [] }
        return Sanitizer.bytes(message, .errorMessage)
    }

    private static func data(_ body: MonitorReply) -> [UInt8] {
        var writer = ByteWriter()
        switch body {
        case .done, .failure:
            break
        case .legacyCounter(let value):
            writer.write(value)
        case .serverInfo(let info):
            writer.writeShortField(Sanitizer.bytes(info.version, .shortText))
            writer.write(info.uptimeSeconds)
            writer.write(info.time)
        case .metrics(let snapshot):
            writeMetrics(snapshot, into: &writer)
        case .history(let series):
            writeHistory(series, into: &writer)
        case .clusterMetrics(let answer):
            writeNodes(answer.node, count: answer.nodeCount, answer.nodes, into: &writer) { node, writer in
                writer.writeShortField(Sanitizer.bytes(node.name, .shortText))
                writer.write(node.newestSample)
                writer.write(UInt8(node.gaugesCounted ? 1 : 0))
            }
            writeMetrics(answer.metrics, into: &writer)
        case .clusterHistory(let answer):
            writeNodes(answer.node, count: answer.nodeCount, answer.nodes, into: &writer) { name, writer in
                writer.writeShortField(Sanitizer.bytes(name, .shortText))
            }
            writeHistory(answer.series, into: &writer)
        case .users(let page), .admins(let page):
            writePage(page, into: &writer) { entry, writer in
                writer.writeShortField(Sanitizer.bytes(entry.name, .shortText))
                writer.write(entry.createdAt)
            }
        case .appPassword(let password):
            writer.writeShortField(Sanitizer.bytes(password, .shortText))
        case .appPasswords(let entries):
            let listed = entries.prefix(MonitorLimits.maxListPageEntries)
            writer.write(UInt16(listed.count))
            for entry in listed {
                writer.writeShortField(Sanitizer.bytes(entry.label, .shortText))
                writer.write(entry.createdAt)
                writer.write(entry.lastUsedAt)
            }
        case .sessions(let page):
            writePage(page, into: &writer) { entry, writer in
                writer.writeShortField(Sanitizer.bytes(entry.id, .shortText))
                writer.writeShortField(Sanitizer.bytes(entry.user, .shortText))
                writer.writeShortField(Sanitizer.bytes(entry.peer, .shortText))
                writer.write(entry.since)
                writer.write(entry.bytesIn)
                writer.write(entry.bytesOut)
            }
        case .topUsers(let entries):
            writeRanking(entries, into: &writer) { entry, writer in
                writer.writeShortField(Sanitizer.bytes(entry.user, .shortText))
                writer.write(entry.sessions)
                writer.write(entry.bytesOut)
                writer.write(entry.retrieved)
            }
        case .failedLoginsByPeer(let entries):
            writeRanking(entries, into: &writer) { entry, writer in
                writer.writeShortField(Sanitizer.bytes(entry.peer, .shortText))
                writer.write(entry.failed)
                writer.write(entry.lastFailure)
            }
        case .hidden(let page):
            writePage(page, into: &writer) { entry, writer in
                writer.writeShortField(Sanitizer.bytes(entry.fileName, .shortText))
                writer.write(entry.size)
                writer.write(entry.hiddenAt)
            }
        case .count(let count):
            writer.write(count)
        case .userPolicy(let entry):
            for value in [entry.ownLoginDelay, entry.ownExpire, entry.loginDelay, entry.expire] {
                writer.write(value.wireValue)
            }
        }
        return writer.bytes
    }

    /// TIME(8) COUNT(1) then (id, value) pairs: at most 255 metrics.
    private static func writeMetrics(_ snapshot: MetricsSnapshot, into writer: inout ByteWriter) {
        let values = snapshot.values.prefix(Int(UInt8.max))
        writer.write(snapshot.time)
        writer.write(UInt8(values.count))
        for value in values {
            writer.write(value.metric.rawValue)
            writer.write(value.value)
        }
    }

    /// ID(1) STEP(8) COUNT(2) then the points, at most `maxHistoryPoints`; a value that is not finite is sent as 0.
    private static func writeHistory(_ series: HistorySeries, into writer: inout ByteWriter) {
        let points = series.points.prefix(MonitorLimits.maxHistoryPoints)
        writer.write(series.metric.rawValue)
        writer.write(series.step)
        writer.write(UInt16(points.count))
        for point in points {
            writer.write(point.start)
            writer.write(point.value.isFinite ? point.value : 0)
            writer.write(point.maximum.isFinite ? point.maximum : 0)
        }
    }

    /// The answering node, NODES(4) (never fewer than listed), COUNT(2), then at most `maxClusterNodesListed` entries.
    private static func writeNodes<Entry>(
        _ answering: String, count: UInt32, _ nodes: [Entry], into writer: inout ByteWriter,
        entry writeEntry: (Entry, inout ByteWriter) -> Void
    ) {
        let listed = nodes.prefix(MonitorLimits.maxClusterNodesListed)
        writer.writeShortField(Sanitizer.bytes(answering, .shortText))
        writer.write(max(count, UInt32(clamping: nodes.count)))
        writer.write(UInt16(listed.count))
        for node in listed {
            writeEntry(node, &writer)
        }
    }

    /// COUNT(2) then at most `RankingQuery.maxEntries` entries.
    private static func writeRanking<Entry>(
        _ entries: [Entry], into writer: inout ByteWriter, entry writeEntry: (Entry, inout ByteWriter) -> Void
    ) {
        let listed = entries.prefix(Int(RankingQuery.maxEntries))
        writer.write(UInt16(listed.count))
        for entry in listed {
            writeEntry(entry, &writer)
        }
    }

    /// MORE(1) COUNT(2) then the entries, at most `maxListPageEntries` (MORE is set when some were cut).
    private static func writePage<Entry>(
        _ page: ListPage<Entry>, into writer: inout ByteWriter, entry writeEntry: (Entry, inout ByteWriter) -> Void
    ) {
        let entries = page.entries.prefix(MonitorLimits.maxListPageEntries)
        writer.write(UInt8(page.more || entries.count < page.entries.count ? 1 : 0))
        writer.write(UInt16(entries.count))
        for entry in entries {
            writeEntry(entry, &writer)
        }
    }
}

/// Makes server-side text fit a field: disallowed bytes become '?', and it is cut to the field's length
/// at a character boundary.
enum Sanitizer {
    static func bytes(_ text: String, _ field: TextField) -> [UInt8] {
        if let bytes = field.bytes(of: text) { return bytes }
        var result: [UInt8] = []
        for scalar in text.unicodeScalars {
            var encoded = Array(String(scalar).utf8)
            if encoded.count == 1, field.bytes(of: String(scalar)) == nil { encoded = [UInt8(ascii: "?")] }
            guard result.count + encoded.count <= field.lengths.upperBound else { break }
            result += encoded
        }
        return field.bytes(of: String(decoding: result, as: UTF8.self)) ?? []
    }
}
