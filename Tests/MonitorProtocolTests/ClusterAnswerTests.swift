import MonitorProtocol
import Testing

/// The cluster answers' node lists: bounded on both sides, and read back as sent.
@Suite struct ClusterAnswerTests {
    static let request = MonitorRequest(version: .v2, requestID: 8, token: seedToken, operation: .clusterMetrics)

    /// A success frame answering `request` with `data`.
    static func answer(_ data: [UInt8], op: UInt8 = 0x04) -> [UInt8] {
        [0x02] + bigEndian(8) + [op, 0x00] + bigEndian(UInt32(data.count)) + data
    }

    /// The node part of a cluster answer: NODE "a", NODES, COUNT, then `entries`.
    static func nodes(total: UInt32, count: UInt16, entries: [UInt8]) -> [UInt8] {
        [0x01, 0x61] + bigEndian(total) + [UInt8(count >> 8), UInt8(count & 0xff)] + entries
    }

    static let emptyMetrics: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0]

    @Test func aServerListsAtMostAThousandNodesAndCountsTheRest() throws {
        let frame = try requireFrame(try Self.request.encoded())
        let nodes = (0..<1_500).map { ClusterNode(name: "n\($0)", newestSample: Int64($0), gaugesCounted: true) }
        let sent = ClusterMetricsSnapshot(
            node: "n0", nodeCount: 1_500, nodes: nodes, metrics: MetricsSnapshot(time: 1, values: []))
        let bytes = MonitorResponse.success(.clusterMetrics(sent), to: frame).encoded()
        #expect(bytes.count <= MonitorLimits.v2ResponseHeaderSize + MonitorLimits.v2MaxResponseDataLength)
        guard case .clusterMetrics(let read) = try MonitorResponse.decode(bytes: bytes, for: Self.request).body else {
            Issue.record("not a cluster answer")
            return
        }
        #expect(read.nodeCount == 1_500)
        #expect(read.nodes == Array(nodes.prefix(MonitorLimits.maxClusterNodesListed)))
    }

    @Test func nodesIsNeverBelowTheNodesListed() throws {
        let frame = try requireFrame(try Self.request.encoded())
        let sent = ClusterMetricsSnapshot(
            node: "a", nodeCount: 0, nodes: [ClusterNode(name: "a", newestSample: 5, gaugesCounted: true)],
            metrics: MetricsSnapshot(time: 5, values: []))
        let bytes = MonitorResponse.success(.clusterMetrics(sent), to: frame).encoded()
        guard case .clusterMetrics(let read) = try MonitorResponse.decode(bytes: bytes, for: Self.request).body else {
            Issue.record("not a cluster answer")
            return
        }
        #expect(read.nodeCount == 1)
    }

    /// Node names break the short-text rule only by mistake (a host name with a control character): cleaned.
    @Test func aNodeNameIsCleanedLikeAnyShortText() throws {
        let frame = try requireFrame(try Self.request.encoded())
        let sent = ClusterMetricsSnapshot(
            node: "tab\there", nodeCount: 1,
            nodes: [ClusterNode(name: "tab\there", newestSample: 0, gaugesCounted: true)],
            metrics: MetricsSnapshot(time: 0, values: []))
        let bytes = MonitorResponse.success(.clusterMetrics(sent), to: frame).encoded()
        guard case .clusterMetrics(let read) = try MonitorResponse.decode(bytes: bytes, for: Self.request).body else {
            Issue.record("not a cluster answer")
            return
        }
        #expect(read.node == "tab?here")
        #expect(read.nodes.map(\.name) == ["tab?here"])
    }

    static let malformed: [(String, [UInt8])] = [
        ("COUNT over the limit", nodes(total: 2_000, count: 1_001, entries: []) + emptyMetrics),
        ("COUNT over NODES", nodes(total: 0, count: 1, entries: [0x01, 0x62] + [UInt8](repeating: 0, count: 9))),
        (
            "GAUGES neither 0 nor 1",
            nodes(total: 1, count: 1, entries: [0x01, 0x62] + [UInt8](repeating: 0, count: 8) + [2])
        ),
        ("an entry cut short", nodes(total: 1, count: 1, entries: [0x01, 0x62, 0, 0])),
        ("no metrics after the nodes", nodes(total: 0, count: 0, entries: [])),
        ("bytes after the metrics", nodes(total: 0, count: 0, entries: []) + emptyMetrics + [0]),
        (
            "a node name with a control character",
            nodes(total: 1, count: 1, entries: [0x01, 0x0a] + [UInt8](repeating: 0, count: 9)) + emptyMetrics
        ),
    ]

    @Test(arguments: malformed.indices)
    func malformedAnswersAreRefused(_ index: Int) {
        let (what, data) = Self.malformed[index]
        #expect(throws: MonitorDecodingError.self, "\(what)") {
            try MonitorResponse.decode(bytes: Self.answer(data), for: Self.request)
        }
    }

    @Test func aClusterHistoryAnswerNeedsItsNodesThenASeries() throws {
        let query = HistoryQuery(metric: .bytesIn, from: 0, to: 60, step: 60)
        let request = MonitorRequest(version: .v2, requestID: 8, token: seedToken, operation: .clusterHistory(query))
        let series: [UInt8] = [3, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0]
        let good = Self.nodes(total: 1, count: 1, entries: [0x01, 0x62]) + series
        #expect(
            try MonitorResponse.decode(bytes: Self.answer(good, op: 0x05), for: request).body
                == .clusterHistory(
                    ClusterHistorySeries(
                        node: "a", nodeCount: 1, nodes: ["b"],
                        series: HistorySeries(metric: .bytesIn, step: 60, points: []))))
        #expect(throws: MonitorDecodingError.self) {
            try MonitorResponse.decode(
                bytes: Self.answer(Self.nodes(total: 1, count: 1, entries: [0x01, 0x62]), op: 0x05), for: request)
        }
        // A metrics answer's OP does not answer a cluster request.
        #expect(throws: MonitorDecodingError.self) {
            try MonitorResponse.decode(bytes: Self.answer(good, op: 0x03), for: request)
        }
    }

    /// What a server from before the cluster operations answers: bad method, read as a refusal.
    @Test func anOlderServersBadMethodIsARefusal() throws {
        let message = Array("unknown operation 0x04".utf8)
        let bytes: [UInt8] = [0x02] + bigEndian(8) + [0x04, 0x02] + bigEndian(UInt32(message.count)) + message
        let response = try MonitorResponse.decode(bytes: bytes, for: Self.request)
        #expect(response.status == .badMethod)
        #expect(response.body == .failure(message: "unknown operation 0x04"))
    }

    @Test func combiningRules() {
        #expect(
            MetricID.allCases.filter { !$0.isSummedAcrossNodes } == [
                .uptimeSeconds, .eventLoopLagMaxMilliseconds, .databaseBytes,
            ])
        #expect(MetricID.allCases.filter { $0.isCounter && !$0.isSummedAcrossNodes }.isEmpty)
        #expect(MetricID.connectionsCurrent.isSummedAcrossNodes)
    }
}
