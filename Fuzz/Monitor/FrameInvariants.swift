/// One framed request: its operation is checked without trapping; an accepted operation encodes back to the same
/// request; and every answer the server could send to it, success or refusal, reads back as sent.
enum FrameInvariants {
    static func check(_ frame: MonitorRequestFrame, wire: [UInt8]) {
        let token = frame.token
        invariant(token.map { $0.bytes == frame.tokenBytes } ?? true, "the token changed its bytes")
        let failureStatus = MonitorStatus(rawValue: 2 + (frame.tokenBytes.first ?? 0) % 8)
        let message = String(decoding: frame.data.prefix(1_100), as: UTF8.self)
        let operation: MonitorOperation
        do {
            operation = try frame.operation()
        } catch {
            invariant(error.status != .ok && error.status != .badVersion, "refused with status \(error.status)")
            let encoded = MonitorResponse.failure(error, to: frame).encoded()
            invariant(
                encoded.count >= 4 && encoded[frame.version == .v1 ? 0 : 6] == error.status.rawValue, "status lost")
            return
        }
        _ = operation.logDescription
        let request = MonitorRequest(
            version: frame.version, requestID: frame.requestID, token: token ?? OperationSamples.token,
            operation: operation)
        checkReencoding(request, frame: frame, wire: wire)
        let reply = ReplySamples.reply(for: operation, from: frame.data + frame.tokenBytes)
        roundTrip(.success(reply, to: frame), request: request, clean: ReplySamples.isClean(reply))
        let failure = MonitorFailure(failureStatus, message)
        roundTrip(.failure(failure, to: frame), request: request, clean: TextField.errorMessage.accepts(message))
    }

    /// An operation read off the wire encodes again: v2 byte for byte, v1 to a request with the same operation.
    private static func checkReencoding(_ request: MonitorRequest, frame: MonitorRequestFrame, wire: [UInt8]) {
        let encoded: [UInt8]
        do {
            encoded = try request.encoded()
        } catch {
            invariant(false, "an accepted \(frame.version) request does not encode: \(error)")
            return
        }
        switch frame.version {
        case .v2:
            let expected = [frame.version.rawValue] + request.token.bytes + Array(wire.dropFirst(17))
            invariant(encoded == expected, "v2 \(request.operation.logDescription) encodes to other bytes")
        case .v1:
            invariant(request.operation.isInVersion1, "v1 carried \(request.operation.logDescription)")
            var decoder = MonitorRequestDecoder()
            decoder.feed(encoded)
            guard case .frame(let again) = decoder.next(), decoder.bufferedByteCount == 0 else {
                invariant(false, "a v1 re-encoding does not frame")
                return
            }
            invariant((try? again.operation()) == request.operation, "v1 re-encoding changes the operation")
        }
    }

    /// The client reads back what the server encodes; clean text and values come back unchanged.
    private static func roundTrip(_ response: MonitorResponse, request: MonitorRequest, clean: Bool) {
        let bytes = response.encoded()
        let decoded: MonitorResponse
        do {
            decoded = try MonitorResponse.decode(bytes: bytes, for: request)
        } catch {
            invariant(
                false, "the client cannot read \(response.status) for \(request.operation.logDescription): \(error)")
            return
        }
        invariant(decoded.status == response.status, "status \(response.status) read as \(decoded.status)")
        if response.status != .ok, request.version == .v1 {
            invariant(decoded.body == .failure(message: ""), "v1 refusal body \(decoded.body)")
        } else if clean {
            invariant(decoded.body == response.body, "\(response.body) read back as \(decoded.body)")
        }
        let again = try? MonitorResponse.decode(bytes: decoded.encoded(), for: request)
        invariant(again == decoded, "decoding is not stable: \(decoded.body)")
    }
}
