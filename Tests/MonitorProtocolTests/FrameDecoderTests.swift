import MonitorProtocol
import Testing

/// The incremental framers: partial input, limits, several frames, and unframeable streams.
@Suite struct FrameDecoderTests {
    @Test func everyTruncationOfAV1FrameNeedsMore() throws {
        let bytes = legacyBytes(method: 1, target: 4, data: Array("bob".utf8) + [0] + Array("secret".utf8))
        for length in 0..<bytes.count {
            #expect(decodeRequest(Array(bytes.prefix(length))) == .needMore, "prefix \(length)")
        }
        #expect(try requireFrame(bytes).data.count == 10)
    }

    @Test func everyTruncationOfAV2FrameNeedsMore() throws {
        let request = MonitorRequest(
            version: .v2, requestID: 9, token: seedToken, operation: .addUser(name: "bob", password: "pw"))
        let bytes = try request.encoded()
        for length in 0..<bytes.count {
            #expect(decodeRequest(Array(bytes.prefix(length))) == .needMore, "prefix \(length)")
        }
    }

    @Test func byteByByteFeedingYieldsTheFrameOnce() throws {
        let bytes = legacyBytes(method: 0, target: 1, data: [0])
        var decoder = MonitorRequestDecoder()
        var frames = 0
        for byte in bytes {
            decoder.feed([byte])
            if case .frame = decoder.next() { frames += 1 }
        }
        #expect(frames == 1)
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.next() == .needMore)
    }

    @Test func v1DlenOf65535IsFramedWhole() throws {
        let data = Array("/".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 65_534)
        let bytes = legacyBytes(method: 1, target: 0, data: data)
        #expect(decodeRequest(Array(bytes.dropLast())) == .needMore)
        let frame = try requireFrame(bytes)
        #expect(frame.data.count == 65_535)
        // Framed whole, then refused as data: a path is at most 4096 bytes. Nothing traps.
        #expect(refusal(frame) == .badData)
    }

    @Test func v2DlenAtTheLimitIsFramedAndOneMoreIsTooLarge() throws {
        let atLimit = v2Bytes(op: 0x40, data: [UInt8](repeating: 0x61, count: 65_535))
        #expect(try requireFrame(atLimit).data.count == 65_535)
        let over = v2Bytes(requestID: 77, op: 0x40, data: [], dlen: 65_536)
        guard case .failure(let error) = decodeRequest(over) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.status == .tooLarge)
        #expect(error.requestID == 77)
        let answer = error.response.encoded()
        #expect(answer.first == 0x02)
        #expect(answer[6] == MonitorStatus.tooLarge.rawValue)
    }

    @Test func twoPipelinedV2FramesComeOutInOrder() throws {
        let first = try MonitorRequest(version: .v2, requestID: 1, token: seedToken, operation: .metrics).encoded()
        let second = try MonitorRequest(version: .v2, requestID: 2, token: seedToken, operation: .serverInfo).encoded()
        var decoder = MonitorRequestDecoder()
        decoder.feed(first + second.prefix(5))
        guard case .frame(let one) = decoder.next() else { throw FrameMissing() }
        #expect(decoder.next() == .needMore)
        decoder.feed(second.dropFirst(5))
        guard case .frame(let two) = decoder.next() else { throw FrameMissing() }
        #expect([one.requestID, two.requestID] == [1, 2])
    }

    @Test(arguments: [UInt8(0x00), 0x03, 0x7f, 0xff])
    func unknownVersionFailsAtOnceAndStaysFailed(_ version: UInt8) {
        var decoder = MonitorRequestDecoder()
        decoder.feed([version])
        guard case .failure(let error) = decoder.next() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.status == .badVersion)
        #expect(error.response.encoded() == [0x01, 0x00, 0x01, 0x00])
        decoder.feed(legacyBytes(method: 0, target: 0, data: [0]))
        #expect(decoder.next() == .failure(error))
    }

    @Test func responseDecoderNeedsMoreUntilComplete() throws {
        let request = MonitorRequest(version: .v2, requestID: 5, token: seedToken, operation: .serverInfo)
        let frame = try requireFrame(try request.encoded())
        let bytes = MonitorResponse.success(
            .serverInfo(ServerInfo(version: "v", uptimeSeconds: 1, time: 2)), to: frame
        ).encoded()
        for length in 0..<bytes.count {
            var decoder = MonitorResponseDecoder(version: .v2)
            decoder.feed(bytes.prefix(length))
            #expect(decoder.next() == .needMore)
        }
    }

    @Test func responseDecoderRefusesAnOversizedV2Answer() {
        var decoder = MonitorResponseDecoder(version: .v2)
        decoder.feed([0x02, 0, 0, 0, 1, 0x02, 0x00] + bigEndian(UInt32(MonitorLimits.v2MaxResponseDataLength + 1)))
        #expect(decoder.next() == .failure(.tooLarge(UInt64(MonitorLimits.v2MaxResponseDataLength + 1))))
    }
}
