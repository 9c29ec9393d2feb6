import MonitorProtocol
import Testing

/// Each status a malformed request can earn, reached from bytes, in the server's check order.
@Suite struct MalformedRequestTests {
    @Test func badVersion() {
        guard case .failure(let error) = decodeRequest([0x09] + seedTokenBytes) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.status == .badVersion)
    }

    @Test func tokenThatIsNotPrintableAsciiCannotAuthenticate() throws {
        var bytes = legacyBytes(method: 0, target: 0, data: [0])
        bytes[3] = 0x00
        #expect(try requireFrame(bytes).token == nil)
        var spaced = legacyBytes(method: 0, target: 0, data: [0])
        spaced[3] = 0x20
        #expect(try requireFrame(spaced).token == nil)
    }

    @Test(arguments: [(UInt8(0x02), UInt8(0x00)), (0xff, 0x00)])
    func v1BadMethod(_ method: UInt8, _ target: UInt8) throws {
        #expect(refusal(try requireFrame(legacyBytes(method: method, target: target, data: [0]))) == .badMethod)
    }

    @Test(arguments: [(UInt8(0x00), UInt8(0x03)), (0x01, 0x06), (0x01, 0xff)])
    func v1BadTarget(_ method: UInt8, _ target: UInt8) throws {
        #expect(refusal(try requireFrame(legacyBytes(method: method, target: target, data: [0]))) == .badTarget)
    }

    @Test func methodIsCheckedBeforeTargetAndTargetBeforeData() throws {
        #expect(refusal(try requireFrame(legacyBytes(method: 9, target: 9, data: [1, 2]))) == .badMethod)
        #expect(refusal(try requireFrame(legacyBytes(method: 1, target: 9, data: []))) == .badTarget)
    }

    static let badV1Data: [(UInt8, UInt8, [UInt8])] = [
        (0x00, 0x00, [0x01]),  // GET with DATA other than 0x00
        (0x00, 0x01, [0x00, 0x00]),
        (0x01, 0x00, []),  // empty path
        (0x01, 0x00, Array("/a".utf8) + [0x00]),  // NUL in path
        (0x01, 0x00, [0x2f, 0xff, 0xfe]),  // not UTF-8
        (0x01, 0x01, []),  // buffer size: nothing
        (0x01, 0x01, Array("0".utf8)),  // zero
        (0x01, 0x01, Array("99999999999999999999999".utf8)),  // overflows UInt64
        (0x01, 0x01, [0x01, 0x02, 0x03]),  // 3 binary bytes
        (0x01, 0x02, Array("ann".utf8)),  // add admin without NUL
        (0x01, 0x02, Array("ann".utf8) + [0x00] + Array("short".utf8)),  // token too short
        (0x01, 0x02, Array("ann".utf8) + [0x00] + Array("with space 12345".utf8)),
        (0x01, 0x02, [0x00] + Array("ABCDEFGHIJKLMNOP".utf8)),  // empty name
        (0x01, 0x03, []),
        (0x01, 0x04, Array("bob".utf8)),  // add user without NUL
        (0x01, 0x04, Array("bob".utf8) + [0x00]),  // empty password
        (0x01, 0x04, Array("b:b".utf8) + [0x00, 0x61]),  // ':' in name
        (0x01, 0x04, Array("b b".utf8) + [0x00, 0x61]),  // space in name
        (0x01, 0x04, Array("bob".utf8) + [0x00, 0x61, 0x0a, 0x62]),  // LF in password
        (0x01, 0x04, [UInt8](repeating: 0x61, count: 256) + [0x00, 0x61]),  // name too long
        (0x01, 0x05, []),
    ]

    @Test(arguments: badV1Data.indices)
    func v1BadData(_ index: Int) throws {
        let (method, target, data) = Self.badV1Data[index]
        #expect(refusal(try requireFrame(legacyBytes(method: method, target: target, data: data))) == .badData)
    }

    @Test func v1BufferSizeAcceptsDecimalAndBinary() throws {
        #expect(
            try requireFrame(legacyBytes(method: 1, target: 1, data: Array("8192".utf8))).operation()
                == .setBufferSize(8_192))
        #expect(
            try requireFrame(legacyBytes(method: 1, target: 1, data: [0x20, 0x00])).operation() == .setBufferSize(8_192)
        )
    }

    @Test(arguments: [UInt8(0x00), 0x06, 0x1f, 0x51, 0xff])
    func v2BadMethod(_ op: UInt8) throws {
        #expect(refusal(try requireFrame(v2Bytes(op: op, data: []))) == .badMethod)
    }

    @Test(arguments: [UInt8(0x03), 0x05])
    func v2UnknownMetricIsBadTarget(_ op: UInt8) throws {
        let data = [UInt8(MetricID.allCases.count)] + [UInt8](repeating: 0, count: 24)
        #expect(refusal(try requireFrame(v2Bytes(op: op, data: data))) == .badTarget)
    }

    static func history(from: Int64, to: Int64, step: Int64) -> [UInt8] {
        func bytes(_ value: Int64) -> [UInt8] {
            let bits = UInt64(bitPattern: value)
            return bigEndian(UInt32(bits >> 32)) + bigEndian(UInt32(bits & 0xffff_ffff))
        }
        return [0x00] + bytes(from) + bytes(to) + bytes(step)
    }

    /// History and cluster history share the query and its limits.
    @Test(arguments: [UInt8(0x03), 0x05])
    func v2HistoryLimits(_ op: UInt8) throws {
        #expect(refusal(try requireFrame(v2Bytes(op: op, data: Self.history(from: 0, to: 4_096, step: 1)))) == nil)
        #expect(
            refusal(try requireFrame(v2Bytes(op: op, data: Self.history(from: 0, to: 4_097, step: 1)))) == .tooLarge)
        #expect(refusal(try requireFrame(v2Bytes(op: op, data: Self.history(from: 5, to: 5, step: 1)))) == .badData)
        #expect(refusal(try requireFrame(v2Bytes(op: op, data: Self.history(from: 0, to: 10, step: 0)))) == .badData)
        #expect(
            refusal(try requireFrame(v2Bytes(op: op, data: Self.history(from: .min, to: .max, step: 1)))) == .tooLarge)
        #expect(
            refusal(try requireFrame(v2Bytes(op: op, data: Self.history(from: .min, to: .max, step: .max)))) == nil)
    }

    static let badV2Data: [(UInt8, [UInt8])] = [
        (0x01, [0x00]),  // server info takes no data
        (0x02, [0x00]),
        (0x03, [0x00, 0x01]),  // history cut short
        (0x04, [0x01]),  // cluster metrics takes no data (no scope byte either)
        (0x05, [0x00, 0x01]),  // cluster history cut short
        (0x05, history(from: 0, to: 60, step: 60) + [0x00]),  // a trailing byte after the query
        (0x10, []),  // list without cursor field
        (0x10, [0x05, 0x61]),  // cursor longer than the data
        (0x11, [0x03] + Array("bob".utf8)),  // add user without password
        (0x11, [0x03] + Array("bob".utf8) + [0x00, 0x00]),  // empty password
        (0x11, [0x00, 0x00, 0x01, 0x61]),  // empty name
        (0x12, [0x03] + Array("bob".utf8) + [0x00]),  // trailing byte
        (0x13, [0x03] + Array("bob".utf8) + [0x00, 0x02, 0x61]),  // password cut short
        (0x21, [0x03] + Array("ann".utf8) + Array("SHORT".utf8)),
        (0x22, [0x03, 0x61, 0x0a, 0x62]),  // LF in name
        (0x40, [0x00, 0x00]),  // empty path
    ]

    @Test(arguments: badV2Data.indices)
    func v2BadData(_ index: Int) throws {
        let (op, data) = Self.badV2Data[index]
        #expect(refusal(try requireFrame(v2Bytes(op: op, data: data))) == .badData)
    }
}
