import MonitorProtocol
import Testing

/// The hex examples of documentation/monitor-protocol.txt section 7, checked against the code.
@Suite struct DocumentationExampleTests {
    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").compactMap { UInt8($0, radix: 16) }
    }

    static let token = "31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 31"

    @Test func v2ServerInfo() throws {
        let request = MonitorRequest(version: .v2, requestID: 1, token: seedToken, operation: .serverInfo)
        #expect(try request.encoded() == Self.hex("02 \(Self.token) 00 00 00 01 01 00 00 00 00"))
        let frame = try requireFrame(try request.encoded())
        let info = ServerInfo(version: "pop3d 1.0.0", uptimeSeconds: 93_784, time: 1_764_216_000)
        #expect(
            MonitorResponse.success(.serverInfo(info), to: frame).encoded()
                == Self.hex(
                    "02 00 00 00 01 01 00 00 00 00 1c 0b 70 6f 70 33 64 20 31 2e 30 2e 30 00 00 00 00 00 01 6e 58 "
                        + "00 00 00 00 69 27 cc c0"))
    }

    @Test func v2History() throws {
        let query = HistoryQuery(metric: .connectionsTotal, from: 1_764_129_600, to: 1_764_216_000, step: 3_600)
        let request = MonitorRequest(version: .v2, requestID: 2, token: seedToken, operation: .history(query))
        #expect(
            try request.encoded()
                == Self.hex(
                    "02 \(Self.token) 00 00 00 02 03 00 00 00 19 01 00 00 00 00 69 26 7b 40 00 00 00 00 69 27 cc c0 "
                        + "00 00 00 00 00 00 0e 10"))
        let series = HistorySeries(
            metric: .connectionsTotal, step: 3_600,
            points: [
                HistoryPoint(start: 1_764_129_600, value: 12, maximum: 12),
                HistoryPoint(start: 1_764_133_200, value: 3, maximum: 3),
            ])
        let answer = MonitorResponse.success(.history(series), to: try requireFrame(try request.encoded())).encoded()
        #expect(
            answer
                == Self.hex(
                    "02 00 00 00 02 03 00 00 00 00 3b 01 00 00 00 00 00 00 0e 10 00 02 00 00 00 00 69 26 7b 40 40 28 "
                        + "00 00 00 00 00 00 40 28 00 00 00 00 00 00 00 00 00 00 69 26 89 50 40 08 00 00 00 00 00 00 "
                        + "40 08 00 00 00 00 00 00"))
    }

    @Test func v2AddUserRefused() throws {
        let request = MonitorRequest(
            version: .v2, requestID: 3, token: seedToken, operation: .addUser(name: "bob", password: "secret"))
        #expect(
            try request.encoded()
                == Self.hex("02 \(Self.token) 00 00 00 03 11 00 00 00 0c 03 62 6f 62 00 06 73 65 63 72 65 74"))
        let frame = try requireFrame(try request.encoded())
        #expect(
            MonitorResponse.failure(MonitorFailure(.alreadyExists, "user bob exists"), to: frame).encoded()
                == Self.hex("02 00 00 00 03 11 08 00 00 00 0f 75 73 65 72 20 62 6f 62 20 65 78 69 73 74 73"))
    }

    @Test func v2ClusterMetrics() throws {
        let request = MonitorRequest(version: .v2, requestID: 4, token: seedToken, operation: .clusterMetrics)
        #expect(try request.encoded() == Self.hex("02 \(Self.token) 00 00 00 04 04 00 00 00 00"))
        let answer = ClusterMetricsSnapshot(
            node: "a", nodeCount: 2,
            nodes: [
                ClusterNode(name: "a", newestSample: 1_764_216_000, gaugesCounted: true),
                ClusterNode(name: "b", newestSample: 1_764_215_990, gaugesCounted: true),
            ],
            metrics: MetricsSnapshot(
                time: 1_764_216_000,
                values: [
                    MetricValue(metric: .connectionsCurrent, value: 3),
                    MetricValue(metric: .connectionsTotal, value: 12),
                ]))
        let bytes = Self.hex(
            "02 00 00 00 04 04 00 00 00 00 39 01 61 00 00 00 02 00 02 01 61 00 00 00 00 69 27 cc c0 01 01 62 00 00 "
                + "00 00 69 27 cc b6 01 00 00 00 00 69 27 cc c0 02 00 00 00 00 00 00 00 00 03 01 00 00 00 00 00 00 "
                + "00 0c")
        let frame = try requireFrame(try request.encoded())
        #expect(MonitorResponse.success(.clusterMetrics(answer), to: frame).encoded() == bytes)
        #expect(try MonitorResponse.decode(bytes: bytes, for: request).body == .clusterMetrics(answer))
    }

    @Test func v2ClusterHistory() throws {
        let query = HistoryQuery(metric: .connectionsCurrent, from: 1_764_212_400, to: 1_764_216_000, step: 3_600)
        let request = MonitorRequest(version: .v2, requestID: 5, token: seedToken, operation: .clusterHistory(query))
        #expect(
            try request.encoded()
                == Self.hex(
                    "02 \(Self.token) 00 00 00 05 05 00 00 00 19 00 00 00 00 00 69 27 be b0 00 00 00 00 69 27 cc c0 "
                        + "00 00 00 00 00 00 0e 10"))
        let answer = ClusterHistorySeries(
            node: "a", nodeCount: 2, nodes: ["a", "b"],
            series: HistorySeries(
                metric: .connectionsCurrent, step: 3_600,
                points: [HistoryPoint(start: 1_764_212_400, value: 2.5, maximum: 4)]))
        let bytes = Self.hex(
            "02 00 00 00 05 05 00 00 00 00 2f 01 61 00 00 00 02 00 02 01 61 01 62 00 00 00 00 00 00 00 0e 10 00 01 "
                + "00 00 00 00 69 27 be b0 40 04 00 00 00 00 00 00 40 10 00 00 00 00 00 00")
        let frame = try requireFrame(try request.encoded())
        #expect(MonitorResponse.success(.clusterHistory(answer), to: frame).encoded() == bytes)
        #expect(try MonitorResponse.decode(bytes: bytes, for: request).body == .clusterHistory(answer))
    }

    @Test func v1Examples() throws {
        let get = MonitorRequest(version: .v1, token: seedToken, operation: .legacyCounter(.connectionsTotal))
        #expect(try get.encoded() == Self.hex("01 \(Self.token) 00 00 00 01 00"))
        let frame = try requireFrame(try get.encoded())
        #expect(MonitorResponse.success(.legacyCounter(7), to: frame).encoded() == Self.hex("00 00 04 00 00 00 07"))
        let add = MonitorRequest(version: .v1, token: seedToken, operation: .addUser(name: "bob", password: "secret"))
        #expect(try add.encoded() == Self.hex("01 \(Self.token) 01 04 00 0a 62 6f 62 00 73 65 63 72 65 74"))
    }
}
