/// Success bodies a server could send for an operation, filled from fuzz bytes.
enum ReplySamples {
    static func reply(for operation: MonitorOperation, from seed: [UInt8]) -> MonitorReply {
        var cursor = ByteCursor(seed)
        switch operation {
        case .legacyCounter:
            return .legacyCounter(UInt32(truncatingIfNeeded: cursor.integer(size: 4)))
        case .serverInfo:
            return .serverInfo(
                ServerInfo(version: cursor.text(), uptimeSeconds: cursor.integer(size: 8), time: cursor.int64()))
        case .metrics:
            let values = (0..<cursor.byte() % 20).compactMap { _ in
                MetricID(rawValue: cursor.byte() % UInt8(MetricID.allCases.count)).map {
                    MetricValue(metric: $0, value: cursor.integer(size: 8))
                }
            }
            return .metrics(MetricsSnapshot(time: cursor.int64(), values: values))
        case .history(let query):
            let points = (0..<cursor.byte() % 8).map { _ in
                HistoryPoint(start: cursor.int64(), value: cursor.double(), maximum: cursor.double())
            }
            return .history(HistorySeries(metric: query.metric, step: query.step, points: points))
        case .listUsers, .listAdmins:
            let entries = (0..<cursor.byte() % 5).map { _ in
                AccountEntry(name: cursor.text(), createdAt: cursor.int64())
            }
            let page = ListPage(entries: entries, more: cursor.byte() & 1 == 1)
            if case .listUsers = operation { return .users(page) }
            return .admins(page)
        case .listSessions:
            let entries = (0..<cursor.byte() % 4).map { _ in
                SessionEntry(
                    id: cursor.text(), user: cursor.text(), peer: cursor.text(), since: cursor.int64(),
                    bytesIn: cursor.integer(size: 8), bytesOut: cursor.integer(size: 8))
            }
            return .sessions(ListPage(entries: entries, more: cursor.byte() & 1 == 1))
        default:
            // Configuration changes answer no data.
            return .done
        }
    }

    /// True when every text in the reply follows its field's rule, so the reply crosses the wire unchanged.
    static func isClean(_ reply: MonitorReply) -> Bool {
        let texts: [String]
        switch reply {
        case .serverInfo(let info): texts = [info.version]
        case .users(let page), .admins(let page): texts = page.entries.map(\.name)
        case .sessions(let page): texts = page.entries.flatMap { [$0.id, $0.user, $0.peer] }
        case .failure(let message): return TextField.errorMessage.accepts(message)
        default: texts = []
        }
        return texts.allSatisfy(TextField.shortText.accepts)
    }
}
