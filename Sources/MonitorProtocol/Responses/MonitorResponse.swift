/// A response: status and typed body, plus the v2 request id and OP it answers.
public struct MonitorResponse: Sendable, Hashable {
    public var version: MonitorVersion
    /// The request id it answers (v2); 0 in v1.
    public var requestID: UInt32
    /// The OP it answers (v2); 0 in v1.
    public var opcode: UInt8
    public var status: MonitorStatus
    public var body: MonitorReply

    public init(version: MonitorVersion, requestID: UInt32, opcode: UInt8, status: MonitorStatus, body: MonitorReply) {
        self.version = version
        self.requestID = version == .v1 ? 0 : requestID
        self.opcode = version == .v1 ? 0 : opcode
        self.status = status
        self.body = body
    }

    /// A successful answer to a frame.
    public static func success(_ body: MonitorReply, to frame: MonitorRequestFrame) -> MonitorResponse {
        MonitorResponse(
            version: frame.version, requestID: frame.requestID, opcode: frame.method, status: .ok, body: body)
    }

    /// A refusal of a frame.
    public static func failure(_ failure: MonitorFailure, to frame: MonitorRequestFrame) -> MonitorResponse {
        MonitorResponse(
            version: frame.version, requestID: frame.requestID, opcode: frame.method, status: failure.status,
            body: .failure(message: failure.message))
    }

    /// The response's bytes. Never fails: text that breaks a field's rule is cleaned and over-long lists or
    /// series are cut to the protocol's limits, so a server can always answer.
    public func encoded() -> [UInt8] {
        switch version {
        case .v1: ResponseEncoder.encodeLegacy(self)
        case .v2: ResponseEncoder.encode(self)
        }
    }

    /// Decodes a framed response to `request`, checking that it answers it (v2 request id and OP).
    public static func decode(
        _ frame: MonitorResponseFrame, for request: MonitorRequest
    ) throws(MonitorDecodingError) -> MonitorResponse {
        try ResponseBodyDecoder.decode(frame, for: request)
    }

    /// Decodes one whole response held in `bytes` (no more, no less).
    public static func decode(bytes: [UInt8], for request: MonitorRequest) throws(MonitorDecodingError)
        -> MonitorResponse
    {
        var decoder = MonitorResponseDecoder(version: request.version)
        decoder.feed(bytes)
        switch decoder.next() {
        case .needMore: throw .malformed("the response is cut short")
        case .failure(let error): throw error
        case .frame(let frame):
            guard decoder.bufferedByteCount == 0 else { throw .malformed("bytes after the response") }
            return try decode(frame, for: request)
        }
    }
}

/// Why a client could not read a response.
public enum MonitorDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes do not follow the protocol.
    case malformed(String)
    /// A well-formed response that does not answer the request sent.
    case unexpected(String)
    /// DLEN over the limit.
    case tooLarge(UInt64)

    public var description: String {
        switch self {
        case .malformed(let what): "malformed response: \(what)"
        case .unexpected(let what): "unexpected response: \(what)"
        case .tooLarge(let size): "response too large (\(size) bytes of data)"
        }
    }
}
