import MonitorProtocol
import Testing

/// OP 0x50 backup: DATA is one str16 path; the server answers with no DATA.
@Suite struct BackupRequestTests {
    /// The bytes `documentation/monitor-protocol.txt` gives for a backup to "/b.db".
    static let documented: [UInt8] =
        [0x02] + seedTokenBytes + [0x00, 0x00, 0x00, 0x07, 0x50, 0x00, 0x00, 0x00, 0x07]
        + [0x00, 0x05] + Array("/b.db".utf8)

    @Test func encodesAsDocumented() throws {
        let request = MonitorRequest(version: .v2, requestID: 7, token: seedToken, operation: .backup(path: "/b.db"))
        #expect(try request.encoded() == Self.documented)
        #expect(try requireFrame(Self.documented).operation() == .backup(path: "/b.db"))
    }

    @Test func isNotInVersion1() {
        #expect(MonitorOperation.backup(path: "/b").isInVersion1 == false)
        #expect(throws: MonitorEncodingError.notInVersion(.v1)) {
            try MonitorRequest(version: .v1, token: seedToken, operation: .backup(path: "/b")).encoded()
        }
    }

    static let badData: [[UInt8]] = [
        [],  // no path at all
        [0x00],  // length cut short
        [0x00, 0x00],  // empty path
        [0x00, 0x03, 0x2F, 0x00, 0x62],  // NUL inside the path
        [0x00, 0x05, 0x2F, 0x62],  // shorter than its length
        [0x00, 0x02, 0x2F, 0x62, 0x00],  // a byte after the path
        [0x00, 0x02, 0xC3, 0x28],  // not UTF-8
    ]

    @Test(arguments: badData)
    func malformedPathIsBadData(_ data: [UInt8]) throws {
        #expect(refusal(try requireFrame(v2Bytes(op: 0x50, data: data))) == .badData)
    }

    @Test func pathOverTheLimitIsRefusedByTheEncoder() {
        let path = "/" + String(repeating: "a", count: 4_096)
        #expect(throws: MonitorEncodingError.self) {
            try MonitorRequest(version: .v2, token: seedToken, operation: .backup(path: path)).encoded()
        }
    }

    @Test func logLineNamesThePath() {
        #expect(MonitorOperation.backup(path: "/srv/b.db").logDescription.contains("/srv/b.db"))
    }
}
