/// The client's response framer and body decoder over any bytes: the same frames however the bytes are cut, and
/// any response that decodes encodes to bytes that decode to the same response.
enum ResponseStreamInvariants {
    static func check(_ input: [UInt8], pieces: [ArraySlice<UInt8>], version: MonitorVersion) {
        let steps = decode(pieces, version: version)
        invariant(steps == decode([input[...]], version: version), "response framing depends on the cut")
        for case .frame(let frame) in steps {
            for request in requests(answeredBy: frame, version: version) {
                guard let response = try? MonitorResponse.decode(frame, for: request) else { continue }
                let again = try? MonitorResponse.decode(bytes: response.encoded(), for: request)
                invariant(again == response, "a decoded \(frame.version) response does not survive re-encoding")
            }
        }
    }

    private static func decode(_ pieces: [ArraySlice<UInt8>], version: MonitorVersion) -> [MonitorResponseDecoder.Step]
    {
        var decoder = MonitorResponseDecoder(version: version)
        var steps: [MonitorResponseDecoder.Step] = []
        for piece in pieces {
            decoder.feed(piece)
            reading: while true {
                let step = decoder.next()
                switch step {
                case .needMore:
                    break reading
                case .frame:
                    steps.append(step)
                case .failure:
                    steps.append(step)
                    invariant(decoder.next() == step, "a response framing failure did not stick")
                    return steps
                }
            }
        }
        return steps
    }

    /// Requests the frame could answer: for v2 the OP it names (with its request id), for v1 a GET and a CONFIG.
    private static func requests(answeredBy frame: MonitorResponseFrame, version: MonitorVersion) -> [MonitorRequest] {
        guard version == .v2 else { return OperationSamples.legacyRequests }
        let opcode = MonitorOpcode(rawValue: frame.opcode) ?? .serverInfo
        return [
            MonitorRequest(
                version: .v2, requestID: frame.requestID, token: OperationSamples.token,
                operation: OperationSamples.operation(for: opcode))
        ]
    }
}
