import MonitorProtocol
import Testing

/// The seed C client's exact bytes (documentation/monitor-protocol.txt) decode to the right operations, and our
/// answers are the bytes it expects.
@Suite struct SeedCompatibilityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var flag: String
        var afterToken: [UInt8]
        var operation: MonitorOperation
        var testDescription: String { flag }
    }

    static let cases: [Case] = [
        Case(flag: "-C", afterToken: [0x00, 0x00, 0x00, 0x01, 0x00], operation: .legacyCounter(.connectionsTotal)),
        Case(flag: "-c", afterToken: [0x00, 0x01, 0x00, 0x01, 0x00], operation: .legacyCounter(.connectionsCurrent)),
        Case(flag: "-b", afterToken: [0x00, 0x02, 0x00, 0x01, 0x00], operation: .legacyCounter(.bytesTransferred)),
        Case(flag: "-v", afterToken: [0x00, 0x00, 0x00, 0x00], operation: .legacyCounter(.connectionsTotal)),
        Case(
            flag: "-m", afterToken: [0x01, 0x00, 0x00, 0x06] + Array("/mail/".utf8),
            operation: .setMaildir(path: "/mail/")),
        Case(
            flag: "-U",
            afterToken: [0x01, 0x02, 0x00, 0x14] + Array("ann".utf8) + [0x00] + Array("ABCDEFGHIJKLMNOP".utf8),
            operation: .addAdmin(name: "ann", token: MonitorToken("ABCDEFGHIJKLMNOP")!)),
        Case(
            flag: "-D", afterToken: [0x01, 0x03, 0x00, 0x03] + Array("ann".utf8), operation: .deleteAdmin(name: "ann")),
        Case(
            flag: "-u", afterToken: [0x01, 0x04, 0x00, 0x0a] + Array("bob".utf8) + [0x00] + Array("secret".utf8),
            operation: .addUser(name: "bob", password: "secret")),
        Case(
            flag: "-d", afterToken: [0x01, 0x05, 0x00, 0x03] + Array("bob".utf8), operation: .deleteUser(name: "bob")),
    ]

    @Test(arguments: cases)
    func seedRequestDecodes(_ testCase: Case) throws {
        let bytes = [0x01] + seedTokenBytes + testCase.afterToken
        let frame = try requireFrame(bytes)
        #expect(frame.version == .v1)
        #expect(frame.token == seedToken)
        #expect(try frame.operation() == testCase.operation)
    }

    @Test(arguments: cases.filter { $0.flag != "-v" })
    func ourEncoderSendsTheSeedBytes(_ testCase: Case) throws {
        let request = MonitorRequest(version: .v1, token: seedToken, operation: testCase.operation)
        #expect(try request.encoded() == [0x01] + seedTokenBytes + testCase.afterToken)
    }

    @Test func getAnswerIsStatusDlenFourAndBigEndianValue() throws {
        let frame = try requireFrame(legacyBytes(method: 0, target: 0, data: [0]))
        let response = MonitorResponse.success(.legacyCounter(0x0102_0304), to: frame)
        #expect(response.encoded() == [0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04])
    }

    @Test func configSuccessIsOkDlenOneZero() throws {
        let frame = try requireFrame(legacyBytes(method: 1, target: 5, data: Array("bob".utf8)))
        #expect(MonitorResponse.success(.done, to: frame).encoded() == [0x00, 0x00, 0x01, 0x00])
    }

    @Test(arguments: MonitorStatus.known.filter { $0 != .ok })
    func everyErrorHasTheConfigShape(_ status: MonitorStatus) throws {
        let frame = try requireFrame(
            legacyBytes(method: 1, target: 4, data: Array("bob".utf8) + [0] + Array("pw".utf8)))
        let response = MonitorResponse.failure(MonitorFailure(status, "whatever"), to: frame)
        #expect(response.encoded() == [status.rawValue, 0x00, 0x01, 0x00])
    }

    @Test func existingUserAnswerIsBadData() throws {
        let frame = try requireFrame(
            legacyBytes(method: 1, target: 4, data: Array("bob".utf8) + [0] + Array("pw".utf8)))
        let response = MonitorResponse.failure(MonitorFailure(.badData, "user exists"), to: frame)
        #expect(response.encoded() == [0x04, 0x00, 0x01, 0x00])
    }

    @Test func largeCountersClampInsteadOfWrapping() {
        #expect(LegacyCounter.wireValue(5) == 5)
        #expect(LegacyCounter.wireValue(UInt64(UInt32.max) + 10) == UInt32.max)
    }

    @Test func clientDecodesSeedAnswers() throws {
        let get = MonitorRequest(version: .v1, token: seedToken, operation: .legacyCounter(.bytesTransferred))
        let value = try MonitorResponse.decode(bytes: [0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00], for: get)
        #expect(value.status == .ok)
        #expect(value.body == .legacyCounter(256))

        let add = MonitorRequest(version: .v1, token: seedToken, operation: .addUser(name: "bob", password: "x"))
        let refused = try MonitorResponse.decode(bytes: [0x04, 0x00, 0x01, 0x00], for: add)
        #expect(refused.status == .badData)
        #expect(try MonitorResponse.decode(bytes: [0x00, 0x00, 0x01, 0x00], for: add).body == .done)
    }

    @Test func clientRejectsAGetAnswerOfTheWrongSize() {
        let get = MonitorRequest(version: .v1, token: seedToken, operation: .legacyCounter(.connectionsTotal))
        #expect(throws: MonitorDecodingError.self) {
            try MonitorResponse.decode(bytes: [0x00, 0x00, 0x02, 0x00, 0x01], for: get)
        }
    }
}
