import Testing

@testable import MonitorProtocol

@Suite struct UserPolicyRequestTests {
    private func parse(_ data: [UInt8]) throws(MonitorFailure) -> MonitorOperation {
        try RequestParser.operation(opcode: MonitorOpcode.userPolicy.rawValue, data: data)
    }

    private func int64(_ value: Int64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    @Test func valuesOutsideTheCodesAreBadData() {
        let name: [UInt8] = [3] + Array("bob".utf8)
        #expect(throws: MonitorFailure.self) { try parse(name + int64(-3) + int64(-1)) }  // never as a delay
        #expect(throws: MonitorFailure.self) { try parse(name + int64(-1) + int64(-4)) }
        #expect(throws: MonitorFailure.self) { try parse(name + int64(-1)) }  // cut short
        #expect(
            (try? parse(name + int64(-1) + int64(-3)))
                == .userPolicy(name: "bob", change: UserPolicyChange(loginDelay: .keep, expire: .never)))
    }
}
