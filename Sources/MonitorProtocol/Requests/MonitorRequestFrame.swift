/// A complete request as framed, before any field is checked beyond the version and length. The server checks
/// the token first (`token`), then calls `operation()`, which checks method, target and data in that order.
public struct MonitorRequestFrame: Sendable, Hashable {
    public var version: MonitorVersion
    /// The 16 token bytes as received.
    public var tokenBytes: [UInt8]
    /// v2 REQID; 0 in v1.
    public var requestID: UInt32
    /// v1 METHOD, or v2 OP.
    public var method: UInt8
    /// v1 TARGET; 0 in v2 (whose OP names the target).
    public var target: UInt8
    public var data: [UInt8]

    public init(
        version: MonitorVersion, tokenBytes: [UInt8], requestID: UInt32, method: UInt8, target: UInt8, data: [UInt8]
    ) {
        self.version = version
        self.tokenBytes = tokenBytes
        self.requestID = requestID
        self.method = method
        self.target = target
        self.data = data
    }

    /// The token, or nil when the bytes are not 16 printable ASCII characters (answer `authenticationFailed`).
    public var token: MonitorToken? { MonitorToken(bytes: tokenBytes) }

    /// Checks method, then target, then data, and returns the typed operation or the status to answer.
    public func operation() throws(MonitorFailure) -> MonitorOperation {
        switch version {
        case .v1: try LegacyRequestParser.operation(method: method, target: target, data: data)
        case .v2: try RequestParser.operation(opcode: method, data: data)
        }
    }

    /// The typed request, once the token has been checked by the caller.
    public func request(token: MonitorToken) throws(MonitorFailure) -> MonitorRequest {
        MonitorRequest(version: version, requestID: requestID, token: token, operation: try operation())
    }
}
