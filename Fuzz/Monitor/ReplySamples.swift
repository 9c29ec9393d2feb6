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
            return .history(series(query, &cursor))
        case .clusterMetrics:
            guard case .metrics(let snapshot) = reply(for: .metrics, from: Array(seed.reversed())) else { return .done }
            let nodes = (0..<cursor.byte() % 4).map { _ in
                ClusterNode(name: cursor.text(), newestSample: cursor.int64(), gaugesCounted: cursor.byte() & 1 == 1)
            }
            return .clusterMetrics(
                ClusterMetricsSnapshot(
                    node: cursor.text(), nodeCount: UInt32(nodes.count) + UInt32(cursor.byte() % 3), nodes: nodes,
                    metrics: snapshot))
        case .clusterHistory(let query):
            let nodes = (0..<cursor.byte() % 4).map { _ in cursor.text() }
            return .clusterHistory(
                ClusterHistorySeries(
                    node: cursor.text(), nodeCount: UInt32(nodes.count), nodes: nodes, series: series(query, &cursor)))
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
        case .addAppPassword:
            return .appPassword(cursor.text())
        case .listAppPasswords:
            return .appPasswords(
                (0..<cursor.byte() % 4).map { _ in
                    AppPasswordEntry(label: cursor.text(), createdAt: cursor.int64(), lastUsedAt: cursor.int64())
                })
        case .userPolicy:
            return .userPolicy(
                UserPolicyEntry(
                    ownLoginDelay: setting(&cursor), ownExpire: setting(&cursor), loginDelay: setting(&cursor),
                    expire: setting(&cursor)))
        case .listHidden:
            let entries = (0..<cursor.byte() % 4).map { _ in
                HiddenEntry(fileName: cursor.text(), size: cursor.integer(size: 8), hiddenAt: cursor.int64())
            }
            return .hidden(ListPage(entries: entries, more: cursor.byte() & 1 == 1))
        case .purgeHidden:
            return .count(cursor.integer(size: 8))
        case .topUsers:
            return .topUsers(
                (0..<cursor.byte() % 4).map { _ in
                    UserTraffic(
                        user: cursor.text(), sessions: cursor.integer(size: 8), bytesOut: cursor.integer(size: 8),
                        retrieved: cursor.integer(size: 8))
                })
        case .failedLoginsByPeer:
            return .failedLoginsByPeer(
                (0..<cursor.byte() % 4).map { _ in
                    PeerFailures(peer: cursor.text(), failed: cursor.integer(size: 8), lastFailure: cursor.int64())
                })
        default:
            // Configuration changes answer no data.
            return .done
        }
    }

    /// A policy value a reply may carry (never `keep`, which only a request says).
    private static func setting(_ cursor: inout ByteCursor) -> PolicySetting {
        switch cursor.byte() % 3 {
        case 0: .serverDefault
        case 1: .never
        default: .value(Int64(cursor.integer(size: 4)))
        }
    }

    private static func series(_ query: HistoryQuery, _ cursor: inout ByteCursor) -> HistorySeries {
        let points = (0..<cursor.byte() % 8).map { _ in
            HistoryPoint(start: cursor.int64(), value: cursor.double(), maximum: cursor.double())
        }
        return HistorySeries(metric: query.metric, step: query.step, points: points)
    }

    /// True when every text in the reply follows its field's rule, so the reply crosses the wire unchanged.
    static func isClean(_ reply: MonitorReply) -> Bool {
        let texts: [String]
        switch reply {
        case .serverInfo(let info): texts = [info.version]
        case .users(let page), .admins(let page): texts = page.entries.map(\.name)
        case .sessions(let page): texts = page.entries.flatMap { [$0.id, $0.user, $0.peer] }
        case .clusterMetrics(let answer): texts = [answer.node] + answer.nodes.map(\.name)
        case .clusterHistory(let answer): texts = [answer.node] + answer.nodes
        case .appPassword(let password): texts = [password]
        case .appPasswords(let entries): texts = entries.map(\.label)
        case .hidden(let page): texts = page.entries.map(\.fileName)
        case .topUsers(let entries): texts = entries.map(\.user)
        case .failedLoginsByPeer(let entries): texts = entries.map(\.peer)
        case .failure(let message): return TextField.errorMessage.accepts(message)
        default: texts = []
        }
        return texts.allSatisfy(TextField.shortText.accepts)
    }
}
