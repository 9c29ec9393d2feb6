import MonitorProtocol
import Testing

/// OP 0x70 top users and 0x71 failed logins by peer: DATA is SINCE(8) LIMIT(2); the answer COUNT(2) and entries.
@Suite struct RankingRequestTests {
    /// The bytes `documentation/monitor-protocol.txt` gives for the top 10 users since 1764000000.
    static let documented: [UInt8] =
        [0x02] + seedTokenBytes + [0x00, 0x00, 0x00, 0x09, 0x70, 0x00, 0x00, 0x00, 0x0A]
        + [0x00, 0x00, 0x00, 0x00, 0x69, 0x24, 0x81, 0x00, 0x00, 0x0A]

    @Test func encodesAsDocumented() throws {
        let query = RankingQuery(since: 1_764_000_000, limit: 10)
        let request = MonitorRequest(version: .v2, requestID: 9, token: seedToken, operation: .topUsers(query))
        #expect(try request.encoded() == Self.documented)
        #expect(try requireFrame(Self.documented).operation() == .topUsers(query))
    }

    @Test(arguments: [
        MonitorOperation.topUsers(RankingQuery(since: -5, limit: 1)),
        .failedLoginsByPeer(RankingQuery(since: 0, limit: 100)),
    ])
    func roundTrips(_ operation: MonitorOperation) throws {
        let request = MonitorRequest(version: .v2, requestID: 3, token: seedToken, operation: operation)
        #expect(try requireFrame(try request.encoded()).request(token: seedToken) == request)
        #expect(operation.isInVersion1 == false)
    }

    static let badData: [[UInt8]] = [
        [],  // nothing
        [0, 0, 0, 0, 0, 0, 0, 1],  // no limit
        [0, 0, 0, 0, 0, 0, 0, 1, 0, 0],  // limit 0
        [0, 0, 0, 0, 0, 0, 0, 1, 0, 101],  // limit over 100
        [0, 0, 0, 0, 0, 0, 0, 1, 0, 5, 0],  // a byte after the data
    ]

    @Test(arguments: badData)
    func malformedQueryIsBadData(_ data: [UInt8]) throws {
        #expect(refusal(try requireFrame(v2Bytes(op: 0x70, data: data))) == .badData)
        #expect(refusal(try requireFrame(v2Bytes(op: 0x71, data: data))) == .badData)
    }

    @Test func aLimitOutOfRangeIsRefusedByTheEncoder() {
        for limit: UInt16 in [0, 101] {
            #expect(throws: MonitorEncodingError.self) {
                try MonitorRequest(
                    version: .v2, token: seedToken, operation: .topUsers(RankingQuery(since: 0, limit: limit))
                ).encoded()
            }
        }
    }

    static let replies: [(MonitorOperation, MonitorReply)] = [
        (
            .topUsers(RankingQuery(since: 0, limit: 5)),
            .topUsers([
                UserTraffic(user: "alice", sessions: 3, bytesOut: UInt64.max, retrieved: 7),
                UserTraffic(user: "bøb", sessions: 1, bytesOut: 0, retrieved: 0),
            ])
        ),
        (.topUsers(RankingQuery(since: 0, limit: 5)), .topUsers([])),
        (
            .failedLoginsByPeer(RankingQuery(since: 0, limit: 5)),
            .failedLoginsByPeer([
                PeerFailures(peer: "203.0.113.5", failed: 12, lastFailure: 1_764_000_123),
                PeerFailures(peer: "2001:db8::1", failed: 1, lastFailure: -1),
            ])
        ),
    ]

    @Test(arguments: replies.indices)
    func answersRoundTrip(_ index: Int) throws {
        let (operation, reply) = Self.replies[index]
        let request = MonitorRequest(version: .v2, requestID: 42, token: seedToken, operation: operation)
        let frame = try requireFrame(try request.encoded())
        let decoded = try MonitorResponse.decode(
            bytes: MonitorResponse.success(reply, to: frame).encoded(), for: request)
        #expect(decoded.status == .ok)
        #expect(decoded.body == reply)
    }
}
